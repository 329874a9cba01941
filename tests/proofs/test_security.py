"""The security properties (:mod:`mlk.proofs.security`) evaluated on concrete states.

The properties are one definition with two backends: the Z3 obligations prove it of the encoding,
these tests evaluate the very same definition in Python on the spec's own steps, so that the
definition is tested on real states (a property that the spec breaks on a reachable state would be
a wrong property or a spec bug), and show that every property can fail (the seeded bugs of
:mod:`mlk.proofs.mutants` break them on the authority-boundary pairs of
:mod:`mlk.proofs.secpairs`).

Replay one pair: ``MLK_PAIR=<index> pytest tests/proofs/test_security.py``.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

from mlk.model.kernel import TRANSITIONS, classify, step
from mlk.model.state import State
from mlk.proofs import secpairs
from mlk.proofs.catalogue import obligations
from mlk.proofs.concrete import abstract, domains, keys
from mlk.proofs.enc import Kernel, concrete_event
from mlk.proofs.mutants import MUTANTS
from mlk.proofs.search import _merged, pairs
from mlk.proofs.secproofs import NAMES
from mlk.proofs.security import PROPERTIES, broken

#: The differential test's pairs (its seed and count); up to :data:`PER_TRANSITION` pairs of each
#: transition are checked here.
SEED = 4
PAIRS = 10_000
PER_TRANSITION = 30


def _sample() -> list[tuple[int, tuple[State, object]]]:
    chosen: list[tuple[int, tuple[State, object]]] = []
    seen: Counter[str] = Counter()
    for index, (s, e) in enumerate(pairs(SEED, PAIRS)):
        name = classify(s, e)
        if seen[name] < PER_TRANSITION:
            seen[name] += 1
            chosen.append((index, (s, e)))
    return chosen


def _violations(kernel: Kernel | None, s: State, e: object) -> list[str]:
    """The security checks the step of ``s`` by ``e`` breaks: the spec's own step (``kernel`` is
    ``None``) or the encoding's."""
    name = classify(s, e)  # type: ignore[arg-type]
    spec_next, _ = step(s, e)  # type: ignore[arg-type]
    pre = abstract(s)
    ev = concrete_event(e)
    post = abstract(spec_next) if kernel is None else kernel.effect(pre, ev, name)
    d = _merged(domains(s), domains(spec_next), keys(post.kind), keys(post.occ))
    return [f"{name}: {p.name}.{c} at {xs}" for p in PROPERTIES for c, xs in broken(p, name, d, pre, post, ev)]


def test_spec_steps_satisfy_the_security_properties() -> None:
    """Every transition of the spec, on reachable states, keeps both properties."""
    only = os.environ.get("MLK_PAIR")
    sample = _sample()
    if only is not None:
        sample = [(i, p) for i, p in sample if i == int(only)]
    covered = {classify(s, e) for _, (s, e) in sample}  # type: ignore[arg-type]
    if only is None:
        assert covered == set(TRANSITIONS), f"transitions not sampled: {set(TRANSITIONS) - covered}"
    for index, (s, e) in sample:
        bad = _violations(None, s, e)
        assert not bad, f"{bad}; replay: MLK_PAIR={index} pytest tests/proofs/test_security.py (seed {SEED})"


def test_boundary_pairs_keep_the_properties() -> None:
    """The authority-boundary pairs: the spec and the encoding keep both properties there."""
    assert secpairs.pairs()
    for s, e in secpairs.pairs():
        assert not _violations(None, s, e)
        assert not _violations(Kernel(), s, e)


SECURITY_MUTANTS = [m for m in MUTANTS if m.target.startswith("security/")]
#: Those whose property is defined in :mod:`mlk.proofs.security` (``rights_never_grow`` is an
#: invariant family, evaluated by the preservation tests).
PROPERTY_MUTANTS = [m for m in SECURITY_MUTANTS if m.target.split("/")[2] in {p.name for p in PROPERTIES}]


@pytest.mark.parametrize("mutant", PROPERTY_MUTANTS, ids=[m.name for m in PROPERTY_MUTANTS])
def test_each_security_mutant_breaks_its_property_on_a_boundary_pair(mutant: object) -> None:
    """Each check can fail: the seeded bug breaks the property its obligation states."""
    from mlk.proofs.mutants import Mutant  # noqa: PLC0415

    assert isinstance(mutant, Mutant)
    _, transition, prop = mutant.target.split("/")
    found = [v for s, e in secpairs.pairs() if classify(s, e) == transition for v in _violations(mutant.kernel, s, e)]
    assert any(f": {prop}." in v for v in found), found


def test_every_property_has_a_mutant_and_every_transition_its_obligations() -> None:
    """One obligation per (transition, property), and a seeded bug for every property."""
    names = {o.name for o in obligations(pending=True) if o.name.startswith("security/")}
    assert names == {f"security/{t}/{p}" for t in TRANSITIONS for p in NAMES}
    assert {m.target.split("/")[2] for m in SECURITY_MUTANTS} == set(NAMES)
