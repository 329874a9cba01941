"""Reports of a refinement run: one :class:`Outcome` per trace, rendered as text, JSON or JUnit XML.

An outcome is exactly one of: refines (every transition is a step of the spec), diverges (a
:class:`~mlk.refinement.checker.Divergence`), or could not be checked (a trace error, a QEMU crash
or timeout: ``error`` says which, with its message). Only the first counts as a pass.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlk.refinement.checker import Divergence


@dataclass(frozen=True)
class Outcome:
    """The result of checking one trace."""

    name: str
    #: Where the trace file is (kept whatever happened).
    trace: str | None
    transitions: int = 0
    records: int = 0
    divergence: Divergence | None = None
    #: The kind of failure that prevented checking (e.g. ``TruncatedTrace``, ``QemuTimeout``).
    error: str | None = None
    message: str | None = None
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """Whether the trace was checked and refines the spec."""
        return self.divergence is None and self.error is None

    def summary(self) -> str:
        """One line: the name and the verdict."""
        if self.error is not None:
            return f"ERROR     {self.name}: {self.error}: {self.message}"
        if self.divergence is not None:
            return f"DIVERGES  {self.name}: {self.divergence.aspect} at record #{self.divergence.record}"
        return f"refines   {self.name}: {self.transitions} transitions, {self.records} records"


def exit_status(outcomes: list[Outcome]) -> int:
    """0 when every trace refines the spec; 2 when any could not be checked; else 1."""
    if any(o.error is not None for o in outcomes):
        return 2
    return 0 if all(o.passed for o in outcomes) else 1


def to_json(outcomes: list[Outcome]) -> dict[str, Any]:
    """The JSON report: every outcome, and totals."""
    return {
        "traces": [asdict(o) for o in outcomes],
        "totals": {
            "traces": len(outcomes),
            "refine": sum(o.passed for o in outcomes),
            "diverge": sum(o.divergence is not None for o in outcomes),
            "errors": sum(o.error is not None for o in outcomes),
        },
    }


def to_junit(outcomes: list[Outcome]) -> str:
    """The JUnit XML report: one test case per trace."""
    suite = ET.Element(
        "testsuite",
        name="mlk refine",
        tests=str(len(outcomes)),
        failures=str(sum(o.divergence is not None for o in outcomes)),
        errors=str(sum(o.error is not None for o in outcomes)),
        time=f"{sum(o.seconds for o in outcomes):.3f}",
    )
    for o in outcomes:
        case = ET.SubElement(suite, "testcase", classname="refinement", name=o.name, time=f"{o.seconds:.3f}")
        if o.divergence is not None:
            failure = ET.SubElement(case, "failure", message=o.summary())
            failure.text = o.divergence.render()
        elif o.error is not None:
            error = ET.SubElement(case, "error", type=o.error, message=o.message or "")
            error.text = o.message
    return ET.tostring(suite, encoding="unicode")


def write(outcomes: list[Outcome], json_path: Path | None, junit_path: Path | None) -> None:
    """Write the JSON and JUnit reports where asked."""
    if json_path is not None:
        json_path.write_text(json.dumps(to_json(outcomes), indent=2) + "\n")
    if junit_path is not None:
        junit_path.write_text(to_junit(outcomes) + "\n")
