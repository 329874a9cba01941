"""Arithmetic lemmas: facts the encoding states about its own terms because the solver does not
find them itself, each proved here for every value (``lemma/*`` obligations of ``mlk-prove``).

Page Table Map records the base of the region its table covers, ``level_base(vaddr, level)``
(``vaddr`` with the bits below the level's shift cleared), and every later walk for that base
must visit the tables the walk for ``vaddr`` visited: the table indices of levels 0 to ``level``
of the base are those of ``vaddr``. Z3 does not prove this in one query (integer division by
different powers of two), so the encoding adds it as a fact about each base it computes
(:func:`base_keeps_indices`), and :func:`obligations` proves it in steps that it does prove:
clearing the low bits keeps the quotient by ``2**shift(level)``, a quotient by a larger power
of two is a quotient of that quotient, so the quotients by ``2**shift(lvl)`` are equal, and so are
the indices taken from them. (Deriving the indices from the first three steps at once took Z3
7 s to more than 50 million steps for level 2, index of level 0: the last two steps take
microseconds.)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import z3

from mlk.model import vm
from mlk.proofs.access import index_of, table_index
from mlk.proofs.obligation import Goal, Obligation, Query
from mlk.proofs.terms import Val, mod


def level_base(vaddr: Val, level: int) -> Val:
    """``vaddr >> level_shift(level) << level_shift(level)``."""
    return vaddr - mod(vaddr, 1 << vm.level_shift(level))


def base_keeps_indices(vaddr: Val, level: int, index: Callable[[Val, int], Val] = table_index) -> list[Val]:
    """For a non-negative ``vaddr``: the table indices of levels 0 to ``level`` of
    ``level_base(vaddr, level)`` are those of ``vaddr`` (about the encoding's
    :func:`~mlk.proofs.access.table_index`; :func:`obligations` proves them of ``index``
    :func:`~mlk.proofs.access.index_of`, the arithmetic it stands for)."""
    base = level_base(vaddr, level)
    return [z3.Implies(vaddr >= 0, index(base, lvl) == index(vaddr, lvl)) for lvl in range(level + 1)]


def _index_query(level: int, lvl: int) -> Query:
    v = z3.Int("v")
    k, j = vm.level_shift(level), vm.level_shift(lvl)
    base = level_base(v, level)
    same_quotient = base / (1 << k) == v / (1 << k)
    base_nested = base / (1 << j) == (base / (1 << k)) / (1 << (j - k))
    v_nested = v / (1 << j) == (v / (1 << k)) / (1 << (j - k))
    quotient = base / (1 << j) == v / (1 << j)
    claim = base_keeps_indices(v, level, index_of)[lvl]
    goals = [
        Goal("same_quotient", same_quotient, [v]),
        Goal("base_nested", base_nested, [v]),
        Goal("v_nested", v_nested, [v]),
        Goal("quotient", z3.Implies(z3.And(same_quotient, base_nested, v_nested), quotient), [v]),
        Goal("indices", z3.Implies(quotient, claim), [v]),
    ]
    return Query([v >= 0], [], goals)


def obligations() -> list[Obligation]:
    """``lemma/level_base/<level>.<lvl>``: each fact :func:`base_keeps_indices` states, for every
    non-negative value (the steps are checked one by one under ``v >= 0`` alone, each of the last
    two from the ones before)."""
    return [
        Obligation(f"lemma/level_base/{level}.{lvl}", partial(_index_query, level, lvl))
        for level in range(vm.LEAF_LEVEL)
        for lvl in range(level + 1)
    ]
