"""What the built-in scenarios show: which transitions their refined traces took, which error codes
the kernel returned in them, and which of those their user programs check.

Issue 6 asks for user programs that check results from user space for every transition family,
with at least one scenario per error code. This module is the audit of that claim, from evidence
rather than from a list kept by hand:

* **returned**: a scenario's trace is replayed through the spec (:func:`replay`) and each
  transition named with :func:`mlk.model.kernel.classify`; a Call of an invocation returns the
  :class:`~mlk.abi.errors.Error` in ``x0`` (:func:`mlk.refinement.difftest.answers.answer`). The
  trace refines the spec (the caller's registers in the kernel's ``REGS`` record are the spec's),
  so the code the spec returns there is the code the kernel returned;
* **checked**: the error names (``ERR_*``) and invocation labels (``LABEL_*``) the scenario's user
  code uses, read from the scenario's flattened build (comments stripped, macros expanded, only
  the code its configuration assembles, only statements from ``asm/user/``): a user program
  compares a result with an ``ERR_`` name only to check it (the ``check`` macros of ``ulib.S``
  halt the machine with the check's number when it differs).

:func:`audit` joins the scenarios' evidence: an error code is *shown* when some scenario both
returned and checked it; an invocation is *shown* when some scenario took it and names its label;
every other transition of the spec (but ``halted`` and ``idle``, which no trace can hold) must be
taken by some scenario. Finer: every answer an invocation can give (OK or an error, the spec
browser's walk of its checks, :func:`mlk.refinement.difftest.answers.possible_errors`) must be
returned by that invocation and checked in some scenario.
``tests/refinement/test_scenario_audit.py`` runs it on every built-in scenario.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mlk.abi.errors import Error
from mlk.abi.syscalls import Reg, Syscall
from mlk.kernel_aarch64 import build as kbuild
from mlk.kernel_aarch64.preprocess import flatten
from mlk.model import kernel
from mlk.model.events import SyscallEvent
from mlk.model.state import State
from mlk.refinement import capture, checker, container, scenarios, tracefile
from mlk.refinement.difftest import answers
from mlk.refinement.difftest.speccov import UNTRACEABLE

#: The directory of the user programs, as the build names statements' origins.
USER_DIR = "user/"
_NAME = re.compile(r"\b(?:ERR|LABEL)_[A-Z0-9_]+\b")


@dataclass(frozen=True)
class Taken:
    """One transition of a replayed trace: its name, and the error code it returned to the caller
    when it was an invocation answered by the kernel (``None`` otherwise)."""

    name: str
    error: Error | None


def replay(
    trace: tracefile.Trace, initial: State, environment: Callable[[tracefile.Record, State], State] | None = None
) -> Iterator[Taken]:
    """The transitions of ``trace`` replayed through the spec from ``initial`` (with the scenario's
    ``environment`` applied before each, as the checker does), up to its end."""
    state = initial
    for tr in checker.transitions(trace.records):
        if environment is not None:
            state = environment(tr.event, state)
        event = checker.to_event(tr.event, state.machine.idle_tcb)
        name = kernel.classify(state, event)
        after = kernel.step(state, event)[0]
        error = None
        # Only a Call's answer is returned (a Send of an invocation gets none).
        if (name in answers.possible_errors() and isinstance(event, SyscallEvent)
                and event.ctx[Reg.SYSNO] == Syscall.CALL):  # fmt: skip
            error = Error.__members__.get(answers.answer(state, event, after))
        yield Taken(name, error)
        state = after


def user_names(source_dir: Path, gen_dir: Path) -> frozenset[str]:
    """The ``ERR_*`` and ``LABEL_*`` names the user code of a build uses: the build's sources in
    ``source_dir`` flattened with its generated includes in ``gen_dir`` (so with its scenario's
    configuration), statements from ``asm/user/`` only."""
    flat = flatten(source_dir / kbuild.ROOT_FILE, (source_dir, gen_dir))
    names: set[str] = set()
    for statement in flat.statements:
        if statement.origin.file.startswith(USER_DIR):
            names.update(_NAME.findall(statement.text))
    return frozenset(names)


@dataclass
class ScenarioEvidence:
    """What one refined scenario shows."""

    name: str
    transitions: Counter[str] = field(default_factory=Counter)
    returned: Counter[Error] = field(default_factory=Counter)
    names: frozenset[str] = frozenset()
    #: The errors returned, by invocation.
    answers: Counter[tuple[str, Error]] = field(default_factory=Counter)

    def add(self, taken: Iterable[Taken]) -> None:
        """Count the transitions ``taken`` and the errors they returned."""
        for t in taken:
            self.transitions[t.name] += 1
            if t.error is not None:
                self.returned[t.error] += 1
                self.answers[(t.name, t.error)] += 1

    def checks(self, error: Error) -> bool:
        """Whether the scenario's user code checks for ``error``."""
        return f"ERR_{error.name}" in self.names

    def invokes(self, transition: str) -> bool:
        """Whether the scenario's user code names the label of invocation ``transition``."""
        return f"LABEL_{transition.upper()}" in self.names


