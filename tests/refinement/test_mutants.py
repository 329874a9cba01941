"""The gate can fail: every kernel mutant is caught by the built-in scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlk.refinement import mutants, scenarios

pytestmark = pytest.mark.qemu


@pytest.mark.parametrize("mutant", mutants.MUTANTS, ids=lambda m: m.name)
def test_mutant_is_caught(mutant: mutants.Mutant, tmp_path: Path) -> None:
    verdict = mutants.check(mutant, tmp_path)
    assert verdict.caught, verdict.summary()
    assert verdict.catch is not None
    assert verdict.catch.error is None, verdict.catch.message  # a divergence, not a crash or a hang


def test_a_mutants_first_scenario_is_a_scenario() -> None:
    unknown = [m.name for m in mutants.MUTANTS if m.first and m.first not in scenarios.SCENARIOS]
    assert not unknown, unknown


def test_a_mutant_that_no_longer_applies_is_an_error(tmp_path: Path) -> None:
    stale = mutants.Mutant("stale", "text that is gone", "sched.S", "no such text", "")
    with pytest.raises(mutants.MutantDoesNotApply):
        mutants.apply(stale, tmp_path / "asm")
