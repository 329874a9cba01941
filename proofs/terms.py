"""Terms with two backends: Z3 terms for proofs, plain Python values for fast evaluation.

The encoding (:mod:`mlk.proofs.enc`) and the invariants (:mod:`mlk.proofs.invariants`) are written
once, against the helpers of this module. Given Z3 terms they build Z3 terms (the proofs); given
Python values (``int``, ``bool``, ``tuple`` slot references, :class:`CArray` arrays) they compute
Python values (the differential tests, the counterexample search on concrete states). Each helper
has the same meaning in both backends; ``tests/proofs/test_terms.py`` checks that on random
arguments, and the differential test replays a sample of pairs through Z3 itself.

Values:

* integers are Z3 ``Int`` or Python ``int``; Booleans Z3 ``Bool`` or Python ``bool``;
* a capability slot reference ``(cnode, index)`` is a value of the Z3 datatype :data:`RefSort`
  or a Python pair; :data:`NO_REF` stands for ``None`` (no slot);
* an array (a total function, e.g. a per-object field over all object ids) is a Z3 array or a
  :class:`CArray` (a default value plus finitely many entries) or a :class:`FnArray` (a Python
  function, the concrete counterpart of a Z3 ``Lambda``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import z3

#: A value of either backend (see the module documentation).
Val = Any

#: The "no object" value of optional object references (object ids are addresses, never negative).
NONE = -1

#: The Z3 sort of slot references: ``ref(cn, ix)``.
_RefDecl = z3.Datatype("Ref")
_RefDecl.declare("ref", ("cn", z3.IntSort()), ("ix", z3.IntSort()))
RefSort = _RefDecl.create()

#: The concrete "no slot" reference.
NO_REF = (NONE, 0)


class CArray:
    """A concrete total function: ``default`` everywhere except the keys of ``entries``.

    Updates are functional: :meth:`store` returns a new array sharing nothing mutable with this
    one (entries are copied on write, which keeps reads O(1))."""

    __slots__ = ("default", "entries")

    def __init__(self, default: Val, entries: dict[Any, Val] | None = None) -> None:
        self.default = default
        self.entries: dict[Any, Val] = entries if entries is not None else {}

    def get(self, key: Val) -> Val:
        """The value at ``key``."""
        return self.entries.get(key, self.default)

    def store(self, key: Val, value: Val) -> CArray:
        """This array with ``key`` mapped to ``value``."""
        entries = dict(self.entries)
        entries[key] = value
        return CArray(self.default, entries)

    def __repr__(self) -> str:
        return f"CArray({self.default!r}, {self.entries!r})"


class FnArray:
    """A concrete total function given by a Python function (the counterpart of ``Lambda``).

    ``keys`` are the points where it may differ from ``base`` (for reading it back finitely)."""

    __slots__ = ("base", "fn")

    def __init__(self, fn: Callable[[Val], Val], base: CArray | FnArray) -> None:
        self.fn = fn
        self.base = base

    def get(self, key: Val) -> Val:
        """The value at ``key``."""
        return self.fn(key)

    def store(self, key: Val, value: Val) -> FnArray:
        """This array with ``key`` mapped to ``value``."""
        return FnArray(lambda k: value if k == key else self.fn(k), self)


ConcreteArray = CArray | FnArray


def is_sym(x: Val) -> bool:
    """Whether ``x`` is a Z3 term."""
    return isinstance(x, z3.ExprRef)


def _lift(x: Val, like: Val = None) -> Val:
    """A Python scalar as a Z3 literal (of the sort of ``like`` when given); Z3 terms unchanged."""
    if is_sym(x):
        return x
    if like is not None and is_sym(like):
        sort = like.sort()
        if isinstance(x, int) and not isinstance(x, bool) and z3.is_bv_sort(sort):
            return z3.BitVecVal(x, sort.size())
    if isinstance(x, bool):
        return z3.BoolVal(x)
    if isinstance(x, int):
        return z3.IntVal(x)
    if isinstance(x, tuple):
        return RefSort.ref(_lift(x[0]), _lift(x[1]))
    return x


# -- slot references ----------------------------------------------------------------------------


def mkref(cn: Val, ix: Val) -> Val:
    """The reference of slot ``ix`` of CNode ``cn``."""
    if is_sym(cn) or is_sym(ix):
        return RefSort.ref(_lift(cn), _lift(ix))
    return (cn, ix)


def ref_cn(r: Val) -> Val:
    """The CNode of slot reference ``r``."""
    return RefSort.cn(r) if is_sym(r) else r[0]


def ref_ix(r: Val) -> Val:
    """The index of slot reference ``r``."""
    return RefSort.ix(r) if is_sym(r) else r[1]


def no_ref(like: Val) -> Val:
    """:data:`NO_REF` in the backend of ``like``."""
    return _lift(NO_REF) if is_sym(like) else NO_REF


# -- Booleans -----------------------------------------------------------------------------------


def eq(a: Val, b: Val) -> Val:
    """``a == b`` (integers, Booleans or references, in either backend)."""
    if is_sym(a) or is_sym(b):
        return _lift(a, b) == _lift(b, a)
    return a == b


def ne(a: Val, b: Val) -> Val:
    """``a != b``."""
    return not_(eq(a, b))


def not_(a: Val) -> Val:
    """Negation."""
    return z3.Not(a) if is_sym(a) else not a


def and_(*xs: Val) -> Val:
    """Conjunction (a concrete ``False`` decides it in either backend)."""
    sym = []
    for x in xs:
        if is_sym(x):
            sym.append(x)
        elif not x:
            return False
    if not sym:
        return True
    return sym[0] if len(sym) == 1 else z3.And(*sym)


def or_(*xs: Val) -> Val:
    """Disjunction (a concrete ``True`` decides it in either backend)."""
    sym = []
    for x in xs:
        if is_sym(x):
            sym.append(x)
        elif x:
            return True
    if not sym:
        return False
    return sym[0] if len(sym) == 1 else z3.Or(*sym)


def implies(a: Val, b: Val) -> Val:
    """``a`` implies ``b``."""
    return or_(not_(a), b)


def ite(c: Val, a: Val, b: Val) -> Val:
    """``a`` if ``c`` else ``b``."""
    if not is_sym(c):
        return a if c else b
    if a is b:
        return a
    if isinstance(a, CArray | FnArray) or isinstance(b, CArray | FnArray):
        raise TypeError("a symbolic condition over concrete arrays")
    return z3.If(c, _lift(a, b), _lift(b, a))


def between(lo: Val, x: Val, hi: Val) -> Val:
    """``lo <= x < hi``."""
    return and_(lo <= x, x < hi)


# -- arrays -------------------------------------------------------------------------------------


def select(a: Val, key: Val) -> Val:
    """The value of array ``a`` at ``key``."""
    if isinstance(a, CArray | FnArray):
        return a.get(key)
    return z3.Select(a, _lift(key))


def store(a: Val, key: Val, value: Val) -> Val:
    """Array ``a`` with ``key`` mapped to ``value``."""
    if isinstance(a, CArray | FnArray):
        return a.store(key, value)
    return z3.Store(a, _lift(key), _lift(value, z3.FreshConst(a.sort().range())) if not is_sym(value) else value)


def guarded(cond: Val, a: Val, b: Val) -> Val:
    """``a`` if ``cond`` else ``b``, like :func:`ite`; when ``a`` is ``b`` with some entries
    stored, the same stores into ``b`` whose values are guarded instead (``b[k] := cond ? v :
    b[k]``, in order): equal, and a chain of stores rather than a choice between two arrays, which
    the solver reads far more cheaply at a point (``select`` needs no case split on ``cond``)."""
    if not (is_sym(cond) and is_sym(a) and is_sym(b) and z3.is_array(a)):
        return ite(cond, a, b)
    stores = []
    rest = a
    while not rest.eq(b) and z3.is_store(rest):
        stores.append((rest.arg(1), rest.arg(2)))
        rest = rest.arg(0)
    if not rest.eq(b):
        return ite(cond, a, b)
    out = b
    for key, value in reversed(stores):
        out = z3.Store(out, key, z3.If(cond, value, z3.Select(out, key)))
    return out


def store2(a: Val, k1: Val, k2: Val, value: Val) -> Val:
    """Two-level array ``a`` with ``a[k1][k2]`` set to ``value``."""
    return store(a, k1, store(select(a, k1), k2, value))


def lam(like: Val, fn: Callable[[Val], Val]) -> Val:
    """The array ``k -> fn(k)`` with the index sort of array ``like`` (a Z3 ``Lambda`` for a Z3
    ``like``, a :class:`FnArray` for a concrete one)."""
    if isinstance(like, CArray | FnArray):
        return FnArray(fn, like)
    var = z3.FreshConst(like.sort().domain(), "k")
    body = fn(var)
    return z3.Lambda([var], _lift(body, z3.FreshConst(like.sort().range())) if not is_sym(body) else body)


def update_where(a: Val, cond: Callable[[Val], Val], fn: Callable[[Val], Val]) -> Val:
    """Array ``a`` with ``fn(k)`` at every key where ``cond(k)`` holds."""
    return lam(a, lambda k: ite(cond(k), fn(k), select(a, k)))


# -- arithmetic and bits ------------------------------------------------------------------------


def div(a: Val, k: int) -> Val:
    """``a // k`` for a positive constant ``k`` (Z3's ``div`` and Python's ``//`` agree then)."""
    return a / k if is_sym(a) else a // k


