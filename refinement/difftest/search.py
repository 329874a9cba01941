"""The search: Hypothesis draws programs, each runs in QEMU and is checked; a failure shrinks to a
minimal program, which is printed with its replay command and saved to the regression corpus.

A *failure* is any outcome but a pass: a divergence, a kernel panic (the trace ends without the
spec's halt), a hang (QEMU timeout), a damaged trace. Hypothesis shrinks the program's draws
(fewer threads, shorter scripts, simpler choices) while the program still fails *the same way*
(:func:`failure_kind`); then :func:`minimize` removes whole threads and single steps as long as
the failure stays, so the saved program has no step that does not matter.

The kernel runs deterministically (``-icount``), so a program that fails once fails on every
replay; a failure that does not replay is reported as nondeterminism (Hypothesis's ``Flaky``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Flaky

from mlk.abi.trace import RecordType
from mlk.model.kernel import classify, step
from mlk.refinement import checker, report
from mlk.refinement.difftest import gen
from mlk.refinement.difftest.corpus import write
from mlk.refinement.difftest.program import Program
from mlk.refinement.difftest.run import Result, Session

if TYPE_CHECKING:
    from mlk.refinement.difftest.asmprog import AsmProgram

_P = TypeVar("_P", Program, "AsmProgram")
_R = TypeVar("_R")

_EVENT_RECORDS = frozenset((RecordType.SYSCALL, RecordType.TICK, RecordType.IRQ, RecordType.FAULT))


def failure_kind(outcome: report.Outcome) -> str | None:
    """What kind of failure ``outcome`` is (``None``: a pass): the error kind, or the aspect of
    the divergence."""
    if outcome.error is not None:
        return outcome.error
    if outcome.divergence is not None:
        return f"divergence: {outcome.divergence.aspect}"
    return None


def failing_transition(result: Result) -> str | None:
    """The spec's name (:func:`mlk.model.kernel.classify`) of the transition where ``result``'s
    run diverged, when it diverged in lockstep."""
    divergence = result.outcome.divergence
    if divergence is None or result.trace is None or result.initial is None:
        return None
    state = result.initial
    for n, tr in enumerate(checker.transitions(result.trace.records)):
        event = checker.to_event(tr.event, state.machine.idle_tcb)
        if n == divergence.transition:
            return classify(state, event)
        state = step(state, event)[0]
    return None


def transitions_reached(result: Result) -> set[str]:
    """The spec's names of every transition in ``result``'s trace (empty without a trace)."""
    if result.trace is None or result.initial is None:
        return set()
    state = result.initial
    names = set()
    for record in result.trace.records:  # every event record, also one a panic cut short
        if record.kind in _EVENT_RECORDS:
            event = checker.to_event(record, state.machine.idle_tcb)
            names.add(classify(state, event))
            state = step(state, event)[0]
    return names


def kind_stem(outcome: report.Outcome) -> str:
    """:func:`failure_kind` as part of a file name (``divergence: registers`` gives
    ``registers``, ``pass`` for a pass)."""
    return (failure_kind(outcome) or "pass").replace("divergence: ", "").replace(" ", "-")


def expected_failure(result: Result, gaps: frozenset[str]) -> set[str]:
    """The kernel gaps among ``gaps`` that ``result``'s run reached: when it fails and reached
    one, the failure is expected (the kernel does not implement that transition yet)."""
    return transitions_reached(result) & gaps


@dataclass
class Stats:
    """What a search did."""

    programs: int = 0
    syscalls: int = 0
    seconds: float = 0.0
    #: Failing runs that reached a kernel gap the search excludes (the spec's prediction of the
    #: interleaving missed): not reported as failures.
    gap_failures: int = 0

    def line(self) -> str:
        """Programs, system calls, their rates."""
        minutes = self.seconds / 60 or 1e-9
        rate = self.syscalls / (self.seconds or 1e-9)
        return (f"{self.programs} programs, {self.syscalls} system calls in {self.seconds:.1f} s: "
                f"{self.programs / minutes:.0f} programs/min, {rate:.0f} system calls/s")  # fmt: skip


@dataclass(frozen=True)
class Failure:
    """A minimal failing program and how it failed."""

    program: Program
    result: Result
    transition: str | None

    def to_json(self, name: str, origin: str) -> dict[str, Any]:
        """The corpus entry."""
        return {
            "name": name,
            "found_by": origin,
            "failure": failure_kind(self.result.outcome),
            "transition": self.transition,
            "reached": sorted(transitions_reached(self.result)),
            "summary": self.result.outcome.summary(),
            "program": self.program.to_json(),
        }


class _Failed(Exception):
    """Raised inside the Hypothesis test to make a failing program shrink."""


class _Reached(Exception):
    """Raised inside the Hypothesis test when the search's goal is met: it ends the search."""


