"""Invocations' answers: what the spec answers to one, and which answers each can give.

An invocation (a Call, Send or NBSend on a capability that is not an endpoint or notification,
:mod:`mlk.model.invocation`) answers with an :class:`~mlk.abi.errors.Error`: OK, or the first of
its checks that failed; a device interrupt has one of :data:`DEVICE_IRQ_OUTCOMES`. These are the
targets of the differential tests' spec coverage
(:mod:`mlk.refinement.difftest.speccov`) and what the directed generator aims at
(:mod:`mlk.refinement.difftest.directed`).
"""

from __future__ import annotations

from functools import cache

from mlk.abi import msginfo
from mlk.abi.errors import Error
from mlk.abi.objects import IrqState
from mlk.abi.syscalls import ContextReg, Reg, Syscall
from mlk.docsite import analysis
from mlk.model import invocation, kernel
from mlk.model.events import IrqEvent, SyscallEvent
from mlk.model.state import State, Tcb


@cache
def possible_errors() -> dict[str, tuple[Error, ...]]:
    """For every invocation transition, the answers the spec can give, in check order: OK, then
    TRUNCATED_MESSAGE when the operation reads message registers (:mod:`mlk.model.invocation`'s
    common check), then the errors its own checks raise (the spec browser's static walk,
    :func:`mlk.docsite.analysis.walk`). An invocation with an unknown label or of a capability
    kind without operations is "illegal_invocation", whose one answer is ILLEGAL_OPERATION."""
    found: dict[str, tuple[Error, ...]] = {"illegal_invocation": (Error.ILLEGAL_OPERATION,)}
    for (_, label), (nargs, handler) in invocation.OPERATIONS.items():
        errors = [Error.OK, *([Error.TRUNCATED_MESSAGE] if nargs else [])]
        errors += [e for e in (Error[name] for name in analysis.walk(handler).errors) if e not in errors]
        found[label.name.lower()] = tuple(errors)
    return found


def answer(before: State, event: SyscallEvent, after: State | None = None) -> str:
    """The name of the spec's answer to the invocation ``event`` made in ``before`` (``after``:
    the state its step leads to, when known). A Send or NBSend gets no reply, but makes the same
    checks in the same order as a Call: its answer is the one a Call with the same registers
    gets in the same state."""
    caller = before.current
    if event.ctx[Reg.SYSNO] != Syscall.CALL:
        ctx = list(event.ctx)
        ctx[Reg.SYSNO] = Syscall.CALL
        event, after = SyscallEvent(tuple(ctx)), None
    if after is None:
        after = kernel.step(before, event)[0]
    tcb = after.objects.get(caller)
    if not isinstance(tcb, Tcb):
        return Error.OK.name  # the invocation destroyed its caller: only a success does that
    code = tcb.ctx[Reg.BADGE]
    if msginfo.LABEL.get(tcb.ctx[Reg.MSGINFO]) != 0 or code not in Error._value2member_map_:
        return f"no reply (x0 {code:#x})"  # not an invocation's reply: a bug of the caller
    return Error(code).name


#: The outcomes of a device interrupt the differential tests aim at (targets ``device_irq:X``):
#: the line signals its notification (SIGNAL); the line has none and is only masked
#: (NO_NOTIFICATION); the interrupt of an edge raised while the line was masked, delivered at the
#: return from the handler's Ack that unmasked it (AFTER_ACK).
DEVICE_IRQ_OUTCOMES = ("SIGNAL", "NO_NOTIFICATION", "AFTER_ACK")


def device_irq_outcome(before: State, event: IrqEvent, previous: SyscallEvent | None) -> str:
    """The outcome of the device interrupt ``event`` in ``before`` (a SIGNAL line not masked
    signals its notification or, without one, is only masked; the spec ignores any other line):
    AFTER_ACK when ``previous``, the transition just before it, was an Ack of its line that
    unmasked it and the interrupt came at that Ack's return address (the thread ran no
    instruction in between: the edge was pending)."""
    line = before.irqs.get(event.irq)
    if line is None or line.state != IrqState.SIGNAL or line.masked:
        return "IGNORED"
    if previous is not None and event.ctx is not None and event.ctx[ContextReg.PC] == previous.ctx[ContextReg.PC]:
        return "AFTER_ACK"
    return "NO_NOTIFICATION" if line.ntfn is None else "SIGNAL"


@cache
def possible_answers() -> dict[str, tuple[str, ...]]:
    """Per transition with answers, the names of every answer it can give: an invocation's error
    codes (:func:`possible_errors`), a device interrupt's outcomes."""
    found = {name: tuple(e.name for e in errors) for name, errors in possible_errors().items()}
    return {**found, "device_irq": DEVICE_IRQ_OUTCOMES}