def mod(a: Val, k: int) -> Val:
    """``a % k`` for a positive constant ``k``."""
    return a % k


def field(a: Val, lsb: int, width: int) -> Val:
    """Bits ``lsb .. lsb + width - 1`` of the non-negative integer ``a``."""
    return mod(div(a, 1 << lsb), 1 << width) if is_sym(a) else (a >> lsb) & ((1 << width) - 1)


def bit(a: Val, k: int) -> Val:
    """Whether bit ``k`` of the non-negative integer ``a`` is set."""
    return eq(field(a, k, 1), 1)


def low_and(a: Val, b: Val, width: int) -> Val:
    """``a & b & (2**width - 1)`` for non-negative integers (bit by bit in Z3)."""
    if not (is_sym(a) or is_sym(b)):
        return a & b & ((1 << width) - 1)
    total: Val = 0
    for k in range(width):
        total = total + z3.If(z3.And(_lift(bit(a, k)), _lift(bit(b, k))), 1 << k, 0)
    return total


def low_subset(a: Val, b: Val, width: int) -> Val:
    """Whether the low ``width`` bits of ``a`` are all set in ``b``."""
    if not (is_sym(a) or is_sym(b)):
        return (a & ~b & ((1 << width) - 1)) == 0
    return and_(*(implies(bit(a, k), bit(b, k)) for k in range(width)))