def minimize(session: Session, program: Program, kind: str, stats: Stats) -> tuple[Program, Result]:
    """Remove boot threads, then single steps, while the program still fails with ``kind``."""

    def still_fails(candidate: Program) -> Result | None:
        result = session.run(candidate, "difftest", "")
        stats.programs += 1
        stats.syscalls += candidate.syscalls
        return result if failure_kind(result.outcome) == kind else None

    return drop_threads_and_steps(program, session.run(program, "difftest", ""), still_fails)


def drop_threads_and_steps(program: _P, best: _R, still_fails: Callable[[_P], _R | None]) -> tuple[_P, _R]:
    """Remove boot threads (never thread 0, the root task), then single steps of every thread,
    keeping each removal after which ``still_fails`` still gives a run (``best``: the run of
    ``program`` as given). Both program kinds (scripted and assembly) shrink this way; their
    threads are dataclasses with ``steps``, their programs dataclasses with ``threads``."""
    i = 1
    while i < len(program.threads):
        candidate = dataclasses.replace(program, threads=program.threads[:i] + program.threads[i + 1 :])
        found = still_fails(candidate)
        if found is not None:
            program, best = candidate, found
        else:
            i += 1
    for t in range(len(program.threads)):
        s = 0
        while s < len(program.threads[t].steps):
            thread = program.threads[t]
            threads = list(program.threads)
            threads[t] = dataclasses.replace(thread, steps=thread.steps[:s] + thread.steps[s + 1 :])
            shortened = dataclasses.replace(program, threads=tuple(threads))
            found = still_fails(shortened)
            if found is not None:
                program, best = shortened, found
            else:
                s += 1
    return program, best


def search(
    session: Session,
    examples: int,
    seed: int,
    *,
    exclude: frozenset[str] = gen.KERNEL_GAPS,
    stats: Stats | None = None,
    max_steps: int = gen.MAX_STEPS,
    on_result: Callable[[Program, Result], None] | None = None,
    focus: str | None = None,
    until: Callable[[], bool] | None = None,
) -> Failure | None:
    """Run up to ``examples`` generated programs (``on_result`` sees each run), each favouring
    ``focus`` when it is given (a transition, or ``transition:ANSWER``, :func:`.gen.split_focus`),
    until ``until()`` says the search's goal is met; the first failure, shrunk and minimized."""
    stats = stats or Stats()
    if until is not None and until():
        return None
    failures: list[tuple[Program, Result]] = []
    start = time.monotonic() - stats.seconds  # a Stats shared by several searches adds up

    # A search with a goal ends at it by raising _Reached, so it has no shrink phase (which would
    # take the goal for a failure): a failure it finds is shrunk by minimize alone. It raises it
    # right after the run that meets the goal, not before the next run: each program Hypothesis
    # draws is generated first (the spec runs along), and Hypothesis draws the program that raised
    # once more to report it (that draw ends at the check on entry, without a run).
    phases = (Phase.generate, Phase.shrink) if until is None else (Phase.generate,)

    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=phases,
              report_multiple_bugs=False, print_blob=False)  # fmt: skip
    @hypothesis_seed(seed)
    @given(gen.programs(session.boot_state, exclude, max_steps=max_steps, focus=focus))
    def prop(program: Program) -> None:
        if until is not None and until():
            raise _Reached
        result = session.run(program, "difftest", "")
        stats.programs += 1
        stats.syscalls += program.syscalls
        if on_result is not None:
            on_result(program, result)
        if not result.outcome.passed and exclude and expected_failure(result, exclude):
            stats.gap_failures += 1
        elif not result.outcome.passed:
            failures.append((program, result))
            raise _Failed(failure_kind(result.outcome))
        if until is not None and until():
            raise _Reached

    try:
        prop()
    except (_Failed, _Reached):
        pass
    except Flaky as exc:
        raise RuntimeError(f"a failure did not replay: the kernel run is not deterministic ({exc})") from exc
    finally:
        stats.seconds = time.monotonic() - start
    if not failures:
        return None
    program, result = failures[-1]
    kind = failure_kind(result.outcome)
    assert kind is not None
    program, result = minimize(session, program, kind, stats)
    stats.seconds = time.monotonic() - start
    return Failure(program, result, failing_transition(result))


def save(failure: Failure, where: Path, origin: str) -> Path:
    """Write ``failure`` to the corpus directory ``where``
    (:func:`mlk.refinement.difftest.corpus.write`) under a name made of its transition and its
    failure; the path."""
    at = failure.transition or ("final-state" if failure.result.outcome.divergence else "run")
    return write(where, f"{at}-{kind_stem(failure.result.outcome)}", lambda name: failure.to_json(name, origin))
