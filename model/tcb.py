"""The TCB invocations: Configure, SetPriority, Suspend, Resume, ReadRegisters, WriteRegisters,
BindNotification and UnbindNotification."""

from __future__ import annotations

from mlk.abi.errors import Error
from mlk.abi.objects import NULL_CPTR, NUM_PRIORITIES, CapType, NotificationState, ThreadState
from mlk.abi.rights import Right
from mlk.abi.syscalls import CONTEXT_REGS, MSG_REGS
from mlk.model import cspace, sched, threads
from mlk.model.errors import KernelError
from mlk.model.state import Cap, CNode, ObjId, SlotRef, VSpace
from mlk.model.tx import Tx

#: Registers a WriteRegisters call can carry (MR2.. after the first index and the count).
WRITE_REGS_MAX = MSG_REGS - 2


def _optional(tx: Tx, tid: ObjId, cptr: int, ctype: CapType) -> ObjId | None:
    if cptr == NULL_CPTR:
        return None
    return cspace.lookup_arg(tx, tid, cptr, ctype)[1].obj


def _add_ref(tx: Tx, oid: ObjId | None, delta: int) -> None:
    if oid is not None:
        obj = tx.objects[oid]
        assert isinstance(obj, CNode | VSpace)
        tx.put(oid, obj._replace(tcb_refs=obj.tcb_refs + delta))


def configure(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """TCB Configure (MR0 = fault endpoint CPtr, MR1 = CSpace root CPtr, MR2 = VSpace CPtr):
    set the thread's fault endpoint CPtr (stored as given: it is looked up in the thread's own
    CSpace when it faults), CSpace root and VSpace. A null CPtr for the CSpace or VSpace leaves
    the thread without one.

    Checks, in order: the CSpace root (FAILED_LOOKUP, INVALID_CAPABILITY unless a CNode), the VSpace
    (FAILED_LOOKUP, INVALID_CAPABILITY unless a VSpace).
    """
    new_cspace = _optional(tx, tid, args[1], CapType.CNODE)
    new_vspace = _optional(tx, tid, args[2], CapType.VSPACE)
    target = tx.tcb(cap.obj)
    _add_ref(tx, target.cspace, -1)
    _add_ref(tx, target.vspace, -1)
    _add_ref(tx, new_cspace, 1)
    _add_ref(tx, new_vspace, 1)
    tx.put_tcb(cap.obj, tx.tcb(cap.obj)._replace(fault_ep=args[0], cspace=new_cspace, vspace=new_vspace))
    return ()


def set_priority(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """TCB SetPriority (MR0 = priority). A queued thread moves to the tail of its new queue.

    Checks, in order: priority < NUM_PRIORITIES (RANGE_ERROR); it does not exceed the caller's own
    priority (ILLEGAL_OPERATION), so no thread can raise a thread above itself.
    """
    prio = args[0]
    if prio >= NUM_PRIORITIES:
        raise KernelError(Error.RANGE_ERROR)
    if prio > tx.tcb(tid).priority:
        raise KernelError(Error.ILLEGAL_OPERATION)
    target = cap.obj
    queued = target in tx.queues.get(tx.tcb(target).priority, ())
    if queued:
        sched.dequeue(tx, target)
    tx.put_tcb(target, tx.tcb(target)._replace(priority=prio))
    if queued:
        sched.enqueue(tx, target)
    return ()


def suspend(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """TCB Suspend: make the thread INACTIVE (see :func:`mlk.model.threads.suspend`)."""
    threads.suspend(tx, cap.obj)
    return ()


def resume(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """TCB Resume: an INACTIVE thread becomes runnable (at the tail of its queue) and continues
    from its saved registers; a thread in any other state is left alone."""
    if tx.tcb(cap.obj).state.kind == ThreadState.INACTIVE:
        sched.wake(tx, cap.obj)
    return ()


def _register_range(first: int, count: int, limit: int) -> None:
    if not 1 <= count <= limit or first + count > CONTEXT_REGS:
        raise KernelError(Error.RANGE_ERROR)


def read_registers(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """TCB ReadRegisters (MR0 = first register, MR1 = count): reply with the thread's saved
    registers ``first`` .. ``first + count - 1`` (numbered by
    :class:`~mlk.abi.syscalls.ContextReg`) in MR0... Check: 1 <= count <= MSG_REGS and the
    registers exist (RANGE_ERROR)."""
    first, count = args[0], args[1]
    _register_range(first, count, MSG_REGS)
    return tx.tcb(cap.obj).ctx[first : first + count]


def write_registers(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """TCB WriteRegisters (MR0 = first register, MR1 = count, MR2.. = values): set the thread's
    saved registers ``first`` .. ``first + count - 1``. When a thread writes its own registers,
    the reply is written after them. Checks, in order: 1 <= count <= MSG_REGS - 2 and the
    registers exist (RANGE_ERROR); the message holds the values (TRUNCATED_MESSAGE)."""
    first, count = args[0], args[1]
    _register_range(first, count, WRITE_REGS_MAX)
    if len(args) < 2 + count:
        raise KernelError(Error.TRUNCATED_MESSAGE)
    ctx = list(tx.tcb(cap.obj).ctx)
    ctx[first : first + count] = args[2 : 2 + count]
    tx.set_ctx(cap.obj, tuple(ctx))
    return ()


def bind_notification(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """TCB BindNotification (MR0 = notification CPtr): bind the thread and the notification, so
    that signals reach the thread while it receives on an endpoint.

    Checks, in order: the notification (FAILED_LOOKUP, INVALID_CAPABILITY; INVALID_CAPABILITY also
    without READ); the thread is bound already (ILLEGAL_OPERATION); the notification is bound
    already or has waiters (ILLEGAL_OPERATION).
    """
    _, ncap = cspace.lookup_arg(tx, tid, args[0], CapType.NOTIFICATION)
    if not ncap.rights & Right.READ:
        raise KernelError(Error.INVALID_CAPABILITY)
    if tx.tcb(cap.obj).bound is not None:
        raise KernelError(Error.ILLEGAL_OPERATION)
    ntfn = tx.notification(ncap.obj)
    if ntfn.bound is not None or ntfn.state == NotificationState.WAITING:
        raise KernelError(Error.ILLEGAL_OPERATION)
    tx.put_tcb(cap.obj, tx.tcb(cap.obj)._replace(bound=ncap.obj))
    tx.put(ncap.obj, ntfn._replace(bound=cap.obj))
    return ()


def unbind_notification(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """TCB UnbindNotification: undo the binding. Check: the thread is bound (ILLEGAL_OPERATION)."""
    if tx.tcb(cap.obj).bound is None:
        raise KernelError(Error.ILLEGAL_OPERATION)
    threads.unbind(tx, cap.obj)
    return ()
