"""Deciding an obligation: counterexample search, then proof.

Z3's quantifier reasoning proves the unbounded obligations quickly but rarely produces a model of a
false one (it answers *unknown* instead). So a counterexample is searched for first, among small
states, in two ways: symbolically (:func:`mlk.proofs.symstate.bounded`, quantifiers instantiated at
the state's few points) and by evaluating the encoding on random small spec states
(:func:`mlk.proofs.states.random_state`). A candidate counts only once replayed on its concrete
state (:func:`validated`): every hypothesis is *proved* of that state by Z3 and the broken goals
evaluate to false. Then comes the proof proper over arbitrary states: *proved* only on *unsat*.
"""

from __future__ import annotations

import itertools
import random
import time

import z3

from mlk.proofs.concrete import abstract
from mlk.proofs.encoding import SCANNED_PRIORITIES
from mlk.proofs.obligation import Obligation, Outcome, Query, Status
from mlk.proofs.smt import Model, is_true
from mlk.proofs.states import random_state
from mlk.proofs.symstate import SymState, bounded

#: Sizes (objects, queues, queue entries) of the small symbolic states searched.
SEARCH_SIZES = (2,)
#: Share of the time limit for the first proof attempt, and for each counterexample search.
FIRST_PROOF_SHARE = 0.2
SEARCH_SHARE = 0.1
#: Random states tried, their largest number of threads and their number of priorities.
RANDOM_STATES = 200
RANDOM_THREADS = 5
RANDOM_PRIORITIES = 4


def _solver(seconds: float) -> z3.Solver:
    solver = z3.Solver()
    solver.set("timeout", max(1, int(seconds * 1000)))
    return solver


def validated(obligation: Obligation, concrete: SymState, model: Model, seconds: float) -> list[str]:
    """Replay a candidate counterexample on the literal state ``concrete`` with witness values
    from ``model``: the names of the goals it breaks, empty if it is not genuine."""
    query = obligation.build(concrete, None)
    for hypothesis in query.hypotheses:
        solver = _solver(seconds)
        solver.add(z3.Not(hypothesis))
        if solver.check() != z3.unsat:
            return []
    values = [(w, model.eval(w, model_completion=True)) for w in query.witnesses]
    return [
        g.name for g in query.goals if z3.is_false(z3.simplify(z3.substitute(g.term, *values) if values else g.term))
    ]


def _refuted(obligation: Obligation, query: Query, model: Model, broken: list[str], start: float) -> Outcome:
    return Outcome(
        obligation.name,
        Status.REFUTED,
        time.perf_counter() - start,
        obligation.bound,
        conjunct=", ".join(broken),
        counterexample=query.render(model),
    )


def _symbolic_search(obligation: Obligation, seconds: float, start: float) -> Outcome | None:
    for size in SEARCH_SIZES:
        left = seconds - (time.perf_counter() - start)
        if left <= 0:
            return None
        state, constraints, points = bounded("pre", size)
        token = SCANNED_PRIORITIES.set(size)
        try:
            query = obligation.build(state, points)
        finally:
            SCANNED_PRIORITIES.reset(token)
        solver = _solver(left)
        solver.add(*constraints, *(z3.simplify(h) for h in query.hypotheses))
        solver.add(z3.simplify(z3.Not(z3.And(*[g.term for g in query.goals]))))
        if solver.check() == z3.sat:
            model = solver.model()
            concrete = SymState(**{n: model.eval(getattr(state, n), model_completion=True) for n in state.names()})
            broken = validated(obligation, concrete, model, max(1.0, left))
            if broken:
                return _refuted(obligation, obligation.build(concrete, None), model, broken, start)
    return None


def _random_search(obligation: Obligation, seconds: float, start: float) -> Outcome | None:
    rng = random.Random(obligation.name)
    for _ in range(RANDOM_STATES):
        if time.perf_counter() - start > seconds:
            return None
        spec_state = random_state(rng, rng.randint(1, RANDOM_THREADS), RANDOM_PRIORITIES)
        concrete = abstract(spec_state)
        query = obligation.build(concrete, None)
        candidates = [z3.IntVal(v) for v in sorted({*spec_state.objects, *range(-1, RANDOM_THREADS + 1)})]
        for goal in query.goals:
            mine = list(goal.witnesses)
            for values in itertools.product(candidates, repeat=len(mine)):
                pairs = list(zip(mine, values, strict=True))
                if not z3.is_false(z3.simplify(z3.substitute(goal.term, *pairs) if pairs else goal.term)):
                    continue
                solver = z3.Solver()
                solver.add(*[w == v for w, v in pairs])
                solver.check()
                model = solver.model()
                broken = validated(obligation, concrete, model, max(1.0, seconds))
                if broken:
                    return _refuted(obligation, query, model, broken, start)
    return None


def _prove(obligation: Obligation, seconds: float, start: float) -> Outcome:
    query = obligation.build(SymState.fresh("pre"), None)
    solver = _solver(max(0.001, seconds))
    solver.add(*query.hypotheses)
    solver.add(z3.Not(z3.And(*[g.term for g in query.goals])))
    answer = solver.check()
    seconds = time.perf_counter() - start
    if answer == z3.unsat:
        return Outcome(obligation.name, Status.PROVED, seconds, obligation.bound)
    if answer == z3.sat:
        model = solver.model()
        broken = [g.name for g in query.goals if not is_true(model, g.term)]
        return _refuted(obligation, query, model, broken or ["?"], start)
    return Outcome(obligation.name, Status.UNKNOWN, seconds, obligation.bound, reason=str(solver.reason_unknown()))


def discharge(obligation: Obligation, timeout: float) -> Outcome:
    """Decide ``obligation`` within about ``timeout`` seconds (the runner adds a hard limit): a
    first proof attempt, then the counterexample searches, then the proof with the time left."""
    start = time.perf_counter()
    first = _prove(obligation, timeout * FIRST_PROOF_SHARE, start)
    if first.status != Status.UNKNOWN:
        return first
    found = _symbolic_search(obligation, timeout * SEARCH_SHARE, time.perf_counter()) or _random_search(
        obligation, timeout * SEARCH_SHARE, time.perf_counter()
    )
    if found is not None:
        found.seconds = time.perf_counter() - start
        return found
    outcome = _prove(obligation, timeout - (time.perf_counter() - start), start)
    if outcome.status == Status.UNKNOWN:
        outcome.reason = f"{outcome.reason}; no counterexample among small states"
    return outcome
