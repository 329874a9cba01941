"""Spec coverage of kernel traces: which transitions, which invocation errors and which lines
and branches of ``model/`` the checked kernel runs exercised.

:meth:`SpecCoverage.add` replays a decoded trace through the spec (the same events the checker
built, from the same initial state) under coverage.py, restricted to the ``model/`` sources, and
names each transition with :func:`mlk.model.kernel.classify`. The error code of a Call answered
by the kernel (an invocation's reply: label 0, ``x0`` the :class:`~mlk.abi.errors.Error`) is
counted too. Coverage measures only these replays, never the generator's own runs of the spec.
"""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import coverage

from mlk.abi import msginfo
from mlk.abi.errors import Error
from mlk.abi.labels import Label
from mlk.abi.syscalls import Reg, Syscall
from mlk.model import kernel
from mlk.model.events import SyscallEvent
from mlk.model.state import State
from mlk.refinement import checker, tracefile

MODEL_DIR = Path(kernel.__file__).resolve().parent
#: Transitions that answer a Call with an error code.
_INVOCATIONS = frozenset({"illegal_invocation", *(label.name.lower() for label in Label)})


class SpecCoverage:
    """Transitions, error codes and model/ line and branch coverage over many traces."""

    def __init__(self) -> None:
        self.transitions: Counter[str] = Counter()
        self.errors: Counter[Error] = Counter()
        self._cov = coverage.Coverage(data_file=None, branch=True, source=[str(MODEL_DIR)])

    def add(self, trace: tracefile.Trace, initial: State) -> None:
        """Replay ``trace`` from ``initial`` under coverage (up to its end or the spec's halt)."""
        state = initial
        self._cov.start()
        try:
            for tr in checker.transitions(trace.records):
                event = checker.to_event(tr.event, state.machine.idle_tcb)
                name = kernel.classify(state, event)
                self.transitions[name] += 1
                caller = state.current
                state, result = kernel.step(state, event)
                if name in _INVOCATIONS and isinstance(event, SyscallEvent) and event.ctx[Reg.SYSNO] == Syscall.CALL:
                    regs = dict(result.regs).get(caller)
                    if regs is not None and msginfo.LABEL.get(regs[Reg.MSGINFO]) == 0:
                        self._count_error(regs[Reg.BADGE])
        finally:
            self._cov.stop()

    def _count_error(self, code: int) -> None:
        if code in Error._value2member_map_:
            self.errors[Error(code)] += 1

    def missing_transitions(self) -> list[str]:
        """Transitions of :data:`mlk.model.kernel.TRANSITIONS` no trace reached (but "halted" and
        "idle", which a kernel trace cannot contain: nothing follows a halt, and the idle thread
        makes no system call)."""
        return sorted(set(kernel.TRANSITIONS) - set(self.transitions) - {"halted", "idle"})

    def missing_errors(self) -> list[str]:
        """Error codes no invocation returned."""
        return [e.name for e in Error if e not in self.errors]

    def model_percent(self) -> float:
        """Line and branch coverage of ``model/``, in percent (coverage.py's total)."""
        if not self.transitions:
            return 0.0
        return float(self._cov.report(file=io.StringIO(), show_missing=False))

    def render(self) -> str:
        """The report: what was reached, what is missing, and the model/ coverage."""
        reached = ", ".join(f"{n} {c}" for n, c in sorted(self.transitions.items()))
        errors = ", ".join(f"{e.name} {c}" for e, c in sorted(self.errors.items())) or "none"
        lines = [
            f"spec coverage: model/ lines and branches {self.model_percent():.1f}%",
            f"  transitions reached ({len(self.transitions)} of {len(kernel.TRANSITIONS)}): {reached or 'none'}",
            f"  transitions missing: {', '.join(self.missing_transitions()) or 'none'}",
            f"  error codes returned: {errors}",
            f"  error codes missing: {', '.join(self.missing_errors()) or 'none'}",
        ]
        return "\n".join(lines)
