"""The spec browser built once for the docs tests, from a proof report with known statuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlk.docsite import command
from mlk.proofs.obligation import Outcome, Status
from mlk.proofs.report import write_json

#: The report the site is built from: one obligation of each status about the tick.
OUTCOMES = (
    Outcome("preserve/tick/ready_queues", Status.PROVED, 0.125, "priorities = 16"),
    Outcome("preserve/tick/current_highest", Status.REFUTED, 1.5, conjunct="current_highest.no_runnable_higher"),
    Outcome("preserve/tick/cur_tcb", Status.UNKNOWN, 30.0, reason="time limit of 30 s reached"),
    Outcome("preserve/yield/ready_queues", Status.PROVED, 0.25),
)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML directory of a site built by ``mlk docs``."""
    out = tmp_path_factory.mktemp("docs")
    report = out / "prove.json"
    write_json(report, OUTCOMES, {"z3": "test", "spec_digest": "", "wall_seconds": 2.0})
    status = command.main(["--out", str(out), "--prove-json", str(report), "--diagram-steps", "4000"])
    assert status == 0
    return out / "html"
