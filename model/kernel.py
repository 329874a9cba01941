"""The kernel's entry points: one :func:`step` per event, and the registry of transitions.

``step(state, event)`` is a pure function: it saves the interrupted thread's registers from the
event, performs the transition the event selects, then makes the scheduling decision
(:func:`mlk.model.sched.schedule`). It is total: every event, in every state, has a defined
outcome. Once a debug halt has stopped the machine, every later event changes nothing.

System calls (``x8``; the current thread is the caller):

* Call, Send, NBSend on ``x0``: an endpoint (needs WRITE) sends a message (:func:`ipc.send`,
  Call waits for the reply, NBSend never blocks); a notification (needs WRITE) is signalled with
  the capability's badge (a Call then gets an empty OK reply from the kernel); any other capability
  is invoked (:mod:`mlk.model.invocation`).
* Recv, NBRecv on ``x0``: an endpoint (needs READ) receives (:func:`ipc.receive`); a notification
  (needs READ, and not bound to another thread) is waited on or polled (:func:`ipc.wait`).
* Reply answers the caller (:func:`ipc.reply`); ReplyRecv replies, then receives as Recv.
* Yield: the caller goes to the tail of its ready queue with a full time slice.
* DebugPutchar, DebugHalt and DebugCheckpoint (debug builds only): print the low byte of ``x0``;
  stop the machine with status the low byte of ``x0``; ask the refinement harness for a memory
  checkpoint after this call, which changes nothing in the state (the caller goes on running).

When ``x0`` names no capability, or one of a kind or with rights the call cannot use, the thread
takes a CAP_FAULT (MR0 = the CPtr, MR1 = the system call number); an unknown system call number
(or a debug call in a non-debug build) is an UNKNOWN_SYSCALL fault (MR0 = the number). Faults go
to the thread's fault endpoint (:func:`ipc.raise_fault`). The checks happen in that order: the
system call number, then the capability's existence, kind and rights.
"""

from __future__ import annotations

from collections.abc import Callable

from mlk.abi import msginfo
from mlk.abi.errors import Error
from mlk.abi.labels import FaultLabel, Label
from mlk.abi.objects import TIME_SLICE_TICKS, CapType, IrqState
from mlk.abi.rights import Right
from mlk.abi.syscalls import DEBUG_ARG_BITS, ContextReg, Reg, Syscall
from mlk.model import cspace, invocation, ipc, irq, sched
from mlk.model.events import Event, FaultEvent, IrqEvent, Result, SyscallEvent, TickEvent, normal_ctx
from mlk.model.state import WORD_MASK, FaultInfo, Notification, ObjId, State, Tcb
from mlk.model.tx import Tx


def _enter(tx: Tx, ctx: tuple[int, ...] | None) -> Tcb | None:
    """Save the current thread's registers from the event; the current TCB, or ``None`` when the
    idle thread was running."""
    tcb = tx.objects.get(tx.current)
    if not isinstance(tcb, Tcb) or tx.current == tx.machine.idle_tcb:
        return None
    if ctx is not None:
        tcb = tcb._replace(ctx=normal_ctx(ctx))
        tx.put(tx.current, tcb)
    return tcb


def cap_fault(tx: Tx, tid: ObjId, cptr: int, sysno: int) -> None:
    """Thread ``tid`` named an unusable capability ``cptr`` in system call ``sysno``."""
    pc = tx.tcb(tid).ctx[ContextReg.PC]
    ipc.raise_fault(tx, tid, FaultInfo(FaultLabel.CAP_FAULT, cptr, sysno, pc))


def _send_like(tx: Tx, tid: ObjId, sysno: int) -> None:
    """Call, Send and NBSend."""
    cptr = tx.tcb(tid).ctx[Reg.CPTR]
    ref = cspace.resolve(tx, tid, cptr)
    if ref is None:
        cap_fault(tx, tid, cptr, sysno)
        return
    cap = tx.slots[ref].cap
    call = sysno == Syscall.CALL
    if cap.type == CapType.ENDPOINT:
        if not cap.rights & Right.WRITE:
            cap_fault(tx, tid, cptr, sysno)
            return
        grant, grant_reply = bool(cap.rights & Right.GRANT), bool(cap.rights & Right.GRANT_REPLY)
        ipc.send(
            tx,
            tid,
            cap.obj,
            badge=cap.badge,
            grant=grant,
            grant_reply=grant_reply,
            call=call,
            blocking=sysno != Syscall.NB_SEND,
        )
    elif cap.type == CapType.NOTIFICATION:
        if not cap.rights & Right.WRITE:
            cap_fault(tx, tid, cptr, sysno)
            return
        ipc.signal(tx, cap.obj, cap.badge)
        if call:
            invocation.reply_from_kernel(tx, tid, Error.OK, ())
    else:
        invocation.invoke(tx, tid, ref, cap, call)


