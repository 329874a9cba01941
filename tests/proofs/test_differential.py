"""The encoding agrees with the spec: on 10,000 random (state, event) pairs, evaluating
:meth:`mlk.proofs.encoding.Kernel.step` on the abstracted state gives exactly the abstraction of
:func:`mlk.model.kernel.step`'s next state, for every encoded transition."""

from __future__ import annotations

import random
from collections import Counter

from mlk.abi.syscalls import Syscall
from mlk.model import kernel
from mlk.model.events import Event, TickEvent, syscall_event
from mlk.model.state import State, Tcb
from mlk.proofs.catalogue import COVERED_TRANSITIONS
from mlk.proofs.concrete import View, abstract, observe
from mlk.proofs.encoding import EVENTS, Kernel
from mlk.proofs.smt import concrete_bool, concrete_int
from mlk.proofs.states import random_state

PAIRS = 10_000


def _event(name: str, rng: random.Random) -> Event:
    if name == "tick":
        return TickEvent()
    return syscall_event(Syscall.YIELD, cptr=rng.randrange(1 << 64), pc=rng.randrange(1 << 48))


def _view(s: State, other: State, sym: object) -> View:
    ids = {*s.objects, *other.objects, s.current, other.current}
    prios = {*s.queues, *other.queues} | {o.priority for o in s.objects.values() if isinstance(o, Tcb)}
    return observe(sym, ids, prios, concrete_int, concrete_bool)  # type: ignore[arg-type]


def test_encoding_agrees_with_spec_step() -> None:
    rng = random.Random(4)
    enc = Kernel()
    seen: Counter[str] = Counter()
    for n in range(PAIRS):
        name = list(EVENTS)[n % len(EVENTS)]
        state = random_state(rng, rng.randint(0, 6), rng.choice([2, 4, 256]))
        event = _event(name, rng)
        classified = kernel.classify(state, event)
        assert classified in COVERED_TRANSITIONS[name]
        seen[classified] += 1
        after, _ = kernel.step(state, event)
        expected = _view(after, state, abstract(after))
        got = _view(after, state, enc.step(abstract(state), name))
        assert got == expected, (n, name, state, event)
    assert set(seen) == {t for ts in COVERED_TRANSITIONS.values() for t in ts}, seen
