"""Spec coverage of kernel traces: which transitions, which error codes of each transition, and
which lines, branches and error checks of ``model/`` the checked kernel runs exercised.

:meth:`SpecCoverage.add` replays a decoded trace through the spec (the same events the checker
built, from the same initial state) under coverage.py, restricted to the ``model/`` sources, and
names each transition with :func:`mlk.model.kernel.classify`. For an invocation (a transition of
:func:`.answers.possible_errors`) it also counts the spec's answer (:func:`.answers.answer`): the
:class:`~mlk.abi.errors.Error` in the caller's ``x0`` after a Call; a Send's is the one a Call
with the same registers gets in the same state (computed outside the measured replay). For a device
interrupt it counts its outcome (:func:`.answers.device_irq_outcome`: the line signals its
notification, or has none, or the interrupt is an edge that was pending until its Ack). Coverage
measures only these replays, never the generator's own runs of the spec.

The *targets* are the transitions the kernel implements (default
:data:`mlk.refinement.difftest.gen.KERNEL_TRANSITIONS`, less "halted" and "idle", which a kernel
trace cannot contain: nothing follows a halt, and the idle thread makes no system call) and, for
each invocation among them, every answer of :func:`.answers.possible_errors` (and every outcome of
a device interrupt, :data:`.answers.DEVICE_IRQ_OUTCOMES`), and every error check: the ``raise
KernelError(Error.X)`` statements of ``model/`` (:func:`.sites.error_sites`), each exercised when
coverage saw its line run (targets ``site:function:ERROR``: an answer can come from several checks,
and reaching the code at the first of them leaves the others unexercised).
"""

from __future__ import annotations

import io
import json
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import coverage
from rich.console import Console
from rich.table import Table

from mlk.abi import msginfo
from mlk.abi.errors import Error
from mlk.abi.labels import FaultLabel
from mlk.model import kernel
from mlk.model.events import Event, FaultEvent, IrqEvent, SyscallEvent
from mlk.model.state import State
from mlk.refinement import checker, tracefile
from mlk.refinement.difftest import answers, gen
from mlk.refinement.difftest.sites import MODEL_DIR, ErrorSite, error_sites

#: Transitions a kernel trace cannot contain.
UNTRACEABLE = frozenset({"halted", "idle"})


