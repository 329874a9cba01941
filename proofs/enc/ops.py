"""The encoding of the invocations of :mod:`mlk.model.cnode`, :mod:`mlk.model.tcb` and
:mod:`mlk.model.untyped`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mlk.abi.errors import Error
from mlk.abi.objects import (
    CNODE_MAX_RADIX,
    CNODE_MIN_RADIX,
    CNODE_SLOT_BITS,
    NULL_CPTR,
    NUM_PRIORITIES,
    OBJECT_SIZE_BITS,
    RETYPE_MAX_OBJECTS,
    TIME_SLICE_TICKS,
    UNTYPED_MAX_BITS,
    UNTYPED_MIN_BITS,
    ObjectType,
)
from mlk.abi.syscalls import CONTEXT_REGS, MSG_REGS
from mlk.proofs.access import CNODE, EP, INACTIVE, NTFN, UNTYPED, VS
from mlk.proofs.enc.base import OK, OpResult, first_error, get, get2, put, put_row, when, when_stored
from mlk.proofs.enc.cspace import SymCap, read_cap
from mlk.proofs.enc.delete import Delete
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import (
    NONE,
    CArray,
    Val,
    align_up,
    and_,
    between,
    eq,
    is_sym,
    ite,
    lam,
    mkref,
    ne,
    not_,
    or_,
    pow2,
    r_and,
    r_bit,
    rights_of,
    select,
)

#: Log2 sizes an object created by Retype can have (untyped regions, CNodes, fixed kinds).
MIN_BITS = min(UNTYPED_MIN_BITS, *OBJECT_SIZE_BITS.values())
MAX_BITS = UNTYPED_MAX_BITS


@dataclass(frozen=True)
class Carve:
    """What ``untyped.retype`` computes before it changes the state: the first failing check's
    ``error``; the object type and size argument; the destination CNode ``cn`` and slots
    ``first`` .. ``first + count - 1``; log2 of an object's size ``bits`` and the size ``unit``;
    the region's first free address ``free`` (the watermark, or its base when nothing carved from
    it is left) and the carved range ``start`` .. ``end`` (``start`` is ``free`` aligned up)."""

    error: Val
    otype: Val
    size: Val
    cn: Val
    first: Val
    count: Val
    bits: Val
    unit: Val
    free: Val
    start: Val
    end: Val

    def dst(self, k: int) -> Val:
        """The slot of the ``k``-th object's capability."""
        return mkref(self.cn, self.first + k)


#: The fields of a new object that Retype writes as guarded stores (``a[o] := new ? v : a[o]``)
#: rather than as a choice between the state with the object and the state without
#: (:func:`~mlk.proofs.enc.base.when_stored`): size and radix, which ``pspace_aligned`` and
#: ``pspace_distinct`` read at an object that may be new or old (their goals 1.4 to 2.5 million
#: steps; with the choice, unknown within 15 million). Its kind stays a choice: guarded, it made
#: ``valid_queues.entries`` five times costlier (9.6 million steps, 2.0 million as a choice).
GUARDED_FIELDS = ("osize", "radix")


def _constant(value: Val) -> Callable[[Val], Val]:
    return lambda _key: value


