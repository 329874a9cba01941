"""Typed access to Z3.

The ``z3`` module ships without type information, so every Z3 term is ``Any`` to the type checker.
This module names the kinds of term the proofs use (the aliases document intent; they are all
``Any``) and wraps the few Z3 calls whose results the rest of the code inspects, so that untyped
values do not leak further than a term.
"""

from __future__ import annotations

from typing import Any

import z3

#: A Z3 Boolean term.
Bool = Any
#: A Z3 integer term.
Int = Any
#: A Z3 array from integers to integers (or to arrays).
Arr = Any
#: A Z3 model.
Model = Any

#: The "no object" value of optional object references (object ids are addresses, so never negative).
NONE = -1


def z3_version() -> str:
    """The version of the Z3 library the proofs run on."""
    return str(z3.get_version_string())


def int_var(name: str) -> Int:
    """A fresh integer constant."""
    return z3.Int(name)


def int_array(name: str) -> Arr:
    """A fresh array from integers to integers: a total function over (unboundedly many) ids."""
    return z3.Array(name, z3.IntSort(), z3.IntSort())


def int_matrix(name: str) -> Arr:
    """A fresh array from integers to arrays from integers to integers (a two-argument function)."""
    return z3.Array(name, z3.IntSort(), z3.ArraySort(z3.IntSort(), z3.IntSort()))


def const_array(value: int) -> Arr:
    """The array mapping every integer to ``value``."""
    return z3.K(z3.IntSort(), z3.IntVal(value))


def const_matrix(value: int) -> Arr:
    """The two-argument function that is ``value`` everywhere."""
    return z3.K(z3.IntSort(), const_array(value))


def is_true(model: Model, term: Bool) -> bool:
    """Whether ``term`` evaluates to true in ``model`` (unconstrained parts completed arbitrarily)."""
    return bool(z3.is_true(model.eval(term, model_completion=True)))


def int_value(model: Model, term: Int) -> int:
    """The value of integer ``term`` in ``model``."""
    return int(model.eval(term, model_completion=True).as_long())


def concrete_int(term: Int) -> int:
    """The value of a variable-free integer term (by simplification)."""
    value = z3.simplify(term)
    if not z3.is_int_value(value):
        raise ValueError(f"not a concrete integer: {value}")
    return int(value.as_long())


def concrete_bool(term: Bool) -> bool:
    """The value of a variable-free Boolean term (by simplification)."""
    value = z3.simplify(term)
    if z3.is_true(value):
        return True
    if z3.is_false(value):
        return False
    raise ValueError(f"not a concrete Boolean: {value}")