def _recv_like(tx: Tx, tid: ObjId, sysno: int, blocking: bool) -> None:
    """Recv, NBRecv and the receive phase of ReplyRecv."""
    cptr = tx.tcb(tid).ctx[Reg.CPTR]
    ref = cspace.resolve(tx, tid, cptr)
    cap = tx.slots[ref].cap if ref is not None else None
    if cap is not None and cap.rights & Right.READ:
        if cap.type == CapType.ENDPOINT:
            ipc.receive(tx, tid, cap.obj, blocking)
            return
        bound = tx.notification(cap.obj).bound if cap.type == CapType.NOTIFICATION else None
        if cap.type == CapType.NOTIFICATION and bound in (None, tid):
            ipc.wait(tx, tid, cap.obj, blocking)
            return
    cap_fault(tx, tid, cptr, sysno)


def yield_(tx: Tx, tid: ObjId) -> None:
    """Yield: the caller goes to the tail of its ready queue with a full time slice."""
    tx.put_tcb(tid, tx.tcb(tid)._replace(time_slice=TIME_SLICE_TICKS))
    sched.enqueue(tx, tid)


def handle_syscall(tx: Tx, tid: ObjId) -> None:
    """Perform the system call thread ``tid`` (the current thread) made; see the module doc."""
    ctx = tx.tcb(tid).ctx
    sysno = ctx[Reg.SYSNO]
    if sysno in (Syscall.CALL, Syscall.SEND, Syscall.NB_SEND):
        _send_like(tx, tid, sysno)
    elif sysno in (Syscall.RECV, Syscall.NB_RECV):
        _recv_like(tx, tid, sysno, sysno == Syscall.RECV)
    elif sysno == Syscall.REPLY:
        ipc.reply(tx, tid)
    elif sysno == Syscall.REPLY_RECV:
        ipc.reply(tx, tid)
        _recv_like(tx, tid, sysno, True)
    elif sysno == Syscall.YIELD:
        yield_(tx, tid)
    elif sysno == Syscall.DEBUG_PUTCHAR and tx.machine.debug:
        tx.output.append(ctx[Reg.CPTR] & ((1 << DEBUG_ARG_BITS) - 1))
    elif sysno == Syscall.DEBUG_HALT and tx.machine.debug:
        tx.halted = ctx[Reg.CPTR] & ((1 << DEBUG_ARG_BITS) - 1)
    elif sysno == Syscall.DEBUG_CHECKPOINT and tx.machine.debug:
        return  # a request to the harness: nothing in the state changes
    else:
        ipc.raise_fault(tx, tid, FaultInfo(FaultLabel.UNKNOWN_SYSCALL, sysno, 0, ctx[ContextReg.PC]))


def tick(tx: Tx) -> None:
    """Timer tick: the current thread (unless idle) uses up one tick of its time slice; when the
    slice runs out it is refilled and the thread goes to the tail of its ready queue (round robin
    within a priority)."""
    tcb = tx.objects.get(tx.current)
    if not isinstance(tcb, Tcb) or tx.current == tx.machine.idle_tcb:
        return
    left = tcb.time_slice - 1
    if left > 0:
        tx.put(tx.current, tcb._replace(time_slice=left))
    else:
        tx.put(tx.current, tcb._replace(time_slice=TIME_SLICE_TICKS))
        sched.enqueue(tx, tx.current)


def handle_irq(tx: Tx, line: int) -> None:
    """Interrupt on ``line``: a kernel-owned line (the timer) is a tick; any other line is a
    device interrupt (:func:`mlk.model.irq.interrupt`)."""
    state = tx.irqs.get(line)
    if state is not None and state.state == IrqState.KERNEL:
        tick(tx)
    else:
        irq.interrupt(tx, line)


def handle_fault(tx: Tx, tid: ObjId, event: FaultEvent) -> None:
    """User fault of the current thread: reported through its fault endpoint (the kind is reduced
    to the label field's width)."""
    kind = event.kind & msginfo.LABEL.mask
    pc = tx.tcb(tid).ctx[ContextReg.PC]
    ipc.raise_fault(tx, tid, FaultInfo(kind, event.esr & WORD_MASK, event.far & WORD_MASK, pc))


