"""Checking a captured run: the trace in lockstep, and the whole state at every memory checkpoint.

:func:`state_checks` turns each :class:`~mlk.refinement.snapshot.Checkpoint` of a run into a
:class:`~mlk.refinement.checker.StateCheck`: at its record boundary the kernel memory is decoded
by the abstraction function (:mod:`mlk.refinement.abstraction`) and compared field by field with
the spec's state there. :func:`check_run` is what ``mlk refine`` (built-in scenarios and trace
files) and ``mlk difftest`` do with a run: decode the stream, check it with its checkpoints, and
require the run to end the way the spec says (halted, with QEMU's status being the halt status).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from mlk.abi.trace import RecordType
from mlk.model.state import State, Tcb
from mlk.refinement import abstraction, checker, report
from mlk.refinement.checker import FieldDiff, StateCheck
from mlk.refinement.snapshot import Checkpoint, Memory
from mlk.refinement.tracefile import Record, Trace, TraceError

#: How each kind of checkpoint is named in reports ("kernel state at the boot checkpoint").
NAMES = {"boot": "boot", "every": "periodic", "at": "chosen", "requested": "requested", "final": "final"}


def compare_memory(memory: Memory) -> Callable[[State], list[FieldDiff]]:
    """The comparison of the spec's state with kernel memory ``memory`` decoded (the TCBs the
    spec knows are decoded even when nothing in the kernel points at them)."""

    def compare(state: State) -> list[FieldDiff]:
        known = tuple(a for a, o in state.objects.items() if isinstance(o, Tcb))
        try:
            decoded = abstraction.decode(memory, state.machine, known_tcbs=known)
            return _by_register(state, decoded, abstraction.compare(state, decoded))
        except abstraction.Inconsistent as exc:
            return [FieldDiff("kernel memory", "a state the spec can be in", str(exc))]
        except KeyError as exc:  # a pointer that leads out of the memory taken
            return [FieldDiff("kernel memory", "pointers within the kernel's objects", str(exc.args[0]))]

    return compare


def _by_register(expected: State, observed: State, diffs: list[FieldDiff]) -> list[FieldDiff]:
    """``diffs`` with each thread's differing register context shown register by register
    (``objects[T].ctx.x1``) rather than as two whole tuples."""
    out: list[FieldDiff] = []
    for diff in diffs:
        thread = next((a for a in expected.objects if diff.path == f"objects[{a:#x}].ctx"), None)
        e, o = expected.objects.get(thread or 0), observed.objects.get(thread or 0)
        if thread is None or not isinstance(e, Tcb) or not isinstance(o, Tcb) or len(e.ctx) != len(o.ctx):
            out.append(diff)
            continue
        out += [
            FieldDiff(f"{diff.path}.{checker.register_name(i)}", f"{a:#x}", f"{b:#x}")
            for i, (a, b) in enumerate(zip(e.ctx, o.ctx, strict=True))
            if a != b
        ]
    return out


def state_checks(checkpoints: Sequence[Checkpoint]) -> list[StateCheck]:
    """A state check for every checkpoint taken at a known record boundary."""
    return [
        StateCheck(c.seq, f"{NAMES[c.kind]} checkpoint", compare_memory(c.memory), f"checkpoint {c.index}")
        for c in checkpoints
        if c.seq >= 0
    ]


def check_run(
    name: str,
    trace: Trace,
    initial: State,
    checkpoints: Sequence[Checkpoint],
    status: int,
    *,
    console_tail: str,
    replay: str,
    started: float,
    environment: Callable[[Record, State], State] | None = None,
    window: int = checker.DEFAULT_WINDOW,
    routine_for: Callable[[Record], str | None] | None = None,
    trace_path: str | None = None,
    zero_halt: bool = True,
) -> tuple[report.Outcome, checker.Verdict | None]:
    """Check a run: ``trace`` in lockstep from ``initial`` with every checkpoint compared, then
    the end of the run: the spec must have halted (else ``NoHalt``: the kernel stopped another
    way, e.g. a panic), with status 0 when ``zero_halt`` (else ``ScenarioFailed``: a scenario's own
    checks failed), QEMU's exit ``status`` must be the halt status, and there must be a final
    checkpoint. A transition cut short (a panic inside it) is the stream's error."""

    def outcome(verdict: checker.Verdict | None, kind: str | None = None, message: str | None = None) -> report.Outcome:
        return report.Outcome(
            name, trace_path, verdict.transitions if verdict else 0, verdict.records if verdict else 0,
            verdict.divergence if verdict else None, error=kind, message=message, seconds=time.monotonic() - started,
        )  # fmt: skip

    halts = bool(trace.records) and trace.records[-1].kind is RecordType.HALT
    # Memory left by a kernel that stopped another way than the spec's halt is no spec state:
    # that run is reported as such (NoHalt), not as a difference at its final checkpoint.
    compared = [c for c in checkpoints if halts or c.kind != "final"]
    try:
        verdict = checker.check(trace, initial, window=window, routine_for=routine_for, replay=replay,
                                environment=environment, state_checks=state_checks(compared))  # fmt: skip
    except TraceError as exc:
        return outcome(None, type(exc).__name__, f"{exc}; console:\n{console_tail}"), None
    if verdict.divergence is not None:
        return outcome(verdict), verdict
    halted = verdict.final_state.halted
    if halted is None:
        return outcome(verdict, "NoHalt", f"the kernel stopped without the spec's halt (a panic?); "
                       f"console:\n{console_tail}"), verdict  # fmt: skip
    if zero_halt and halted != 0:
        return outcome(verdict, "ScenarioFailed", f"the scenario's own checks failed: it halted with status "
                       f"{halted} (the same in the spec); console:\n{console_tail}"), verdict  # fmt: skip
    if halted != status:
        message = f"QEMU exited with status {status}; the trace halts with {halted}"
        return outcome(verdict, "QemuCrash", message), verdict
    if not any(c.kind == "final" for c in checkpoints):
        return outcome(verdict, "NoCheckpoint", "no memory was left when QEMU exited"), verdict
    return outcome(verdict), verdict
