"""Reports of a proof run: the table, the failure details, JSON and JUnit XML.

The JSON report is ``{"z3": version, "spec_digest": ..., "totals": {status: count},
"wall_seconds": ..., "obligations": [outcome, ...], "not_encoded": {...}}`` with each outcome as
:meth:`mlk.proofs.obligation.Outcome.to_json` writes it. The JUnit report has one test case per
obligation (class name = its first two name components): refuted obligations are failures,
unknown ones errors.
"""

from __future__ import annotations

import json
import shlex
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from mlk.proofs.obligation import Outcome, Status

_STYLE = {Status.PROVED: "green", Status.REFUTED: "bold red", Status.UNKNOWN: "yellow"}


def totals(outcomes: Sequence[Outcome]) -> dict[str, int]:
    """How many outcomes have each status."""
    counts = Counter(str(o.status) for o in outcomes)
    return {str(s): counts.get(str(s), 0) for s in Status}


def table(outcomes: Sequence[Outcome]) -> Table:
    """The table of obligations with status, time and bound."""
    tab = Table(title="Proof obligations", show_lines=False)
    tab.add_column("obligation")
    tab.add_column("status")
    tab.add_column("time", justify="right")
    tab.add_column("bound")
    for o in outcomes:
        seconds = "cached" if o.cached else f"{o.seconds:.2f} s"
        tab.add_row(o.name, f"[{_STYLE[o.status]}]{o.status}[/]", seconds, o.bound or "none")
    return tab


def rerun_command(name: str, mutant: str | None) -> str:
    """The one-line command that re-runs only obligation ``name``."""
    extra = f" --mutant {shlex.quote(mutant)}" if mutant else ""
    return f"mlk-prove --only {shlex.quote(name)} --no-cache{extra}"


def print_failures(console: Console, outcomes: Sequence[Outcome], mutant: str | None = None) -> None:
    """For each obligation that is not proved: what broke, the counterexample, the re-run command."""
    for o in outcomes:
        if o.status == Status.PROVED:
            continue
        console.rule(f"[{_STYLE[o.status]}]{o.status.upper()}[/] {o.name}")
        transition = o.name.split("/")
        if len(transition) >= 3:
            console.print(f"transition: {transition[1]}   property: {transition[2]}")
        if o.status == Status.REFUTED:
            console.print(f"broken conjunct: [bold]{o.conjunct}[/]")
            console.print(o.counterexample or "", markup=False, highlight=False, soft_wrap=True)
        else:
            console.print(f"reason: {o.reason}")
        console.print(f"re-run: {rerun_command(o.name, mutant)}", markup=False, highlight=False, soft_wrap=True)


def write_json(path: Path, outcomes: Sequence[Outcome], meta: dict[str, object]) -> None:
    """Write the JSON report."""
    data = dict(meta)
    data["totals"] = totals(outcomes)
    data["obligations"] = [o.to_json() for o in outcomes]
    path.write_text(json.dumps(data, indent=2) + "\n")


def write_junit(path: Path, outcomes: Sequence[Outcome]) -> None:
    """Write the JUnit XML report."""
    counts = totals(outcomes)
    suite = ET.Element(
        "testsuite",
        name="mlk-prove",
        tests=str(len(outcomes)),
        failures=str(counts[str(Status.REFUTED)]),
        errors=str(counts[str(Status.UNKNOWN)]),
        time=f"{sum(o.seconds for o in outcomes):.3f}",
    )
    for o in outcomes:
        parts = o.name.split("/")
        case = ET.SubElement(suite, "testcase", classname=".".join(parts[:2]), name=o.name, time=f"{o.seconds:.3f}")
        if o.status == Status.REFUTED:
            failure = ET.SubElement(case, "failure", message=f"refuted: {o.conjunct}")
            failure.text = o.counterexample
        elif o.status == Status.UNKNOWN:
            ET.SubElement(case, "error", message=f"unknown: {o.reason}")
    root = ET.Element("testsuites")
    root.append(suite)
    ET.ElementTree(root).write(path, encoding="unicode", xml_declaration=True)
