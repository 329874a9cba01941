"""Reading an encoded state: the accessors the invariants and the encoding share.

Each function mirrors a helper of the spec (a property of an object, a capability's region, a
table walk) over a :class:`~mlk.proofs.symstate.SymState`, in either backend.
"""

from __future__ import annotations

import z3

from mlk.abi.objects import (
    CNODE_SLOT_BITS,
    OBJECT_SIZE_BITS,
    PAGE_BITS,
    PT_INDEX_BITS,
    CapType,
    ObjectType,
    ThreadState,
)
from mlk.model import vm
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import (
    NONE,
    Val,
    aligned,
    and_,
    between,
    eq,
    field,
    is_sym,
    ite,
    mkref,
    ne,
    no_ref,
    not_,
    or_,
    pow2,
    select,
)

TCB = int(ObjectType.TCB)
EP = int(ObjectType.ENDPOINT)
NTFN = int(ObjectType.NOTIFICATION)
CNODE = int(ObjectType.CNODE)
FRAME = int(ObjectType.FRAME)
PT = int(ObjectType.PAGE_TABLE)
VS = int(ObjectType.VSPACE)
UNTYPED = int(CapType.UNTYPED)
IRQC = int(CapType.IRQ_CONTROL)
IRQH = int(CapType.IRQ_HANDLER)

INACTIVE = int(ThreadState.INACTIVE)
RUNNING = int(ThreadState.RUNNING)
ON_SEND = int(ThreadState.BLOCKED_ON_SEND)
ON_RECV = int(ThreadState.BLOCKED_ON_RECEIVE)
ON_REPLY = int(ThreadState.BLOCKED_ON_REPLY)
ON_NTFN = int(ThreadState.BLOCKED_ON_NOTIFICATION)
IDLE_STATE = int(ThreadState.IDLE)

#: The largest radix a CNode may have (CNode sizes are 2**(radix + CNODE_SLOT_BITS) bytes).
MAX_RADIX = 12
#: 2**64: register values are below it.
WORD = 1 << 64


def at(s: SymState, name: str, key: Val) -> Val:
    """Field ``name`` at ``key``."""
    return select(s.f[name], key)


def at2(s: SymState, name: str, k1: Val, k2: Val) -> Val:
    """Two-level field ``name`` at ``k1``, ``k2``."""
    return select(select(s.f[name], k1), k2)


def word(v: Val) -> Val:
    """Whether ``v`` fits a 64-bit register."""
    return and_(v >= 0, v < WORD)


# -- objects ------------------------------------------------------------------------------------


def kind(s: SymState, o: Val) -> Val:
    """The object type at ``o`` (0: none)."""
    return at(s, "kind", o)


def live(s: SymState, o: Val) -> Val:
    """Whether an object lives at ``o``."""
    return ne(kind(s, o), 0)


def is_tcb(s: SymState, t: Val) -> Val:
    """Whether ``t`` is a thread."""
    return eq(kind(s, t), TCB)


def user_tcb(s: SymState, t: Val) -> Val:
    """Whether ``t`` is a thread other than the idle thread (the spec's ``_tcbs``)."""
    return and_(is_tcb(s, t), ne(t, s.idle))


def is_table(s: SymState, t: Val) -> Val:
    """Whether ``t`` is a translation table (page table or VSpace)."""
    k = kind(s, t)
    return or_(eq(k, PT), eq(k, VS))


def tstate(s: SymState, t: Val) -> Val:
    """The state kind of thread ``t``."""
    return at(s, "tstate", t)


def size_bits(s: SymState, o: Val) -> Val:
    """log2 of the size of the object at ``o`` (``object_size_bits``)."""
    k = kind(s, o)
    result: Val = at(s, "radix", o) + CNODE_SLOT_BITS
    for ot, bits in OBJECT_SIZE_BITS.items():
        result = ite(eq(k, int(ot)), bits, result)
    return result


def obj_size_formula(s: SymState, o: Val) -> Val:
    """The size in bytes of the object at ``o``, computed from its kind and radix."""
    k = kind(s, o)
    result: Val = pow2(at(s, "radix", o) + CNODE_SLOT_BITS, 1 + CNODE_SLOT_BITS, MAX_RADIX + CNODE_SLOT_BITS)
    for ot, bits in OBJECT_SIZE_BITS.items():
        result = ite(eq(k, int(ot)), 1 << bits, result)
    return result


