"""Who sent a message to whom: the messages of a trace, for timelines (``mlk trace --format
perfetto`` draws each as a flow arrow from the sender's track to the receiver's).

The trace records what each transition did to registers, not why, so :func:`from_spec` replays
the trace through the spec (as the checker does) and reads the messages off the spec's states
before and after each step:

* **delivered at once**: the step wrote the registers of a thread that was blocked receiving, on
  a reply or on a notification. The sender is the entering thread (a Send, Call, Reply, ReplyRecv,
  a Signal, or a faulting thread's fault message to its handler) or, for a device interrupt, the
  interrupt line.
* **picked up later**: a Recv (or ReplyRecv) took the message of a thread queued in
  BLOCKED_ON_SEND; the arrow starts at that sender's blocking Send, Call or fault.
* **signals that waited**: a Wait (or a Recv on a thread with a bound notification) took the word
  of an ACTIVE notification; an arrow starts at every Signal (or interrupt) that went into that
  word since it became active.

Only the IPC transitions count (:data:`SEND_KINDS`), so a TCB WriteRegisters or a kernel's reply
to an invocation is no message. The replay stops where the trace stops being a behaviour of the
spec (a divergence) or when the spec's start state is not the kernel's (a scenario's boot threads
unknown); :func:`from_records` then serves the rest with what the records alone show: a system
call that wrote another thread's registers sent it a message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mlk.abi.objects import NotificationState, ThreadState
from mlk.abi.syscalls import Reg
from mlk.abi.trace import RecordType
from mlk.model import cspace
from mlk.model.kernel import classify, step
from mlk.model.state import Notification, ObjId, State, Tcb
from mlk.model.tx import Tx
from mlk.refinement import checker
from mlk.refinement.tracefile import MalformedRecord, Record

#: Transitions (:func:`mlk.model.kernel.classify`) whose register writes are messages.
SEND_KINDS = frozenset(
    {"endpoint_send", "endpoint_receive", "reply", "notification_signal", "notification_wait", "device_irq",
     "user_fault", "cap_fault", "unknown_syscall"}
)  # fmt: skip
_WAITING = (ThreadState.BLOCKED_ON_RECEIVE, ThreadState.BLOCKED_ON_REPLY, ThreadState.BLOCKED_ON_NOTIFICATION)


@dataclass(frozen=True)
class Message:
    """One message: sent by thread ``sender`` (``None``: by interrupt line ``irq``) in the
    transition of event record ``sent``, received by thread ``receiver`` in that of ``received``.
    ``kind`` is the sending transition's name."""

    kind: str
    sender: ObjId | None
    irq: int | None
    sent: Record
    receiver: ObjId
    received: Record


def _state_kind(state: State, thread: ObjId) -> ThreadState | None:
    tcb = state.objects.get(thread)
    return ThreadState(tcb.state.kind) if isinstance(tcb, Tcb) else None


def _signalled(state: State, kind: str, record: Record, entering: ObjId) -> ObjId | None:
    """The notification a Signal or a device interrupt signals, if any."""
    if kind == "device_irq":
        line = state.irqs.get(record.get("irq"))
        return line.ntfn if line is not None else None
    if kind != "notification_signal":
        return None
    ref = cspace.resolve(Tx(state), entering, record.get(f"r{int(Reg.CPTR)}"))
    return state.slots[ref].cap.obj if ref is not None else None


def _notifications(state: State) -> dict[ObjId, Notification]:
    return {a: o for a, o in state.objects.items() if isinstance(o, Notification)}


