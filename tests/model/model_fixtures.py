"""Helpers for the spec's tests: a booted test machine and short-hands for system calls."""

from __future__ import annotations

from mlk.abi import msginfo
from mlk.abi.errors import Error
from mlk.abi.labels import Label
from mlk.abi.objects import ObjectType, RootSlot
from mlk.abi.rights import ALL_RIGHTS
from mlk.abi.syscalls import ContextReg, Reg, Syscall
from mlk.model.boot import boot
from mlk.model.events import Event, Result, syscall_event
from mlk.model.gen import test_machine
from mlk.model.invariants import violations
from mlk.model.kernel import step
from mlk.model.state import Cap, Ctx, ObjId, State, Tcb

#: The first untyped region of the test machine: RAM below the kernel, 2**19 bytes.
UT = RootSlot.UNTYPED_FIRST
#: Free slots of the root CNode.
F = RootSlot.FREE_FIRST
#: The root task's CNode, TCB and VSpace slots.
CN = RootSlot.CNODE
TCB = RootSlot.TCB
VS = RootSlot.VSPACE


def booted(*, debug: bool = True) -> State:
    """The boot state of the test machine."""
    return boot(test_machine(debug=debug))


def run(s: State, event: Event) -> tuple[State, Result]:
    """One step, checking every invariant of the new state."""
    new, result = step(s, event)
    assert violations(new) == [], violations(new)
    return new, result


def sc(s: State, sysno: int, cptr: int = 0, label: int = 0, *mrs: int, **kw: int) -> tuple[State, Result]:
    """The current thread makes system call ``sysno`` on ``cptr`` with ``label`` and ``mrs``
    (message length = len(mrs) unless ``length`` is given; ``extra``, ``xfer``, ``recv``)."""
    length = kw.pop("length", len(mrs))
    info = msginfo.pack(label, length, kw.pop("extra", 0))
    return run(s, syscall_event(sysno, cptr=cptr, msginfo=info, mrs=mrs, **kw))


def call(s: State, cptr: int, label: int, *mrs: int, **kw: int) -> tuple[State, Result]:
    """The current thread Calls ``cptr`` with ``label`` and ``mrs``."""
    return sc(s, Syscall.CALL, cptr, label, *mrs, **kw)


def ctx(s: State, tid: ObjId) -> Ctx:
    """Thread ``tid``'s saved registers."""
    return tcb(s, tid).ctx


def tcb(s: State, tid: ObjId) -> Tcb:
    """Thread ``tid``."""
    obj = s.objects[tid]
    assert isinstance(obj, Tcb)
    return obj


def error(s: State, tid: ObjId) -> Error:
    """The error code in thread ``tid``'s ``x0``."""
    return Error(ctx(s, tid)[Reg.BADGE])


def ok_call(s: State, cptr: int, label: int, *mrs: int, **kw: int) -> State:
    """A Call that must succeed; the new state."""
    me = s.current
    s, _ = call(s, cptr, label, *mrs, **kw)
    assert error(s, me) == Error.OK
    return s


def cap(s: State, index: int, cnode: ObjId | None = None) -> Cap:
    """The capability in slot ``index`` of the root CNode (or ``cnode``)."""
    return s.slots[(cnode if cnode is not None else root_cnode(s), index)].cap


def root_cnode(s: State) -> ObjId:
    """The root task's CNode."""
    return next(c for (c, i), sl in s.slots.items() if i == CN and sl.cap.obj == c)


def retype(s: State, otype: ObjectType, dest: int, *, count: int = 1, size: int = 0, ut: int = UT) -> State:
    """Retype from untyped slot ``ut`` into root slots ``dest``..; must succeed."""
    return ok_call(s, ut, Label.UNTYPED_RETYPE, otype, size, CN, dest, count)


def spawn(s: State, slot: int, prio: int, *, fault_ep: int = 0) -> tuple[State, ObjId]:
    """Create a thread in ``slot`` sharing the root's CSpace and VSpace at ``prio``, resumed."""
    s = retype(s, ObjectType.TCB, slot)
    s = ok_call(s, slot, Label.TCB_CONFIGURE, fault_ep, CN, VS)
    s = ok_call(s, slot, Label.TCB_SET_PRIORITY, prio)
    s = ok_call(s, slot, Label.TCB_RESUME)
    return s, cap(s, slot).obj


def mint(s: State, src: int, dest: int, rights: int = ALL_RIGHTS, badge: int = 0) -> State:
    """Mint root slot ``src`` into ``dest``; must succeed."""
    return ok_call(s, CN, Label.CNODE_MINT, dest, CN, src, rights, badge)


def switch_to(s: State, tid: ObjId) -> State:
    """Yield from the current thread until ``tid`` runs (all at one priority)."""
    for _ in range(64):
        if s.current == tid:
            return s
        s, _ = sc(s, Syscall.YIELD)
    raise AssertionError("thread never scheduled")


def pc(s: State, tid: ObjId) -> int:
    """Thread ``tid``'s saved PC."""
    return ctx(s, tid)[ContextReg.PC]


def reply_of(s: State, tid: ObjId) -> tuple[Error, tuple[int, ...]]:
    """The kernel's reply in thread ``tid``'s registers: the error and the reply values."""
    regs = ctx(s, tid)
    length = msginfo.LENGTH.get(regs[Reg.MSGINFO])
    assert msginfo.LABEL.get(regs[Reg.MSGINFO]) == 0
    return Error(regs[Reg.BADGE]), regs[Reg.MR0 : Reg.MR0 + length]


def fails(s: State, expected: Error, cptr: int, label: int, *mrs: int, **kw: int) -> State:
    """A Call that must fail with ``expected`` and change nothing but the caller's registers."""
    me = s.current
    new, result = call(s, cptr, label, *mrs, **kw)
    assert reply_of(new, me) == (expected, ())
    assert new.slots == s.slots and new.queues == s.queues and new.irqs == s.irqs
    assert {k: v for k, v in new.objects.items() if k != me} == {k: v for k, v in s.objects.items() if k != me}
    assert result.regs == ((me, ctx(new, me)),)
    return new
