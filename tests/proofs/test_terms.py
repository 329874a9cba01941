"""The two backends of :mod:`mlk.proofs.terms` mean the same: each helper gives the same value on
Python values as Z3 does on the same values as literals; and the encoding of whole transitions,
evaluated by Z3 on a spec state turned into literals, reads back as the spec's next state (a
sample of pairs; the 10,000-pair differential test then runs the fast Python backend)."""

from __future__ import annotations

import random
from collections.abc import Callable

import z3

from mlk.model.events import Event
from mlk.model.kernel import classify, step
from mlk.model.state import State, Tcb
from mlk.proofs import terms
from mlk.proofs.access import exact_indices
from mlk.proofs.concrete import abstract, keys, model_reader, read_back, to_z3
from mlk.proofs.enc import Kernel, SymEvent, concrete_event
from mlk.proofs.search import pairs
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import CArray, Val


def _z3_value(t: Val) -> Val:
    v = z3.simplify(t)
    if z3.is_int_value(v):
        return v.as_long()
    if z3.is_true(v) or z3.is_false(v):
        return z3.is_true(v)
    if z3.is_bv_value(v):
        return v.as_long()
    raise AssertionError(f"not a literal: {v}")


def _lit(x: Val, bv: bool = False) -> Val:
    return z3.BitVecVal(x, terms.RIGHTS_BITS) if bv else z3.IntVal(x)


def test_helpers_agree() -> None:
    rng = random.Random(1)
    words = [0, 1, 2, 3, 15, 16, 255, (1 << 64) - 1, 1 << 63, *(rng.getrandbits(64) for _ in range(20))]
    cases: list[tuple[str, Callable[..., Val], int, bool]] = [
        ("div", lambda a: terms.div(a, 4096), 1, False),
        ("mod", lambda a: terms.mod(a, 4096), 1, False),
        ("field", lambda a: terms.field(a, 12, 20), 1, False),
        ("bit", lambda a: terms.bit(a, 3), 1, False),
        ("pow2", lambda a: terms.pow2(a % 50, 4, 47), 1, False),
        ("align_up", lambda a, b: terms.align_up(a, b % 50, 4, 47), 2, False),
        ("aligned", lambda a, b: terms.aligned(a, b % 50, 4, 47), 2, False),
        ("bor", terms.bor, 2, False),
        ("rights_of", terms.rights_of, 1, False),
    ]
    for name, fn, arity, _ in cases:
        for _ in range(60):
            args = [rng.choice(words) for _ in range(arity)]
            assert fn(*args) == _z3_value(fn(*map(_lit, args))), (name, args)
    for _ in range(100):
        a, b = rng.randrange(16), rng.randrange(16)
        assert terms.r_and(a, b) == _z3_value(terms.r_and(_lit(a, True), _lit(b, True)))
        assert terms.r_subset(a, b) == _z3_value(terms.r_subset(_lit(a, True), _lit(b, True)))
        assert terms.r_bit(a, b % 4) == _z3_value(terms.r_bit(_lit(a, True), b % 4))


def test_z3_backend_agrees_on_a_sample_of_pairs() -> None:
    kernel = Kernel()
    by: dict[str, tuple[State, Event]] = {}
    for s, e in pairs(21, 600):
        by.setdefault(classify(s, e), (s, e))
    assert len(by) >= 30
    for name, (s, e) in sorted(by.items()):
        sym = abstract(s)
        ev = concrete_event(e)
        lit = to_z3(sym)
        zev = SymEvent(
            z3.IntVal(ev.kind),
            z3.BoolVal(bool(ev.has_ctx)),
            z3.Store(z3.K(z3.IntSort(), z3.IntVal(0)), 0, 0) if not keys(ev.ctx) else _ctx(ev.ctx),
            z3.IntVal(ev.irq),
            z3.IntVal(ev.fkind),
            z3.IntVal(ev.esr),
            z3.IntVal(ev.far),
        )
        assert _z3_value(kernel.guard(lit, zev, name)), name
        after = kernel.effect(lit, zev, name)
        solver = z3.Solver()
        solver.add(*(exact_indices(c) for c in kernel.side_conditions()))
        assert solver.check() == z3.sat, name
        concrete_after = kernel.effect(sym, ev, name)
        spec_next, _ = step(s, e)
        objects = set(s.objects) | set(spec_next.objects)
        slots = set(s.slots) | set(spec_next.slots)
        machine = s.machine
        prios = set(s.queues) | set(spec_next.queues)
        prios |= {t.priority for t in spec_next.objects.values() if isinstance(t, Tcb)}
        lines = set(s.irqs) | set(spec_next.irqs)
        after = SymState({n: exact_indices(v) for n, v in after.f.items()})
        got = read_back(after, machine, objects, slots, prios, lines, model_reader(solver.model()))
        want = read_back(concrete_after, machine, objects, slots, prios, lines)
        assert got == want, name


def _ctx(arr: CArray) -> Val:
    out = z3.K(z3.IntSort(), z3.IntVal(0))
    for k, v in arr.entries.items():
        out = z3.Store(out, k, v)
    return out