def obj_size(s: SymState, o: Val) -> Val:
    """The size in bytes of the object at ``o`` (the ghost ``osize``, see valid_objs)."""
    return at(s, "osize", o)


def obj_aligned(s: SymState, o: Val) -> Val:
    """Whether ``o`` is aligned to the size of the object there."""
    return aligned_for(kind(s, o), at(s, "radix", o), o)


def aligned_for(k: Val, radix: Val, o: Val) -> Val:
    """Whether ``o`` is aligned to the size of an object of kind ``k`` (radix ``radix``, read for
    a CNode)."""
    result: Val = aligned(o, radix + CNODE_SLOT_BITS, 1 + CNODE_SLOT_BITS, MAX_RADIX + CNODE_SLOT_BITS)
    for ot, bits in OBJECT_SIZE_BITS.items():
        result = ite(eq(k, int(ot)), aligned(o, bits, bits, bits), result)
    return result


# -- wait queues --------------------------------------------------------------------------------


def in_wq(s: SymState, o: Val, t: Val) -> Val:
    """Whether thread ``t`` is in the queue of endpoint or notification ``o``."""
    pos = at2(s, "wpos", o, t)
    return and_(pos >= 0, pos < at(s, "wlen", o), eq(at2(s, "wat", o, pos), t))


# -- slots and capabilities ----------------------------------------------------------------------


def occ(s: SymState, r: Val) -> Val:
    """Whether slot ``r`` is occupied."""
    return at(s, "occ", r)


def ctype(s: SymState, r: Val) -> Val:
    """The capability type in slot ``r``."""
    return at(s, "ctype", r)


def cobj(s: SymState, r: Val) -> Val:
    """The object (or line) of the capability in slot ``r``."""
    return at(s, "cobj", r)


def parent(s: SymState, r: Val) -> Val:
    """The CDT parent of slot ``r``."""
    return at(s, "parent", r)


def has_parent(s: SymState, r: Val) -> Val:
    """Whether slot ``r`` has a CDT parent."""
    return ne(parent(s, r), no_ref(r))


def mapped(s: SymState, r: Val) -> Val:
    """Whether the capability in ``r`` records a mapping."""
    return ne(at(s, "cmvs", r), NONE)


def same_target(s: SymState, a: Val, b: Val) -> Val:
    """The spec's ``_same_target``: ``b`` (a child of ``a``) is a copy designating ``a``'s object."""
    return and_(eq(ctype(s, a), ctype(s, b)), eq(cobj(s, a), cobj(s, b)), ne(ctype(s, a), UNTYPED))


def is_original(s: SymState, r: Val) -> Val:
    """Whether ``r`` holds an object's original capability (if_live_then_nonz_cap)."""
    t = ctype(s, r)
    p = parent(s, r)
    return and_(ne(t, UNTYPED), ne(t, IRQH), ne(t, IRQC), or_(eq(p, no_ref(r)), not_(same_target(s, p, r))))


def untyped_end(s: SymState, r: Val) -> Val:
    """The end of the untyped region of the capability in ``r``."""
    return cobj(s, r) + at(s, "usize", r)


def has_region(s: SymState, r: Val) -> Val:
    """Whether the capability in ``r`` designates memory (the spec's ``_region`` is not None)."""
    t = ctype(s, r)
    return or_(eq(t, UNTYPED), and_(ne(t, IRQH), ne(t, IRQC), live(s, cobj(s, r))))


def region_end(s: SymState, r: Val) -> Val:
    """The end of the memory the capability in ``r`` designates (its start is ``cobj``)."""
    return ite(eq(ctype(s, r), UNTYPED), untyped_end(s, r), cobj(s, r) + obj_size(s, cobj(s, r)))


def overlaps(lo1: Val, hi1: Val, lo2: Val, hi2: Val) -> Val:
    """Whether ``[lo1, hi1)`` and ``[lo2, hi2)`` intersect."""
    return and_(lo1 < hi2, lo2 < hi1)


def slot_ref(cnode: Val, index: Val) -> Val:
    """The reference of slot ``index`` of ``cnode``."""
    return mkref(cnode, index)


# -- translation tables -------------------------------------------------------------------------


def index_of(vaddr: Val, level: int) -> Val:
    """``vm.table_index`` by arithmetic: bits ``level_shift(level)`` and up of ``vaddr``, 9 of them."""
    return field(vaddr, vm.level_shift(level), PT_INDEX_BITS)


#: The table index of a symbolic address at a level (see :func:`table_index`).
_INDEX = z3.Function("table_index", z3.IntSort(), z3.IntSort(), z3.IntSort())