class Ops(Delete):
    """The invocation handlers (see :data:`mlk.model.invocation.OPERATIONS`)."""

    # -- mlk.model.cnode -------------------------------------------------------------------------

    def mask_rights(self, cap: SymCap, rights: Val) -> SymCap:
        """``cnode.mask_rights``."""
        return cap.but(crights=r_and(cap.crights, rights_of(rights)))

    def set_badge(self, cap: SymCap, badge: Val) -> tuple[Val, SymCap]:
        """``cnode.set_badge``: (error, capability)."""
        badgeable = or_(eq(cap.ctype, EP), eq(cap.ctype, NTFN))
        applies = and_(badgeable, ne(badge, 0))
        error = ite(and_(applies, ne(cap.cbadge, 0)), int(Error.ILLEGAL_OPERATION), OK)
        return error, cap.select(cap.but(cbadge=badge), not_(applies))

    def endpoints(self, s: SymState, tid: Val, cap: SymCap, args: list[Val]) -> tuple[Val, Val, Val]:
        """``cnode._endpoints``: (error, destination, source)."""
        derr, dst = self.slot_in(s, cap.cobj, args[0])
        lerr, cnref = self.lookup_arg(s, tid, args[1], CNODE)
        serr, src = self.slot_in(s, get(s, "cobj", cnref), args[2])
        error = first_error(
            [
                (ne(derr, OK), derr),
                (get(s, "occ", dst), Error.DELETE_FIRST),
                (ne(lerr, OK), lerr),
                (ne(serr, OK), serr),
                (not_(get(s, "occ", src)), Error.FAILED_LOOKUP),
            ]
        )
        return error, dst, src

    def copy(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``cnode.copy``."""
        error, dst, src = self.endpoints(s, tid, cap, args)
        ok, new = self.derive(read_cap(s, src))
        error = first_error([(ne(error, OK), error), (not_(ok), Error.ILLEGAL_OPERATION)])
        return OpResult(error, self.insert(s, dst, self.mask_rights(new, args[3]), src))

    def mint(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``cnode.mint``."""
        error, dst, src = self.endpoints(s, tid, cap, args)
        ok, new = self.derive(read_cap(s, src))
        berr, new = self.set_badge(self.mask_rights(new, args[3]), args[4])
        error = first_error([(ne(error, OK), error), (not_(ok), Error.ILLEGAL_OPERATION), (ne(berr, OK), berr)])
        return OpResult(error, self.insert(s, dst, new, src))

    def move(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``cnode.move``."""
        error, dst, src = self.endpoints(s, tid, cap, args)
        error = first_error([(ne(error, OK), error), (get(s, "nchild", src) > 0, Error.REVOKE_FIRST)])
        return OpResult(error, self.move_cap(s, src, dst, read_cap(s, src)))

    def mutate(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``cnode.mutate``."""
        error, dst, src = self.endpoints(s, tid, cap, args)
        old = read_cap(s, src)
        berr, new = self.set_badge(self.mask_rights(old, args[3]), args[4])
        error = first_error(
            [
                (ne(error, OK), error),
                (get(s, "nchild", src) > 0, Error.REVOKE_FIRST),
                (ne(berr, OK), berr),
                (and_(ne(old.cmvs, NONE), ne(new.crights, old.crights)), Error.ILLEGAL_OPERATION),
            ]
        )
        return OpResult(error, self.move_cap(s, src, dst, new))

    def delete_slot(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``cnode.delete_slot``."""
        serr, target = self.slot_in(s, cap.cobj, args[0])
        target = self.named("delete.target", target)
        present = get(s, "occ", target)
        derr = self.check_delete(s, target)
        error = first_error([(ne(serr, OK), serr), (and_(present, ne(derr, OK)), derr)])
        return OpResult(error, when(present, self.delete(s, target), s))

    def revoke(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``cnode.revoke``."""
        serr, target = self.slot_in(s, cap.cobj, args[0])
        target = self.named("revoke.target", target)
        n = get(s, "nchild", target)
        some = and_(get(s, "occ", target), n > 0)
        child = self.named("revoke.child", get2(s, "childat", target, n - 1))
        derr = self.check_delete(s, child)
        error = first_error([(ne(serr, OK), serr), (and_(some, ne(derr, OK)), derr)])
        left = ite(some, n - 1, 0)
        return OpResult(error, when(some, self.delete(s, child), s), lam(s.qlen, lambda i: left), 1)

    # -- mlk.model.tcb ---------------------------------------------------------------------------

    def optional(self, s: SymState, tid: Val, cptr: Val, ctype: int) -> tuple[Val, Val]:
        """``tcb._optional``: (error, the object or ``NONE``)."""
        error, ref = self.lookup_arg(s, tid, cptr, ctype)
        null = eq(cptr, NULL_CPTR)
        return ite(null, OK, error), ite(null, NONE, get(s, "cobj", ref))

    def configure(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``tcb.configure``."""
        cerr, cs = self.optional(s, tid, args[1], CNODE)
        verr, vs = self.optional(s, tid, args[2], VS)
        error = first_error([(ne(cerr, OK), cerr), (ne(verr, OK), verr)])
        t = cap.cobj
        d = self.drop_if(self.drop_if(s, t, 0), t, 1)
        d = when(ne(cs, NONE), self.ref_add(d, cs, t, 0), d)
        d = when(ne(vs, NONE), self.ref_add(d, vs, t, 1), d)
        d = put(put(put(d, "fault_ep", t, args[0]), "cspace", t, cs), "vspace", t, vs)
        return OpResult(error, d)

    def set_priority(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``tcb.set_priority``."""
        prio = args[0]
        error = first_error(
            [(prio >= NUM_PRIORITIES, Error.RANGE_ERROR), (prio > get(s, "prio", tid), Error.ILLEGAL_OPERATION)]
        )
        t = cap.cobj
        queued = self.in_queue(s, t)
        d = when(queued, self.dequeue(s, t), s)
        d = put(d, "prio", t, prio)
        d = when(queued, self.enqueue(d, t), d)
        return OpResult(error, d)

    def tcb_suspend(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``tcb.suspend``."""
        return OpResult(OK, self.suspend(s, cap.cobj))

    def resume(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``tcb.resume``."""
        t = cap.cobj
        return OpResult(OK, when(eq(get(s, "tstate", t), INACTIVE), self.wake(s, t), s))

    def register_range(self, first: Val, count: Val, limit: int) -> Val:
        """``tcb._register_range``: the error."""
        return ite(or_(not_(between(1, count, limit + 1)), first + count > CONTEXT_REGS), int(Error.RANGE_ERROR), OK)

    def read_registers(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``tcb.read_registers``."""
        first, count = args[0], args[1]
        row = select(s.ctx, cap.cobj)
        values = lam(row, lambda i: select(row, first + i))
        return OpResult(self.register_range(first, count, MSG_REGS), s, values, count)

    def write_registers(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``tcb.write_registers`` (``args`` has all message registers; ``length`` is how many the
        message carries, as the spec's ``len(args)``)."""
        first, count = args[0], args[1]
        length = args[-1]
        error = first_error(
            [
                (ne(self.register_range(first, count, MSG_REGS - 2), OK), Error.RANGE_ERROR),
                (length < 2 + count, Error.TRUNCATED_MESSAGE),
            ]
        )
        row = select(s.ctx, cap.cobj)
        values = args[:-1]

        def reg(r: Val) -> Val:
            result = select(row, r)
            for k in range(MSG_REGS - 2):
                result = ite(and_(eq(r, first + k), k < count), values[2 + k], result)
            return result

        return OpResult(error, put_row(s, "ctx", cap.cobj, lam(row, reg)))

    def bind_notification(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``tcb.bind_notification``."""
        lerr, nref = self.lookup_arg(s, tid, args[0], NTFN)
        n = get(s, "cobj", nref)
        t = cap.cobj
        error = first_error(
            [
                (ne(lerr, OK), lerr),
                (not_(r_bit(get(s, "crights", nref), 0)), Error.INVALID_CAPABILITY),
                (ne(get(s, "bound", t), NONE), Error.ILLEGAL_OPERATION),
                (or_(ne(get(s, "nbound", n), NONE), eq(get(s, "nstate", n), 1)), Error.ILLEGAL_OPERATION),
            ]
        )
        return OpResult(error, put(put(s, "bound", t, n), "nbound", n, t))

    def unbind_notification(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``tcb.unbind_notification``."""
        t = cap.cobj
        error = ite(eq(get(s, "bound", t), NONE), int(Error.ILLEGAL_OPERATION), OK)
        return OpResult(error, self.unbind(s, t))

    # -- mlk.model.untyped -----------------------------------------------------------------------

    def size_bits_of(self, otype: Val, size: Val) -> Val:
        """``untyped.size_bits_of``."""
        result: Val = size
        result = ite(eq(otype, CNODE), size + CNODE_SLOT_BITS, result)
        for ot, bits in OBJECT_SIZE_BITS.items():
            result = ite(eq(otype, int(ot)), bits, result)
        return result

    def new_object(self, s: SymState, o: Val, otype: Val, size: Val) -> SymState:
        """``untyped.new_object`` at ``o``: every field of the new object at its initial value."""
        init: list[tuple[str, Val]] = [
            ("kind", otype),
            ("tstate", INACTIVE),
            ("tobj", NONE),
            ("tbadge", 0),
            ("tgrant", False),
            ("tgrantr", False),
            ("tcall", False),
            ("prio", 0),
            ("slice", TIME_SLICE_TICKS),
            ("cspace", NONE),
            ("vspace", NONE),
            ("fault_ep", NULL_CPTR),
            ("bound", NONE),
            ("reply", NONE),
            ("fhas", False),
            ("fkind", 0),
            ("fa", 0),
            ("fb", 0),
            ("fpc", 0),
            ("epstate", 0),
            ("nstate", 0),
            ("word", 0),
            ("nbound", NONE),
            ("irq_refs", 0),
            ("wlen", 0),
            ("radix", size),
            ("nslots", pow2(size, CNODE_MIN_RADIX, CNODE_MAX_RADIX)),
            ("used", 0),
            ("trefs", 0),
            ("device", False),
            ("nent", 0),
            ("ptlevel", NONE),
            ("ptvs", NONE),
        ]
        for name, value in init:
            s = put(s, name, o, value)
        for name, value in (("ctx", 0), ("wpos", NONE), ("pte", NONE), ("pter", 0)):
            row = select(s.f[name], o)
            s = put_row(s, name, o, lam(row, _constant(value)) if is_sym(row) else CArray(value))
        return s

    def carve(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> Carve:
        """The checks of ``untyped.retype`` and where it carves (nothing changed yet)."""
        type_arg, size, cnode_cptr = self.named("retype.otype", args[0]), self.named("retype.size", args[1]), args[2]
        first, count = self.named("retype.first", args[3]), self.named("retype.count", args[4])
        known = or_(*(eq(type_arg, int(ot)) for ot in ObjectType))
        bad_size = or_(
            and_(eq(type_arg, UNTYPED), not_(between(UNTYPED_MIN_BITS, size, UNTYPED_MAX_BITS + 1))),
            and_(eq(type_arg, CNODE), not_(between(CNODE_MIN_RADIX, size, CNODE_MAX_RADIX + 1))),
        )
        lerr, cnref = self.lookup_arg(s, tid, cnode_cptr, CNODE)
        cn = self.named("retype.cn", get(s, "cobj", cnref))
        serr, _ = self.slot_in(s, cn, first + count - 1)
        occupied = or_(*(and_(k < count, get(s, "occ", mkref(cn, first + k))) for k in range(RETYPE_MAX_OBJECTS)))
        bits = self.named("retype.bits", self.size_bits_of(type_arg, size))
        unit = self.named("retype.unit", pow2(bits, MIN_BITS, MAX_BITS))
        free = self.named("retype.free", cap.cobj + ite(get(s, "nchild", ref) > 0, cap.cwm, 0))
        start = self.named("retype.start", self.carve_start(free, bits))
        end = self.named("retype.end", start + self.times(count, unit))
        error = first_error(
            [
                (not_(known), Error.INVALID_ARGUMENT),
                (bad_size, Error.RANGE_ERROR),
                (not_(between(1, count, RETYPE_MAX_OBJECTS + 1)), Error.RANGE_ERROR),
                (ne(lerr, OK), lerr),
                (ne(serr, OK), serr),
                (occupied, Error.DELETE_FIRST),
                (end > cap.cobj + cap.usize, Error.NOT_ENOUGH_MEMORY),
            ]
        )
        error = self.named("retype.error", error)
        return Carve(error, type_arg, size, cn, first, count, bits, unit, free, start, end)

    def retype(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``untyped.retype``: the watermark moves past the objects, then each is created in
        turn (:meth:`carve_one`)."""
        c = self.carve(s, tid, ref, cap, args)
        d = self.set_cap(s, ref, cap.but(cwm=c.end - cap.cobj))
        for k in range(RETYPE_MAX_OBJECTS):
            d = when(k < c.count, self.carve_one(d, ref, c, k), d)
        return OpResult(c.error, d)

    def carve_one(self, s: SymState, ref: Val, c: Carve, k: int) -> SymState:
        """The ``k``-th object of a Retype: a new object at its address (but an untyped region)
        and its capability in its slot, a child of the untyped capability in ``ref``."""
        addr = self.carve_addr(c, k)
        child_untyped = SymCap(UNTYPED, addr, csb=c.size, usize=c.unit)
        child = SymCap(c.otype, addr).select(child_untyped, ne(c.otype, UNTYPED))
        new = put(self.new_object(s, addr, c.otype, c.size), "osize", addr, c.unit)
        made = when_stored(ne(c.otype, UNTYPED), new, s, GUARDED_FIELDS)
        return self.insert(made, c.dst(k), child, ref)

    def carve_addr(self, c: Carve, k: Val) -> Val:
        """The address of the ``k``-th object of a Retype."""
        return c.start + self.times(k, c.unit)

    def carve_start(self, free: Val, bits: Val) -> Val:
        """Where Retype carves the first object: ``free`` aligned up to the object size."""
        return align_up(free, bits, MIN_BITS, MAX_BITS)

    def times(self, k: Val, unit: Val) -> Val:
        """``k * unit`` for ``0 <= k <= RETYPE_MAX_OBJECTS`` (linear in the solver)."""
        if not (is_sym(k) or is_sym(unit)):
            return k * unit
        if not is_sym(k):
            return k * unit
        result: Val = 0
        for c in range(RETYPE_MAX_OBJECTS, 0, -1):
            result = ite(eq(k, c), c * unit, result)
        return result
