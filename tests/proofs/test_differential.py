"""The encoding agrees with the spec on 10,000 random (state, event) pairs covering every
transition: the guards select exactly the transition :func:`mlk.model.kernel.classify` names, the
encoded next state read back is the spec's next state, the ghost fields of translation tables
(each table's level and VSpace) are those of the spec's next state, and (on a sample) every
family, the ghost fields' definitions included, holds on the encoded next state as the spec's
invariants do.

Replay one pair: ``MLK_PAIR=<index> pytest tests/proofs/test_differential.py``."""

from __future__ import annotations

import os
from collections import Counter

from mlk.model import invariants as spec_invariants
from mlk.model.kernel import TRANSITIONS, classify, step
from mlk.model.state import State
from mlk.proofs.concrete import abstract, domains, keys, tables_reached
from mlk.proofs.enc import Kernel, concrete_event
from mlk.proofs.invariants import ALL, INVARIANTS
from mlk.proofs.search import pairs, spec_after
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import NONE, select

PAIRS = 10_000
SEED = 4
#: Every so many pairs, the families are evaluated on the encoded next state too.
FAMILY_SAMPLE = 50


def _normal(s: State) -> State:
    """The halt status is output, not state: the encoding records only that the machine halted."""
    return s._replace(halted=None if s.halted is None else 0)


def _diff(got: State, want: State) -> list[str]:
    out = [f"object {o:#x}: {got.objects.get(o)} != {want.objects.get(o)}" for o in set(got.objects) | set(want.objects)
           if got.objects.get(o) != want.objects.get(o)]
    out += [f"slot {r}: {got.slots.get(r)} != {want.slots.get(r)}" for r in set(got.slots) | set(want.slots)
            if got.slots.get(r) != want.slots.get(r)]
    for name in ("queues", "irqs", "current", "halted"):
        if getattr(got, name) != getattr(want, name):
            out.append(f"{name}: {getattr(got, name)} != {getattr(want, name)}")
    return out[:5]


def _table_ghosts(after: SymState, spec_next: State) -> list[str]:
    """Where the encoded next state's ``ptlevel`` and ``ptvs`` differ from their definition on
    the spec's next state (the level and the VSpace each table is reached from)."""
    reached = tables_reached(spec_next)
    out = []
    ids = {int(o) for o in keys(after.ptlevel) | keys(after.ptvs) if isinstance(o, int)} | set(spec_next.objects)
    for o in sorted(ids):
        got, want = (select(after.ptlevel, o), select(after.ptvs, o)), reached.get(o, (NONE, NONE))
        if got != want:
            out.append(f"table {o:#x}: level, VSpace {got} != {want}")
    return out


def test_encoding_agrees_with_spec_step() -> None:
    kernel = Kernel()
    seen: Counter[str] = Counter()
    selected = [int(os.environ["MLK_PAIR"])] if "MLK_PAIR" in os.environ else None
    for n, (state, event) in enumerate(pairs(SEED, PAIRS)):
        if selected is not None and n not in selected:
            continue
        replay = f"replay: MLK_PAIR={n} pytest tests/proofs/test_differential.py"
        name = classify(state, event)
        seen[name] += 1
        sym, ev = abstract(state), concrete_event(event)
        chosen = [t for t, guard in kernel.guards(sym, ev).items() if guard]
        assert chosen == [name], (replay, name, chosen)
        after = kernel.effect(sym, ev, name)
        spec_next, _ = step(state, event)
        got = spec_after(state, after)
        assert _normal(got) == _normal(spec_next), (replay, name, _diff(_normal(got), _normal(spec_next)))
        assert not (ghosts := _table_ghosts(after, spec_next)), (replay, name, ghosts[:5])
        if n % FAMILY_SAMPLE == 0:
            d = domains(spec_next)
            for family in ALL:
                holds = family.holds(after, d)
                if family in INVARIANTS:
                    assert holds == spec_invariants.holds(spec_invariants.INVARIANTS[family.name], spec_next), (
                        replay,
                        family.name,
                    )
                else:
                    assert holds, (replay, family.name, family.broken(after, d))
    if selected is None:
        assert sum(seen.values()) >= PAIRS
        assert set(seen) == set(TRANSITIONS), sorted(set(TRANSITIONS) - set(seen))