def step(state: State, event: Event) -> tuple[State, Result]:
    """Apply ``event`` to ``state``: the transition, then the scheduling decision."""
    if state.halted is not None:
        return state, Result(state.current, (), b"", state.halted)
    tx = Tx(state)
    if isinstance(event, SyscallEvent):
        if _enter(tx, event.ctx) is not None:
            handle_syscall(tx, tx.current)
    elif isinstance(event, TickEvent):
        _enter(tx, event.ctx)
        tick(tx)
    elif isinstance(event, IrqEvent):
        _enter(tx, event.ctx)
        handle_irq(tx, event.irq)
    elif _enter(tx, event.ctx) is not None:
        handle_fault(tx, tx.current, event)
    if tx.halted is None:
        sched.schedule(tx)
    return tx.finish()


def classify(state: State, event: Event) -> str:
    """The name (a key of :data:`TRANSITIONS`) of the transition ``event`` exercises in ``state``:
    what the kernel will do, decided by the same checks :func:`step` makes, without doing it."""
    if state.halted is not None:
        return "halted"
    cur = state.objects.get(state.current)
    running = isinstance(cur, Tcb) and state.current != state.machine.idle_tcb
    if isinstance(event, TickEvent):
        return "tick"
    if isinstance(event, IrqEvent):
        line = state.irqs.get(event.irq)
        return "tick" if line is not None and line.state == IrqState.KERNEL else "device_irq"
    if not running:
        return "idle"
    if isinstance(event, FaultEvent):
        return "user_fault"
    return _classify_syscall(state, normal_ctx(event.ctx))


def _classify_syscall(state: State, ctx: tuple[int, ...]) -> str:
    sysno = ctx[Reg.SYSNO]
    names = {Syscall.REPLY: "reply", Syscall.YIELD: "yield"}
    if sysno in names:
        return names[Syscall(sysno)]
    if sysno in (Syscall.DEBUG_PUTCHAR, Syscall.DEBUG_HALT, Syscall.DEBUG_CHECKPOINT):
        return Syscall(sysno).name.lower() if state.machine.debug else "unknown_syscall"
    if sysno not in Syscall._value2member_map_:
        return "unknown_syscall"
    tx = Tx(state)
    ref = cspace.resolve(tx, state.current, ctx[Reg.CPTR])
    if ref is None:
        return "cap_fault"
    cap = state.slots[ref].cap
    receive = sysno in (Syscall.RECV, Syscall.NB_RECV, Syscall.REPLY_RECV)
    if cap.type == CapType.ENDPOINT:
        right, name = (Right.READ, "endpoint_receive") if receive else (Right.WRITE, "endpoint_send")
        return name if cap.rights & right else "cap_fault"
    if cap.type == CapType.NOTIFICATION:
        if receive:
            ntfn = state.objects[cap.obj]
            mine = isinstance(ntfn, Notification) and ntfn.bound in (None, state.current)
            return "notification_wait" if cap.rights & Right.READ and mine else "cap_fault"
        return "notification_signal" if cap.rights & Right.WRITE else "cap_fault"
    if receive:
        return "cap_fault"
    found = invocation.operation(cap, ctx[Reg.MSGINFO])
    return Label(msginfo.LABEL.get(ctx[Reg.MSGINFO])).name.lower() if found else "illegal_invocation"


#: Every named transition and the function that performs it (as :func:`classify` names them).
#: :func:`step` is the one entry point; these are its parts, for proofs and documentation. An event
#: in a halted machine ("halted") changes nothing; a system call or fault while the idle thread
#: runs ("idle") cannot happen on the machine and changes nothing either.
TRANSITIONS: dict[str, Callable[..., object]] = {
    "halted": step,
    "idle": step,
    "tick": tick,
    "device_irq": irq.interrupt,
    "user_fault": handle_fault,
    "unknown_syscall": ipc.raise_fault,
    "cap_fault": cap_fault,
    "reply": ipc.reply,
    "yield": yield_,
    "debug_putchar": handle_syscall,
    "debug_halt": handle_syscall,
    "debug_checkpoint": handle_syscall,
    "endpoint_send": ipc.send,
    "endpoint_receive": ipc.receive,
    "notification_signal": ipc.signal,
    "notification_wait": ipc.wait,
    "illegal_invocation": invocation.invoke,
    **{label.name.lower(): handler for (_, label), (_, handler) in invocation.OPERATIONS.items()},
}
