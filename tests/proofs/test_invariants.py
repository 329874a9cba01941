"""The proofs' families state exactly the spec's invariants: evaluated on the same states (the
encoding's view of reachable states, of the spec tests' hand-made corruptions, and of random
corruptions), each family says what the spec invariant of its name says. The auxiliary families
hold on every reachable state.

Replay one corruption: ``MLK_CORRUPTION=<index> pytest tests/proofs/test_invariants.py``."""

from __future__ import annotations

import os
import random

import pytest

from mlk.model import invariants as spec
from mlk.model.gen import pairs
from mlk.model.state import State
from mlk.proofs.concrete import abstract, domains
from mlk.proofs.invariants import AUX, INVARIANTS
from tests.model.crosshair_contracts import BASE
from tests.model.test_model_invariants import CORRUPTIONS
from tests.proofs.corrupt import corrupt

SEED = 8
RANDOM_CORRUPTIONS = 250


def _disagreements(s: State) -> list[tuple[str, bool, list[str]]]:
    sym, d = abstract(s), domains(s)
    out = []
    for family in INVARIANTS:
        want = spec.holds(spec.INVARIANTS[family.name], s)
        if family.holds(sym, d) != want:
            out.append((family.name, want, family.broken(sym, d)))
    return out


def test_every_spec_invariant_has_a_family() -> None:
    assert [f.name for f in INVARIANTS] == list(spec.INVARIANTS)


def test_reachable_states_satisfy_every_family() -> None:
    for s, _ in pairs(SEED, 1500)[::60]:
        sym, d = abstract(s), domains(s)
        for family in (*INVARIANTS, *AUX):
            assert family.holds(sym, d), (family.name, family.broken(sym, d))


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_agreement_on_the_spec_tests_corruptions(name: str) -> None:
    assert _disagreements(CORRUPTIONS[name](BASE)) == []


def test_agreement_on_random_corruptions() -> None:
    rng = random.Random(SEED)
    states = [s for s, _ in pairs(SEED, 3000)]
    broken = dict.fromkeys(spec.INVARIANTS, 0)
    selected = int(os.environ["MLK_CORRUPTION"]) if "MLK_CORRUPTION" in os.environ else None
    for n in range(RANDOM_CORRUPTIONS):
        s = corrupt(rng, rng.choice(states))
        if selected is not None and n != selected:
            continue
        replay = f"replay: MLK_CORRUPTION={n} pytest tests/proofs/test_invariants.py"
        assert _disagreements(s) == [], replay
        for name in spec.violations(s):
            broken[name] += 1
    if selected is None:
        assert sum(broken.values()) > RANDOM_CORRUPTIONS // 2, broken