def pow2(n: Val, lo: int, hi: int) -> Val:
    """``2**n`` for ``lo <= n <= hi`` (an if-then-else chain in Z3; 0 outside the range)."""
    if not is_sym(n):
        return 1 << n if lo <= n <= hi else 0
    result: Val = z3.IntVal(0)
    for k in range(lo, hi + 1):
        result = z3.If(n == k, 1 << k, result)
    return result


def aligned(a: Val, n: Val, lo: int, hi: int) -> Val:
    """Whether ``a`` is a multiple of ``2**n`` (``lo <= n <= hi``; false outside the range)."""
    if not (is_sym(a) or is_sym(n)):
        return lo <= n <= hi and a % (1 << n) == 0
    if not is_sym(n):
        return and_(lo <= n, n <= hi, mod(a, 1 << n) == 0) if lo <= n <= hi else False
    result: Val = z3.BoolVal(False)
    for k in range(lo, hi + 1):
        result = z3.If(n == k, mod(a, 1 << k) == 0, result)
    return result


def align_up(a: Val, n: Val, lo: int, hi: int) -> Val:
    """``a`` rounded up to a multiple of ``2**n`` (``lo <= n <= hi``; ``a`` outside the range)."""
    if not (is_sym(a) or is_sym(n)):
        return (a + (1 << n) - 1) >> n << n if lo <= n <= hi else a
    result: Val = a
    for k in range(lo, hi + 1):
        result = z3.If(n == k, div(a + (1 << k) - 1, 1 << k) * (1 << k), result)
    return result


# -- rights (four bits; a 4-bit vector in Z3) --------------------------------------------------

#: Bits of a rights set.
RIGHTS_BITS = 4


def rights_of(word: Val) -> Val:
    """The rights named by the low four bits of the integer ``word`` (a register)."""
    if not is_sym(word):
        return word & ((1 << RIGHTS_BITS) - 1)
    return z3.Int2BV(word, RIGHTS_BITS)


def rights_lit(value: int) -> Val:
    """The rights set ``value`` as a Z3 literal."""
    return z3.BitVecVal(value, RIGHTS_BITS)


def r_and(a: Val, b: Val) -> Val:
    """Intersection of two rights sets."""
    if not (is_sym(a) or is_sym(b)):
        return a & b
    return _lift(a, b) & _lift(b, a)


def r_bit(a: Val, k: int) -> Val:
    """Whether right bit ``k`` is in ``a``."""
    if not is_sym(a):
        return bool((a >> k) & 1)
    return z3.Extract(k, k, a) == 1


def r_subset(a: Val, b: Val) -> Val:
    """Whether rights ``a`` are all in ``b`` (``a & ~b == 0``)."""
    if not (is_sym(a) or is_sym(b)):
        return a & ~b == 0
    return _lift(a, b) & ~_lift(b, a) == 0


def r_ok(a: Val) -> Val:
    """Whether ``a`` is a set of the four rights (always, for a 4-bit vector)."""
    if not is_sym(a):
        return 0 <= a < 1 << RIGHTS_BITS
    return True


#: The uninterpreted bitwise OR of two 64-bit words (see :func:`bor`).
_BOR = z3.Function("bor", z3.IntSort(), z3.IntSort(), z3.IntSort())


def bor(a: Val, b: Val) -> Val:
    """``a | b``: exact on literals; between symbolic terms an uninterpreted function whose only
    property the proofs use (:func:`bor_axioms`) is true of bitwise OR."""
    if not (is_sym(a) or is_sym(b)):
        return a | b
    if z3.is_int_value(_lift(a)) and z3.is_int_value(_lift(b)):
        return z3.IntVal(_lift(a).as_long() | _lift(b).as_long())
    return _BOR(_lift(a), _lift(b))


def bor_axioms(word_bits: int) -> list[Val]:
    """Facts about :func:`bor` that hold of bitwise OR: the OR of two words is a word."""
    a, b = z3.Ints("bor.a bor.b")
    top = 1 << word_bits
    word = z3.And(a >= 0, a < top, b >= 0, b < top)
    r = _BOR(a, b)
    return [z3.ForAll([a, b], z3.Implies(word, z3.And(r >= 0, r < top)), patterns=[r])]


def z3_version() -> str:
    """The version of the Z3 library the proofs run on."""
    return str(z3.get_version_string())