class SpecCoverage:
    """Transitions, answers per transition, and model/ coverage over many traces."""

    def __init__(self, targets: Iterable[str] = gen.KERNEL_TRANSITIONS) -> None:
        self.targets = frozenset(targets) - UNTRACEABLE
        self.transitions: Counter[str] = Counter()
        #: Per transition: how often each answer (an error code; a fault kind for user_fault).
        self.answers: dict[str, Counter[str]] = {}
        self._cov = coverage.Coverage(data_file=None, branch=True, source=[str(MODEL_DIR)])
        self._measured = False

    def add(self, trace: tracefile.Trace, initial: State) -> None:
        """Replay ``trace`` from ``initial`` under coverage (up to its end or the spec's halt)."""
        events = [tr.event for tr in checker.transitions(trace.records)]
        state = initial
        ack: SyscallEvent | None = None
        for record in events:
            event = checker.to_event(record, state.machine.idle_tcb)
            name = kernel.classify(state, event)
            self._cov.start()
            try:
                after = kernel.step(state, event)[0]
            finally:
                self._cov.stop()
            self._measured = True
            answer = self._count(name, state, event, after, ack)
            # The Ack just made, when it unmasked its line (a pending edge arrives at its return).
            unmasked = name == "irq_handler_ack" and answer == Error.OK.name
            ack = event if unmasked and isinstance(event, SyscallEvent) else None
            state = after

    def _count(self, name: str, before: State, event: Event, after: State, ack: SyscallEvent | None) -> str | None:
        self.transitions[name] += 1
        answer: str | None = None
        if name in answers.possible_errors() and isinstance(event, SyscallEvent):
            answer = answers.answer(before, event, after)
        elif name == "device_irq" and isinstance(event, IrqEvent):
            answer = answers.device_irq_outcome(before, event, ack)
        elif name == "user_fault" and isinstance(event, FaultEvent):
            kind = event.kind & msginfo.LABEL.mask
            answer = FaultLabel(kind).name if kind in FaultLabel._value2member_map_ else f"kind {kind}"
        if answer is not None:
            self.answers.setdefault(name, Counter())[answer] += 1
        return answer

    # What was missed -------------------------------------------------------------------------

    def missing_transitions(self) -> list[str]:
        """Target transitions no trace reached."""
        return sorted(self.targets - set(self.transitions))

    def missing_answers(self) -> dict[str, list[str]]:
        """Per target transition with answers, those of :func:`.answers.possible_answers` no trace gave (only the
        transitions with some missing)."""
        missing = {}
        for name, names in answers.possible_answers().items():
            if name in self.targets:
                got = self.answers.get(name, Counter())
                lost = [e for e in names if e not in got]
                if lost:
                    missing[name] = lost
        return missing

    def missed(self) -> list[str]:
        """Every target missed, one string each: ``transition``, ``transition:ERROR`` or an error
        site's ``site:function:ERROR`` (each a focus of :func:`.gen.split_focus`)."""
        answers = [f"{n}:{e}" for n, errors in sorted(self.missing_answers().items()) for e in errors]
        return [*self.missing_transitions(), *answers, *(s.target() for s in self.sites_missed())]

    def missing_errors(self) -> list[str]:
        """Error codes (other than OK) that no invocation answered."""
        got = {a for counts in self.answers.values() for a in counts}
        return [e.name for e in Error if e != Error.OK and e.name not in got]

    def sites_missed(self) -> list[ErrorSite]:
        """The spec's error checks whose line never ran."""
        if not self._measured:
            return list(error_sites())
        data = self._cov.get_data()
        return [s for s in error_sites() if s.line not in (data.lines(str(s.file)) or ())]

    def model_percent(self) -> float:
        """Line and branch coverage of ``model/``, in percent (coverage.py's total)."""
        if not self._measured:
            return 0.0
        return float(self._cov.report(file=io.StringIO(), show_missing=False))

    def files_percent(self) -> dict[str, float]:
        """Line and branch coverage of each file of ``model/``, in percent."""
        if not self._measured:
            return {}
        out = {}
        for path in sorted(MODEL_DIR.glob("*.py")):
            try:
                out[path.name] = float(self._cov.report(morfs=[str(path)], file=io.StringIO()))
            except coverage.exceptions.NoDataError:
                out[path.name] = 0.0
        return out

    # Reports ---------------------------------------------------------------------------------

    def table(self) -> Table:
        """Every transition of the spec: how often reached, the answers given and those missed."""
        table = Table(title="spec coverage of the kernel's traces", title_justify="left")
        table.add_column("transition")
        table.add_column("steps", justify="right")
        table.add_column("answers reached")
        table.add_column("target missed", style="red")
        missing = self.missing_answers()
        for name in sorted(set(kernel.TRANSITIONS) - UNTRACEABLE):
            count = self.transitions.get(name, 0)
            answers = ", ".join(f"{a} {c}" for a, c in sorted(self.answers.get(name, Counter()).items()))
            if name not in self.targets:
                lost = "(not a target: not implemented)" if count == 0 else ""
            elif count == 0:
                lost = "NOT REACHED"
            else:
                lost = ", ".join(missing.get(name, []))
            table.add_row(name, str(count), answers, lost)
        return table

    def summary(self) -> list[str]:
        """The lines under the table: model/ coverage, error checks, targets missed."""
        sites = self.sites_missed()
        missed = self.missed()
        total = len(self.targets) + sum(len(e) for n, e in answers.possible_answers().items() if n in self.targets)
        total += len(error_sites())
        lines = [
            f"model/ lines and branches: {self.model_percent():.1f}%",
            f"error checks of model/ exercised: {len(error_sites()) - len(sites)} of {len(error_sites())}",
            *(f"  not exercised: {s.where()} {s.error}" for s in sites),
            f"targets (transitions, answers per invocation, error checks) reached: {total - len(missed)} of {total}",
        ]
        if missed:
            lines.append(f"  missed: {'; '.join(missed)}" if len(missed) <= 20 else "  missed: see the table")
        return lines

    def render(self, width: int = 160) -> str:
        """The table and summary as plain text."""
        console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False)
        console.print(self.table())
        for line in self.summary():
            console.print(line, highlight=False, markup=False)
        out = console.file
        assert isinstance(out, io.StringIO)
        return out.getvalue()

    def print(self, console: Console | None = None) -> None:
        """Print the table and summary (with colour on a terminal)."""
        console = console or Console(width=None if sys.stdout.isatty() else 140)
        console.print(self.table())
        for line in self.summary():
            console.print(line, highlight=False, markup=False)

    def report(self, path: Path | None = None) -> None:
        """Print the report; with ``path``, also write it there as JSON (:meth:`to_json`)."""
        self.print()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(self.to_json(), indent=1) + "\n")
            print(f"spec coverage written to {path}")

    def to_json(self) -> dict[str, Any]:
        """The report as JSON data (``mlk difftest --coverage-json``)."""
        missing = self.missing_answers()
        answerable = answers.possible_answers()
        unexercised = set(self.sites_missed())
        return {
            "transitions": {
                name: {
                    "steps": self.transitions.get(name, 0),
                    "target": name in self.targets,
                    "answers": dict(sorted(self.answers.get(name, Counter()).items())),
                    **({"possible": list(answerable[name])} if name in answerable else {}),
                    "missed": missing.get(name, []),
                }
                for name in sorted(set(kernel.TRANSITIONS) - UNTRACEABLE)
            },
            "missed": self.missed(),
            "error_codes_missing": self.missing_errors(),
            "error_checks": [
                {"where": s.where(), "error": s.error, "exercised": s not in unexercised}
                for s in error_sites()
            ],
            "model_percent": round(self.model_percent(), 2),
            "files_percent": {k: round(v, 2) for k, v in self.files_percent().items()},
        }