def table_index(vaddr: Val, level: int) -> Val:
    """``vm.table_index``: :func:`index_of` of a literal address; of a symbolic one, an
    uninterpreted function of the address and the level. What the proofs know of it is true of
    :func:`index_of`: the range of each index an encoded step writes an entry at
    (:meth:`mlk.proofs.enc.vm.Vm.index`), the facts :func:`mlk.proofs.lemmas.base_keeps_indices`
    states about the bases Page Table Map records (proved by the ``lemma/level_base`` obligations
    for :func:`index_of`), and for the boot state its definition (:func:`index_definition`). So a
    proof with it is a proof for :func:`index_of`, as with :func:`mlk.proofs.terms.bor`. No goal
    needs the arithmetic, which made the solver relate the quotients of an address by different
    powers of two wherever two walks met (with them the four address-space
    ``mappings_match_caps`` took 0.7 to 1.5 s per million solver steps, most of it in linear
    arithmetic; a range fact for every index, as a quantified axiom or as a remainder, kept most
    of that cost)."""
    if not is_sym(vaddr) or z3.is_int_value(vaddr):
        return index_of(vaddr, level)
    return _INDEX(vaddr, level)


def index_range(index: Val) -> Val:
    """A table index is in ``[0, 512)``."""
    return between(0, index, 1 << PT_INDEX_BITS)


def _exact_index() -> Val:
    """:func:`index_of` at the level, over the variables of a function body (address 0, level 1)."""
    a, lvl = z3.Var(0, z3.IntSort()), z3.Var(1, z3.IntSort())
    exact: Val = index_of(a, vm.LEAF_LEVEL)
    for level in reversed(range(vm.LEAF_LEVEL)):
        exact = z3.If(lvl == level, index_of(a, level), exact)
    return exact


def exact_indices(term: Val) -> Val:
    """``term`` with :func:`table_index` replaced by :func:`index_of` (to evaluate encoded terms
    in a model, where the function is otherwise any function)."""
    return z3.substitute_funs(term, (_INDEX, _exact_index())) if is_sym(term) else term


def index_definition() -> list[Val]:
    """:func:`table_index` is :func:`index_of` at every level (for the boot state, whose literal
    addresses the goals read at symbolic witnesses)."""
    a, lvl = z3.Ints("index.a index.l")
    index = _INDEX(a, lvl)
    exact = z3.substitute_vars(_exact_index(), a, lvl)
    body = z3.Implies(z3.And(lvl >= 0, lvl <= vm.LEAF_LEVEL), index == exact)
    return [z3.ForAll([a, lvl], body, patterns=[index])]


def walk(s: SymState, vspace: Val, vaddr: Val, depth: int) -> tuple[Val, Val, Val]:
    """The spec's ``_walk`` to ``depth``: (found, table, index); the entry is ``pte[table][index]``."""
    table = vspace
    ok: Val = True
    for level in range(depth + 1):
        index = table_index(vaddr, level)
        ok = and_(ok, is_table(s, table), ne(at2(s, "pte", table, index), NONE))
        if level == depth:
            return ok, table, index
        table = at2(s, "pte", table, index)
    raise AssertionError("unreachable")


def recorded(s: SymState, r: Val) -> tuple[Val, Val, Val]:
    """``recorded_entry`` of the capability in ``r``: (exists, table, index)."""
    vspace, vaddr, obj = at(s, "cmvs", r), at(s, "cmva", r), cobj(s, r)
    ok3, t3, i3 = walk(s, vspace, vaddr, vm.LEAF_LEVEL)
    frame = (and_(ok3, eq(at2(s, "pte", t3, i3), obj)), t3, i3)
    found: Val = False
    table: Val = 0
    index: Val = 0
    for level in reversed(range(vm.LEAF_LEVEL)):
        ok, t, i = walk(s, vspace, vaddr, level)
        hit = and_(ok, eq(at2(s, "pte", t, i), obj))
        found, table, index = or_(hit, found), ite(hit, t, table), ite(hit, i, index)
    is_frame = eq(ctype(s, r), FRAME)
    return ite(is_frame, frame[0], found), ite(is_frame, frame[1], table), ite(is_frame, frame[2], index)


def page_aligned(vaddr: Val) -> Val:
    """Whether ``vaddr`` is page aligned."""
    return aligned(vaddr, PAGE_BITS, PAGE_BITS, PAGE_BITS)
