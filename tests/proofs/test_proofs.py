"""The faithful encoding proves every obligation."""

from __future__ import annotations

from mlk.proofs import catalogue, runner
from mlk.proofs.obligation import Status


def test_all_obligations_proved() -> None:
    outcomes = runner.run(catalogue.obligations(), jobs=2, timeout=60)
    assert [o.name for o in outcomes if o.status != Status.PROVED] == []
