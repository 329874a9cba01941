"""The faithful encoding proves a sample of obligations here (``make test`` runs the whole
``mlk-prove`` gate): every boot obligation and every preservation obligation of the tick."""

from __future__ import annotations

from mlk.proofs import catalogue, runner
from mlk.proofs.obligation import Status


def test_sample_of_obligations_proved() -> None:
    sample = [o for o in catalogue.obligations() if o.name.startswith(("boot/", "preserve/tick/"))]
    outcomes = runner.run(sample, jobs=2, timeout=60)
    assert [o.name for o in outcomes if o.status != Status.PROVED] == []
