"""The trace a correct kernel writes: spec steps rendered as trace records.

For one step of the spec (state before, event, result) :func:`step_records` gives the records the
kernel must write, in order: the event record (the entering thread is the spec's current thread;
its registers are the event's), one ``REGS`` per thread whose registers changed (ascending
address), one ``OUTPUT`` per console byte, then ``HALT`` if the step halted the machine, else
``SCHED`` with the thread that runs next. :func:`spec_trace` runs a whole event sequence from a
state and encodes the stream. The checker's tests use it as the reference; it is also the
definition, in executable form, of what the kernel's trace code must emit.
"""

from __future__ import annotations

from collections.abc import Iterable

from mlk.abi.syscalls import CONTEXT_REGS
from mlk.abi.trace import RecordType
from mlk.model.events import Event, FaultEvent, IrqEvent, Result, SyscallEvent, TickEvent
from mlk.model.kernel import step
from mlk.model.state import Machine, State
from mlk.refinement.tracefile import encode

#: A record before encoding: its type and the values after the header.
RecordBody = tuple[RecordType, tuple[int, ...]]

_ZERO_CTX = (0,) * CONTEXT_REGS


def event_record(state: State, event: Event) -> RecordBody:
    """The record of ``event`` entering the kernel while ``state.current`` runs."""
    thread = state.current
    if isinstance(event, SyscallEvent):
        return RecordType.SYSCALL, (thread, *event.ctx)
    if isinstance(event, TickEvent):
        return RecordType.TICK, (thread, *(event.ctx or _ZERO_CTX))
    if isinstance(event, IrqEvent):
        return RecordType.IRQ, (event.irq, thread, *(event.ctx or _ZERO_CTX))
    assert isinstance(event, FaultEvent)
    return RecordType.FAULT, (thread, event.kind, event.esr, event.far, *event.ctx)


def result_records(result: Result) -> list[RecordBody]:
    """The records of a step's effects, ending with ``HALT`` or ``SCHED``."""
    out: list[RecordBody] = [(RecordType.REGS, (thread, *ctx)) for thread, ctx in result.regs]
    out += [(RecordType.OUTPUT, (byte,)) for byte in result.output]
    if result.halted is not None:
        out.append((RecordType.HALT, (result.halted,)))
    else:
        out.append((RecordType.SCHED, (result.running,)))
    return out


def step_records(state: State, event: Event) -> tuple[State, list[RecordBody]]:
    """Run one spec step; the new state and the records of that step."""
    new_state, result = step(state, event)
    return new_state, [event_record(state, event), *result_records(result)]


def spec_records(state: State, events: Iterable[Event]) -> list[RecordBody]:
    """The records a correct kernel writes for ``events`` from ``state`` (none after a halt)."""
    body: list[RecordBody] = []
    for event in events:
        if state.halted is not None:
            break
        state, records = step_records(state, event)
        body += records
    return body


def spec_trace(state: State, events: Iterable[Event], build_id: int) -> bytes:
    """The whole stream (``BOOT`` to ``END``) of :func:`spec_records`."""
    return encode(build_id, spec_records(state, events), machine_values(state.machine))


def machine_values(machine: Machine) -> tuple[int, ...]:
    """The ``BOOT`` record's machine words for ``machine``."""
    return tuple(int(v) for v in machine)
