"""The lockstep refinement checker: is a kernel trace a behaviour of the spec?

The trace is cut into transitions: an event record (``SYSCALL``, ``TICK``, ``IRQ``, ``FAULT``),
its effect records (``REGS``, ``OUTPUT``), and a closing ``SCHED`` (or ``HALT``, which must be
the last transition). For each transition the checker builds the spec's event from the event
record and runs :func:`mlk.model.kernel.step` on its own copy of the state; then it compares, in
this order:

1. the entering thread: the record's ``thread`` must be the spec's current thread;
2. the registers: every thread whose registers the spec changed has a ``REGS`` record with exactly
   the spec's values; a ``REGS`` record for a thread the spec left unchanged must show the
   registers the spec has for it (a write of the same values);
3. the console output bytes;
4. the halt status;
5. the thread that runs next (``SCHED``).

At every record boundary where a :class:`StateCheck` was taken (a memory checkpoint: at boot,
every N transitions, on request, at the end) the whole state is compared as well: the check's
``compare`` gets the spec's state after the transitions before it and returns the differing
fields (:mod:`mlk.refinement.checkpoints` decodes kernel memory for it).

The first difference is a :class:`Divergence`, reported with the records leading up to it, the
expected and observed values, a field-level difference, the kernel routine that handled the event
and a command that replays the run. A trace whose records are out of order, or a state check
that is not at a boundary between transitions, is not a divergence but a
:class:`~mlk.refinement.tracefile.MalformedRecord` error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from mlk.abi.syscalls import CONTEXT_REGS, ContextReg
from mlk.abi.trace import RecordType
from mlk.model.boot import boot
from mlk.model.events import Event, FaultEvent, IrqEvent, Result, SyscallEvent, TickEvent
from mlk.model.kernel import step
from mlk.model.state import Machine, State, Tcb
from mlk.refinement.tracefile import MalformedRecord, Record, Trace

_ENTRIES = frozenset((RecordType.SYSCALL, RecordType.TICK, RecordType.IRQ, RecordType.FAULT))
_EFFECTS = frozenset((RecordType.REGS, RecordType.OUTPUT))
_CLOSERS = frozenset((RecordType.SCHED, RecordType.HALT))
#: Default number of records shown before a divergence.
DEFAULT_WINDOW = 50


def register_name(index: int) -> str:
    """The name of modelled register ``index`` (``x0``..``x10``, ``sp``, ``pc``)."""
    return ContextReg(index).name.lower()


@dataclass(frozen=True)
class Transition:
    """One kernel transition as the trace records it."""

    event: Record
    effects: tuple[Record, ...]
    closer: Record


@dataclass(frozen=True)
class FieldDiff:
    """One differing field: where, what the spec expects, what the kernel did."""

    path: str
    expected: str
    observed: str


@dataclass(frozen=True)
class Divergence:
    """The first point where the kernel's trace is not a behaviour of the spec."""

    #: Sequence number of the first record that differs (or of the event whose effects differ).
    record: int
    #: Number of the transition (0-based) in the trace.
    transition: int
    #: What differs: "entering thread", "registers", "console output", "halt status", "next thread".
    aspect: str
    expected: str
    observed: str
    diffs: tuple[FieldDiff, ...]
    #: The event record, readable.
    event: str
    #: The records before the divergence, readable, oldest first.
    window: tuple[str, ...]
    #: The kernel routine that handled the event (symbol, and file:line when known).
    routine: str | None
    #: A one-line command that replays the run.
    replay: str | None

    def render(self) -> str:
        """A readable multi-line report."""
        lines = [
            f"DIVERGENCE at record #{self.record} (transition {self.transition}): {self.aspect}",
            f"  event:    {self.event}",
            f"  expected: {self.expected}",
            f"  observed: {self.observed}",
        ]
        lines += [f"    {d.path}: expected {d.expected}, observed {d.observed}" for d in self.diffs]
        if self.routine:
            lines.append(f"  kernel routine: {self.routine}")
        if self.window:
            lines.append(f"  the {len(self.window)} records before it:")
            lines += [f"    {w}" for w in self.window]
        if self.replay:
            lines.append(f"  replay: {self.replay}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one trace."""

    transitions: int
    records: int
    divergence: Divergence | None
    final_state: State = field(repr=False)

    @property
    def refines(self) -> bool:
        """Whether every transition of the trace is a step of the spec."""
        return self.divergence is None


@dataclass(frozen=True)
class StateCheck:
    """A comparison of the whole state at a record boundary: records ``0 .. seq - 1`` precede it
    (``seq`` is the number of the first record after it). ``compare`` gets the spec's state there
    and returns the fields where the kernel's state differs (none: they agree)."""

    seq: int
    #: What is compared, for the report: e.g. "boot checkpoint", "final checkpoint".
    name: str
    compare: Callable[[State], Sequence[FieldDiff]] = field(repr=False)
    #: Which one, for the report (e.g. "checkpoint 3"); not part of the divergence's aspect, so
    #: that a shrinking search sees the same kind of failure wherever it happens.
    detail: str = ""


class MisplacedCheckpoint(MalformedRecord):
    """A state check at a record boundary that is inside a transition (the kernel's objects are
    then between two spec states): a harness or kernel bug, never a pass."""


def machine_of(trace: Trace) -> Machine:
    """The spec's machine description from the trace's ``BOOT`` record."""
    words: list[int | bool] = [trace.machine[name] for name in Machine._fields]
    words[-1] = bool(words[-1])
    return Machine._make(words)


def initial_state(trace: Trace) -> State:
    """The spec's boot state for the machine the trace's kernel booted on."""
    return boot(machine_of(trace))


def transitions(records: Sequence[Record]) -> Iterator[Transition]:
    """Cut the records into transitions; raise :class:`MalformedRecord` on a bad order."""
    i = 0
    n = len(records)
    while i < n:
        rec = records[i]
        if rec.kind not in _ENTRIES:
            raise MalformedRecord(f"{rec.kind.name} record outside a transition", index=rec.seq, offset=rec.offset)
        j = i + 1
        while j < n and records[j].kind in _EFFECTS:
            j += 1
        if j == n or records[j].kind not in _CLOSERS:
            where = records[j] if j < n else records[-1]
            raise MalformedRecord(
                f"the transition entered at record #{rec.seq} has no SCHED or HALT",
                index=where.seq,
                offset=where.offset,
            )
        closer = records[j]
        if closer.kind is RecordType.HALT and j != n - 1:
            raise MalformedRecord("records follow a HALT", index=records[j + 1].seq, offset=records[j + 1].offset)
        yield Transition(rec, tuple(records[i + 1 : j]), closer)
        i = j + 1


def to_event(rec: Record, idle: int) -> Event:
    """The spec event an event record stands for (the idle thread has no registers to save)."""
    values = rec.values
    if rec.kind is RecordType.SYSCALL:
        return SyscallEvent(values[1 : 1 + CONTEXT_REGS])
    if rec.kind is RecordType.TICK:
        return TickEvent(None if values[0] == idle else values[1 : 1 + CONTEXT_REGS])
    if rec.kind is RecordType.IRQ:
        return IrqEvent(values[0], None if values[1] == idle else values[2 : 2 + CONTEXT_REGS])
    return FaultEvent(values[1], values[2], values[3], values[4 : 4 + CONTEXT_REGS])


def _regs_diff(expected: dict[int, tuple[int, ...]], observed: dict[int, tuple[int, ...]]) -> list[FieldDiff]:
    diffs: list[FieldDiff] = []
    for thread in sorted(set(expected) | set(observed)):
        if thread not in observed:
            diffs.append(FieldDiff(f"thread {thread:#x}", "registers written", "no REGS record"))
        elif thread not in expected:
            diffs.append(FieldDiff(f"thread {thread:#x}", "registers unchanged", "a REGS record"))
        else:
            for i, (e, o) in enumerate(zip(expected[thread], observed[thread], strict=True)):
                if e != o:
                    diffs.append(FieldDiff(f"thread {thread:#x}.{register_name(i)}", f"{e:#x}", f"{o:#x}"))
    return diffs


def _fmt_threads(threads: dict[int, tuple[int, ...]]) -> str:
    return "{" + ", ".join(f"{t:#x}" for t in sorted(threads)) + "}" if threads else "none"


def check(
    trace: Trace,
    initial: State,
    *,
    window: int = DEFAULT_WINDOW,
    routine_for: Callable[[Record], str | None] | None = None,
    replay: str | None = None,
    environment: Callable[[Record, State], State] | None = None,
    state_checks: Sequence[StateCheck] = (),
) -> Verdict:
    """Check ``trace`` against the spec, starting from ``initial`` (the spec's boot state).

    ``environment``, when given, is applied to the spec's state before each transition's step,
    with the transition's event record: what a test scenario's kernel does outside the spec
    (e.g. the SCHED scenario's wake-up at a tick, :mod:`mlk.refinement.scenarios`).
    ``state_checks`` compare the whole state at their record boundaries (before the environment
    acts on the next transition); the one at the ``END`` record's number follows the last
    transition.
    """
    records = trace.records
    state = initial
    position = {rec.seq: i for i, rec in enumerate(records)}
    pending = sorted(state_checks, key=lambda c: c.seq)
    count = 0

    def checks_at(seq: int, next_record: Record | None) -> Divergence | None:
        while pending and pending[0].seq <= seq:
            check_ = pending.pop(0)
            if check_.seq < seq:
                where = records[position[check_.seq]] if check_.seq in position else next_record or records[-1]
                raise MisplacedCheckpoint(f"the {check_.name} is inside a transition", index=check_.seq,
                                          offset=where.offset)  # fmt: skip
            diffs = tuple(check_.compare(state))
            if diffs:
                start = position.get(seq, len(records))
                return Divergence(
                    record=seq, transition=count, aspect=f"kernel state at the {check_.name}",
                    expected=f"the spec's state after {count} transitions",
                    observed=f"{check_.detail + ': ' if check_.detail else ''}{len(diffs)} differing fields in the "
                    "decoded kernel memory", diffs=diffs,
                    event=next_record.describe() if next_record is not None else "(the end of the trace)",
                    window=tuple(r.describe() for r in records[max(0, start - window) : start]),
                    routine=None, replay=replay,
                )  # fmt: skip
        return None

    for tr in transitions(records):
        found = checks_at(tr.event.seq, tr.event)
        if found is not None:
            return Verdict(count, len(records), found, state)
        if environment is not None:
            state = environment(tr.event, state)
        problem, after = _compare(state, tr)
        if problem is not None:
            aspect, at, expected, observed, diffs = problem
            start = position[tr.event.seq]
            return Verdict(
                transitions=count,
                records=len(records),
                divergence=Divergence(
                    record=at.seq,
                    transition=count,
                    aspect=aspect,
                    expected=expected,
                    observed=observed,
                    diffs=tuple(diffs),
                    event=tr.event.describe(),
                    window=tuple(r.describe() for r in records[max(0, start - window) : start]),
                    routine=routine_for(tr.event) if routine_for else None,
                    replay=replay,
                ),
                final_state=state,
            )
        state = after
        count += 1
    end = records[-1].seq + 1 if records else 1
    found = checks_at(end, None)
    if pending:
        raise MisplacedCheckpoint(f"the {pending[0].name} is past the end of the trace", index=pending[0].seq,
                                  offset=records[-1].offset if records else 0)  # fmt: skip
    return Verdict(transitions=count, records=len(records), divergence=found, final_state=state)


_Problem = tuple[str, Record, str, str, list[FieldDiff]]


def _compare(state: State, tr: Transition) -> tuple[_Problem | None, State]:
    """The spec's state after the recorded transition, and the first difference between the
    spec's step and the record, if any."""
    ev = tr.event
    entering = ev.get("thread")
    if entering != state.current:
        return ("entering thread", ev, f"{state.current:#x}", f"{entering:#x}", []), state
    after, result = step(state, to_event(ev, state.machine.idle_tcb))
    return _difference(tr, result, after), after


def _difference(tr: Transition, result: Result, after: State) -> _Problem | None:
    regs_seen: dict[int, tuple[int, ...]] = {}
    output = bytearray()
    for rec in tr.effects:
        if rec.kind is RecordType.REGS:
            regs_seen[rec.values[0]] = rec.values[1:]
        else:
            output.append(rec.values[0] & 0xFF)
    regs_expected = dict(result.regs)
    for thread in regs_seen.keys() - regs_expected.keys():
        # A REGS record for a thread the spec left unchanged is a write of the same values: it
        # must show the thread's registers as the spec has them.
        tcb = after.objects.get(thread)
        if isinstance(tcb, Tcb) and thread != after.machine.idle_tcb:
            regs_expected[thread] = tcb.ctx
    if regs_seen != regs_expected:
        first = next((r for r in tr.effects if r.kind is RecordType.REGS), tr.closer)
        return ("registers", first, _fmt_threads(regs_expected), _fmt_threads(regs_seen),
                _regs_diff(regs_expected, regs_seen))  # fmt: skip
    if bytes(output) != result.output:
        first = next((r for r in tr.effects if r.kind is RecordType.OUTPUT), tr.closer)
        return ("console output", first, repr(result.output), repr(bytes(output)), [])
    halted = tr.closer.values[0] if tr.closer.kind is RecordType.HALT else None
    if halted != result.halted:
        return ("halt status", tr.closer, repr(result.halted), repr(halted), [])
    if halted is None and tr.closer.values[0] != result.running:
        return ("next thread", tr.closer, f"{result.running:#x}", f"{tr.closer.values[0]:#x}", [])
    return None