def from_spec(
    records: Sequence[Record],
    initial: State,
    environment: Callable[[Record, State], State] | None = None,
) -> tuple[list[Message], int]:
    """The messages of ``records`` (``BOOT`` and ``END`` may be among them), from the spec's
    replay starting at ``initial``; and the sequence number where the replay stopped (the first
    record it could not follow, or one past the last record)."""
    body = [r for r in records if r.kind not in (RecordType.BOOT, RecordType.END)]
    state = initial
    idle = initial.machine.idle_tcb
    messages: list[Message] = []
    blocked_send: dict[ObjId, tuple[Record, str]] = {}
    pending: dict[ObjId, list[tuple[ObjId | None, int | None, Record, str]]] = {}
    stopped = body[-1].seq + 1 if body else 1
    try:
        for tr in checker.transitions(body):
            event_record = tr.event
            if environment is not None:
                state = environment(event_record, state)
            if event_record.get("thread") != state.current:
                return messages, event_record.seq
            event = checker.to_event(event_record, idle)
            kind = classify(state, event)
            after, result = step(state, event)
            entering = state.current
            irq = event_record.get("irq") if event_record.kind is RecordType.IRQ else None
            sender = None if irq is not None else entering
            written = {thread for thread, _ in result.regs}
            if kind in SEND_KINDS:
                for thread in sorted(written - {entering, idle}):
                    waiting = _state_kind(state, thread)
                    if waiting in _WAITING:
                        name = "reply" if waiting == ThreadState.BLOCKED_ON_REPLY else kind  # ReplyRecv's too
                        messages.append(Message(name, sender, irq, event_record, thread, event_record))
            if kind == "endpoint_receive" and entering in written:
                for thread, (sent, how) in sorted(blocked_send.items()):
                    if _state_kind(after, thread) != ThreadState.BLOCKED_ON_SEND:
                        messages.append(Message(how, thread, None, sent, entering, event_record))
            before, now = _notifications(state), _notifications(after)
            if kind in ("endpoint_receive", "notification_wait") and entering in written:
                for ntfn, signals in sorted(pending.items()):
                    if before[ntfn].state == NotificationState.ACTIVE and now[ntfn].state != NotificationState.ACTIVE:
                        messages += [Message(how, who, line, sent, entering, event_record)
                                     for who, line, sent, how in signals]  # fmt: skip
            target = _signalled(state, kind, event_record, entering)
            if target in now and now[target].state == NotificationState.ACTIVE:
                pending.setdefault(target, []).append((sender, irq, event_record, kind))
            pending = {n: s for n, s in pending.items() if n in now and now[n].state == NotificationState.ACTIVE}
            blocked_send = {
                t: s for t, s in blocked_send.items() if _state_kind(after, t) == ThreadState.BLOCKED_ON_SEND
            }
            if _state_kind(after, entering) == ThreadState.BLOCKED_ON_SEND and entering not in blocked_send:
                blocked_send[entering] = (event_record, kind)
            state = after
    except MalformedRecord as exc:  # a stream cut inside a transition: the messages before it
        return messages, exc.index
    return messages, stopped


def from_records(records: Sequence[Record]) -> list[Message]:
    """The messages the records alone show: a system call that wrote the registers of another
    thread sent it one (a Send, Call or Reply to a waiting thread; a Signal to a waiter)."""
    messages: list[Message] = []
    entry: Record | None = None
    for r in records:
        if r.kind in (RecordType.SYSCALL, RecordType.TICK, RecordType.IRQ, RecordType.FAULT):
            entry = r
        elif r.kind is RecordType.REGS and entry is not None and entry.kind is RecordType.SYSCALL:
            if r.get("thread") != entry.get("thread"):
                messages.append(Message("message", entry.get("thread"), None, entry, r.get("thread"), entry))
        elif r.kind is RecordType.SCHED:
            entry = None
    return messages


def messages(
    records: Sequence[Record], initial: State | None, environment: Callable[[Record, State], State] | None = None
) -> tuple[list[Message], int | None]:
    """The messages of ``records``: from the spec's replay as far as it follows the trace (when
    ``initial`` is known), from the records alone after that. The second value is the record
    where the replay stopped before the end (``None``: it covered the whole trace)."""
    if initial is None:
        return from_records(records), 0
    found, stopped = from_spec(records, initial, environment)
    last = max((r.seq for r in records if r.kind is not RecordType.END), default=0)
    if stopped > last:
        return found, None
    return found + from_records([r for r in records if r.seq >= stopped]), stopped