@dataclass(frozen=True)
class Audit:
    """The scenarios' evidence joined: what is shown, by which scenarios, and what is missing."""

    errors: dict[Error, tuple[str, ...]]
    transitions: dict[str, tuple[str, ...]]
    #: Per invocation, the scenarios that returned and checked each answer the spec can give
    #: (:func:`mlk.refinement.difftest.answers.possible_errors`, in check order).
    answers: dict[str, dict[Error, tuple[str, ...]]]

    def missing_errors(self) -> list[str]:
        """Error codes no scenario both returned and checked."""
        return [e.name for e, by in self.errors.items() if not by]

    def missing_transitions(self) -> list[str]:
        """Transitions no scenario showed (an invocation: took it and names its label)."""
        return [t for t, by in self.transitions.items() if not by]

    def missing_answers(self) -> list[str]:
        """``invocation: CODE`` for each answer of an invocation no scenario returned and checked."""
        return [f"{t}: {e.name}" for t, by_error in self.answers.items() for e, by in by_error.items() if not by]

    def render(self) -> str:
        """A table: each error code and transition with the scenarios that show it."""
        lines = ["error codes returned by the kernel and checked from user space:"]
        lines += [f"  {e.name:<20} {', '.join(by) or 'MISSING'}" for e, by in self.errors.items()]
        lines.append("transitions taken in refined scenarios (invocations: by a program naming the label):")
        lines += [f"  {t:<29} {', '.join(by) or 'MISSING'}" for t, by in self.transitions.items()]
        lines.append("each invocation's answers (the errors the spec can return, in check order) returned and checked:")
        for t, by_error in self.answers.items():
            shown = ", ".join(f"{e.name} ({', '.join(by) or 'MISSING'})" for e, by in by_error.items())
            lines.append(f"  {t:<29} {shown}")
        return "\n".join(lines)


def audit(evidence: Iterable[ScenarioEvidence]) -> Audit:
    """Join the evidence of scenarios (each from a refined run) over every code of
    :class:`~mlk.abi.errors.Error`, every transition of :data:`mlk.model.kernel.TRANSITIONS` and
    every answer each invocation can give."""
    found = list(evidence)
    invocations = answers.possible_errors()
    errors = {e: tuple(s.name for s in found if s.returned[e] and s.checks(e)) for e in Error}
    transitions = {
        t: tuple(s.name for s in found if s.transitions[t] and (t not in invocations or t == "illegal_invocation"
                                                                  or s.invokes(t)))
        for t in kernel.TRANSITIONS
        if t not in UNTRACEABLE
    }  # fmt: skip
    by_answer = {
        t: {e: tuple(s.name for s in found if s.answers[(t, e)] and s.checks(e)) for e in possible}
        for t, possible in invocations.items()
    }
    return Audit(errors, transitions, by_answer)


def gather(name: str, work: Path, source_dir: Path = kbuild.SOURCE_DIR) -> ScenarioEvidence:
    """The evidence of scenario ``name`` as :func:`mlk.refinement.scenarios.refine` built, ran and
    checked it in ``work`` (from ``source_dir``): its trace file replayed with the boot threads and
    environment it records, its build's user code read."""
    data, found = container.load(work / "run" / capture.CONTAINER_FILE)
    if found is None:
        raise container.ContainerError("a bare stream, not a trace file", index=0, offset=0)
    trace = tracefile.decode(data, build_id=found.build_id)
    threads, config = scenarios.described(found.header)
    evidence = ScenarioEvidence(name, names=user_names(source_dir, work / "build" / "gen"))
    evidence.add(replay(trace, scenarios.initial_state_with(trace, threads), scenarios.environment(config, threads)))
    return evidence
