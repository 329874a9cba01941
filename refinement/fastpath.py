"""When the kernel's fast paths apply: the conditions of ``kernel_aarch64/asm/fastpath.S`` in
terms of the spec's state, in the kernel's order of checks.

The fast paths of Call and ReplyRecv are an implementation choice with no spec counterpart: their
results must be the slow path's, which the refinement checker verifies on every trace. What the
checker cannot see is *whether* a fast path ran. :func:`refusal` says, for the spec's state before
a system call and the call's event, whether the kernel takes the fast path (``None``) or why it
takes the slow path; :func:`classify` does it for every Call and ReplyRecv of a checked trace. The
kernel counts the transitions each fast path completed (``KSTATE.fastpath_calls`` and
``fastpath_reply_recvs``): a test compares those counts with :func:`classify`'s, and checks that the
FASTPATH scenario meets every reason to fall back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mlk.abi import msginfo
from mlk.abi.objects import CapType, EndpointState, NotificationState
from mlk.abi.rights import Right
from mlk.abi.syscalls import Reg, Syscall
from mlk.abi.trace import RecordType
from mlk.model import cspace
from mlk.model.events import SyscallEvent, normal_ctx
from mlk.model.kernel import step
from mlk.model.state import ObjId, State, Tcb
from mlk.model.tx import Tx
from mlk.refinement import checker, tracefile

#: Why a Call takes the slow path, in the order the fast path checks. (A caller never has a
#: pending fault: it runs, and :func:`mlk.model.invariants.valid_tcb_state` allows a fault only to
#: a thread blocked on its fault message.)
CALL_REASONS = (
    "no capability",
    "not an endpoint",
    "no WRITE right",
    "no reply right",
    "capability transfer asked",
    "no receiver waiting",
    "a ready thread at or above the receiver",
)
#: Why a ReplyRecv takes the slow path, in the order the fast path checks.
REPLY_RECV_REASONS = (
    "no caller",
    "the caller has a fault",
    "no capability",
    "not an endpoint",
    "no READ right",
    "a sender is queued",
    "a signal is pending on the bound notification",
    "a ready thread at or above the caller",
)


def _ready_from(state: State, priority: int) -> bool:
    return any(p >= priority and q for p, q in state.queues.items())


def _tcb(state: State, tid: ObjId) -> Tcb:
    obj = state.objects[tid]
    assert isinstance(obj, Tcb)
    return obj


def refusal(state: State, event: SyscallEvent) -> str | None:
    """``None`` when the kernel's fast path performs ``event`` (a Call or ReplyRecv of the
    current thread) in ``state``, else the reason it falls back (:data:`CALL_REASONS`,
    :data:`REPLY_RECV_REASONS`)."""
    ctx = normal_ctx(event.ctx)
    tid = state.current
    tx = Tx(state)
    sysno = ctx[Reg.SYSNO]
    if sysno == Syscall.REPLY_RECV:
        caller = _tcb(state, tid).reply
        if caller is None:
            return "no caller"
        if _tcb(state, caller).fault is not None:
            return "the caller has a fault"
    ref = cspace.resolve(tx, tid, ctx[Reg.CPTR])
    if ref is None:
        return "no capability"
    cap = state.slots[ref].cap
    if cap.type != CapType.ENDPOINT:
        return "not an endpoint"
    endpoint = tx.endpoint(cap.obj)
    if sysno == Syscall.REPLY_RECV:
        assert caller is not None
        if not cap.rights & Right.READ:
            return "no READ right"
        if endpoint.state == EndpointState.SENDING:
            return "a sender is queued"
        bound = _tcb(state, tid).bound
        if bound is not None and tx.notification(bound).state == NotificationState.ACTIVE:
            return "a signal is pending on the bound notification"
        if _ready_from(state, _tcb(state, caller).priority):
            return "a ready thread at or above the caller"
        return None
    if not cap.rights & Right.WRITE:
        return "no WRITE right"
    if not cap.rights & (Right.GRANT | Right.GRANT_REPLY):
        return "no reply right"
    if cap.rights & Right.GRANT and msginfo.EXTRA_CAPS.get(ctx[Reg.MSGINFO]):
        return "capability transfer asked"
    if endpoint.state != EndpointState.RECEIVING:
        return "no receiver waiting"
    if _ready_from(state, _tcb(state, endpoint.queue[0]).priority):
        return "a ready thread at or above the receiver"
    return None


@dataclass(frozen=True)
class Classified:
    """Every Call and ReplyRecv of a trace: how many took each fast path, and the reasons the
    others fell back, with how often."""

    fast_calls: int
    fast_reply_recvs: int
    call_refusals: dict[str, int]
    reply_recv_refusals: dict[str, int]


def classify(
    trace: tracefile.Trace, initial: State, environment: Callable[[tracefile.Record, State], State] | None = None
) -> Classified:
    """Run the spec through ``trace`` (which must refine it, from ``initial``, with the
    scenario's ``environment``) and classify each Call and ReplyRecv by :func:`refusal`."""
    state = initial
    fast = {Syscall.CALL: 0, Syscall.REPLY_RECV: 0}
    refused: dict[Syscall, dict[str, int]] = {Syscall.CALL: {}, Syscall.REPLY_RECV: {}}
    for tr in checker.transitions(trace.records):
        if environment is not None:
            state = environment(tr.event, state)
        event = checker.to_event(tr.event, state.machine.idle_tcb)
        if tr.event.kind is RecordType.SYSCALL and isinstance(event, SyscallEvent):
            sysno = normal_ctx(event.ctx)[Reg.SYSNO]
            if sysno in fast:
                reason = refusal(state, event)
                if reason is None:
                    fast[Syscall(sysno)] += 1
                else:
                    counts = refused[Syscall(sysno)]
                    counts[reason] = counts.get(reason, 0) + 1
        state = step(state, event)[0]
    return Classified(fast[Syscall.CALL], fast[Syscall.REPLY_RECV], refused[Syscall.CALL],
                      refused[Syscall.REPLY_RECV])  # fmt: skip
