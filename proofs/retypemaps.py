"""Retype and the address spaces: ``preserve/untyped_retype/mappings_match_caps`` in pieces.

Retype creates objects only where none lived (``carve_vacant`` of :mod:`mlk.proofs.retype`) and
capabilities only in empty slots (``destinations_empty``); a new object has no translation entry,
counts none and is at no level, and a new capability records no mapping. So the translation
entries and mapped capabilities after the step are those before, and each goal of the family is
its own conjunct before once it knows, at its witnesses, that:

* ``kept_objects``: a live object keeps its kind, translation entries, entry count and level;
* ``fresh_objects``: an object live only after the step counts no entry and is at no level; and
  ``fresh_entries``: its entries are empty;
* ``kept_slots``: an occupied slot stays occupied and keeps its capability's type, object and
  mapping (only the untyped capability's watermark changes among them);
* ``fresh_slots``: a capability in a slot that was empty records no mapping and designates an
  object that was not live (a new one, which is a page table if the capability is a page
  table's);
* ``fresh_distinct``: two new capabilities that designate the same object are one.

Each is proved once, under the few facts it needs (:attr:`mlk.proofs.obligation.Lemma.uses`);
none is assumed by the goals as a quantified fact (:attr:`~mlk.proofs.obligation.Lemma.assumed`):
each goal gets their instances at its witnesses as hints (:func:`hints`), with the instances of
``kept_objects`` at the tables of the walk that finds a mapped capability's entry before the step,
and its own conjunct about the state before at its witnesses. Under every family instead, the
goals cost 95 million steps together: each had to find which of the eight new objects and slots,
if any, its witnesses are, through the step's terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import z3

from mlk.model import vm
from mlk.proofs import retype
from mlk.proofs.access import PT, at, at2, cobj, ctype, kind, live, mapped, occ, walk
from mlk.proofs.enc.base import OK
from mlk.proofs.enc.ops import Carve
from mlk.proofs.invariants import by_name
from mlk.proofs.obligation import Goal, Lemma
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import NONE, RefSort, Val, and_, eq, implies, not_

#: The family proved this way.
FAMILY = "mappings_match_caps"

#: The lemmas of :mod:`mlk.proofs.retype` the ones here build on: ``carve_vacant`` and those it
#: builds on (the carved range lies in the free part of the region, which holds no object), and
#: ``destinations_empty``.
REGION = (*retype.VACANT, "destinations_empty")

#: The lemmas of this module, by name.
OWN = ("kept_objects", "fresh_objects", "fresh_entries", "kept_slots", "fresh_slots", "fresh_distinct")

#: An object capability designates a live object of its type (of the state before).
_TARGET = by_name("valid_caps").conjunct("target")

#: The object fields a live object keeps (besides its entries).
_KEPT = ("kind", "nent", "ptlevel")


def lemmas(s: SymState, post: SymState, c: Carve) -> list[Lemma]:
    """The lemmas of the module documentation about the step from ``s`` to ``post`` that carves
    ``c``, in the order they are proved."""
    w, i = z3.Int("maps.w"), z3.Int("maps.i")
    a, b = z3.Const("maps.a", RefSort), z3.Const("maps.b", RefSort)
    ok = eq(c.error, OK)

    def kept_object(o: Val) -> Val:
        same = [eq(at(post, f, o), at(s, f, o)) for f in _KEPT]
        return and_(*same, eq(z3.Select(post.f["pte"], o), z3.Select(s.f["pte"], o)))

    def kept_slot(r: Val) -> Val:
        same = [eq(at(post, f, r), at(s, f, r)) for f in ("ctype", "cobj", "cmvs", "cmva")]
        return and_(occ(post, r), *same)

    def fresh(r: Val) -> Val:
        return and_(not_(occ(s, r)), occ(post, r))

    def new_cap(r: Val) -> Val:
        o = cobj(post, r)
        return and_(
            ok,
            not_(mapped(post, r)),
            not_(live(s, o)),
            implies(eq(ctype(post, r), PT), eq(kind(post, o), PT)),
        )

    return [
        Lemma(
            "kept_objects",
            z3.ForAll([w], implies(live(s, w), kept_object(w)), patterns=[at(s, "kind", w)]),
            [],
            uses=("carve_vacant",),
            assumed=False,
        ),
        Lemma(
            "fresh_objects",
            z3.ForAll(
                [w],
                implies(
                    and_(not_(live(s, w)), live(post, w)),
                    and_(eq(at(post, "nent", w), 0), eq(at(post, "ptlevel", w), NONE)),
                ),
                patterns=[at(s, "kind", w)],
            ),
            [],
            uses=(),
            assumed=False,
        ),
        Lemma(
            "fresh_entries",
            z3.ForAll(
                [w, i],
                implies(and_(not_(live(s, w)), live(post, w)), eq(at2(post, "pte", w, i), NONE)),
                patterns=[at2(s, "pte", w, i)],
            ),
            [],
            uses=(),
            assumed=False,
        ),
        Lemma(
            "kept_slots",
            z3.ForAll([a], implies(occ(s, a), kept_slot(a)), patterns=[at(s, "occ", a)]),
            [],
            uses=("destinations_empty",),
            assumed=False,
        ),
        Lemma(
            "fresh_slots",
            z3.ForAll([a], implies(fresh(a), new_cap(a)), patterns=[at(s, "occ", a)]),
            [],
            uses=("carve_vacant",),
            assumed=False,
        ),
        Lemma(
            "fresh_distinct",
            z3.ForAll(
                [a, b],
                implies(and_(fresh(a), fresh(b), eq(cobj(post, a), cobj(post, b))), eq(a, b)),
                patterns=[z3.MultiPattern(at(s, "occ", a), at(s, "occ", b))],
            ),
            [],
            uses=("carve_inside",),
            assumed=False,
        ),
    ]


def chosen(step: Sequence[Lemma]) -> tuple[Lemma, ...]:
    """The lemmas of the obligation of :data:`FAMILY` among ``step`` (Retype's, then this
    module's): :data:`REGION`, each assumed by the goals only if it is ground, and :data:`OWN`."""
    region = [replace(lemma, assumed=not z3.is_quantifier(lemma.term)) for lemma in step if lemma.name in REGION]
    return (*region, *(lemma for lemma in step if lemma.name in OWN))


def _walk_tables(s: SymState, r: Val) -> list[Val]:
    """The tables the walks that find the entry of the capability in ``r`` visit in ``s``."""
    return [walk(s, at(s, "cmvs", r), at(s, "cmva", r), depth)[1] for depth in range(vm.LEAF_LEVEL + 1)]


def hints(proved: Sequence[Lemma], s: SymState, post: SymState, goal: Goal) -> list[Val]:
    """Instances for ``goal`` (a conjunct of :data:`FAMILY` about ``post``, the state after Retype,
    at its witnesses) of the lemmas ``proved`` and of its own conjunct about ``s``, the state
    before (see the module documentation)."""
    by = {lemma.name: lemma for lemma in proved}
    conjunct = goal.name.partition(".")[2]
    xs = goal.witnesses
    own = by_name(FAMILY).conjunct(conjunct)
    out = [own.body(s, *xs)]

    def objects(*os: Val) -> None:
        out.extend(by["kept_objects"].instance([o]) for o in os)
        out.extend(by["fresh_objects"].instance([o]) for o in os)

    def slots(*rs: Val) -> None:
        for r in rs:
            out.extend(by[name].instance([r]) for name in ("kept_slots", "fresh_slots"))
            out.append(_TARGET.body(s, r))

    if conjunct in ("entry_recorded", "entries_numbered"):
        t, k = xs
        objects(t)
        out.append(by["fresh_entries"].instance([t, k]))
        if conjunct == "entry_recorded":
            p = at2(s, "pte_cap", t, k)
            slots(p)
            objects(*_walk_tables(s, p))
    elif conjunct in ("entries_listed", "entries_nonneg"):
        objects(xs[0])
    elif conjunct == "one_cap_per_table":
        slots(*xs)
        out.append(by["fresh_distinct"].instance(xs))
    else:
        (r,) = xs
        slots(r)
        objects(cobj(s, r), cobj(post, r), at(s, "cmvs", r), *_walk_tables(s, r))
    return out


#: The step limit of a goal's attempt under its hints and the transition's guard.
GOAL_RLIMIT = 3_000_000


def focused(goal: Goal, proved: Sequence[Lemma], s: SymState, post: SymState, guard: Val) -> Goal:
    """``goal`` tried first under the transition's ``guard`` alone, with its :func:`hints`, and
    generalized over the fields of ``post`` that the step changed
    (:attr:`mlk.proofs.obligation.Goal.generalized`): the hints say all it needs of them. Its
    term is the conjunct as stated (not simplified), whose fields are those the hints name."""
    conjunct = goal.name.partition(".")[2]
    own = by_name(FAMILY).conjunct(conjunct)
    return replace(
        goal,
        term=own.body(post, *goal.witnesses),
        focus=[guard],
        focus_rlimit=GOAL_RLIMIT,
        hints=[*goal.hints, *hints(proved, s, post, goal)],
        generalized=[post.f[f] for f in sorted(post.f) if post.f[f] is not s.f[f]],
    )
