"""Proof obligations and what discharging one yields.

An :class:`Obligation` is one claim, named ``family/transition/property`` (for example
``preserve/tick/ready_queues``). Building its :class:`Query` is deferred until a worker process
discharges it, so that listing obligations is cheap.

A query is an implication: its ``hypotheses`` (the invariants of the state before, the meaning of
the transition) imply each of its ``goals``. Each goal is a named conjunct whose universally
quantified variables were replaced by fresh *witness* constants, so that a counterexample names
the conjunct that broke and the objects it broke at. Discharging asserts the hypotheses and the
negation of the goals' conjunction: *unsat* means proved for all states, *sat* gives a
counterexample, anything else (Z3's *unknown*, the time limit) is reported as unknown.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import z3

from mlk.proofs.encoding import SCANNED_PRIORITIES
from mlk.proofs.smt import Bool, Int, Model, is_true
from mlk.proofs.symstate import SymState, bounded


class Status(StrEnum):
    """How an obligation ended."""

    PROVED = "proved"
    REFUTED = "refuted"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Goal:
    """One conjunct to prove: ``name`` (as the invariant catalogue names it) and the term, with
    its quantified variables replaced by witnesses."""

    name: str
    term: Bool


@dataclass(frozen=True)
class Query:
    """An implication to prove, the witnesses of its goals, and a renderer that turns a
    counterexample model into a small readable abstract state (before and after)."""

    hypotheses: Sequence[Bool]
    goals: Sequence[Goal]
    witnesses: Sequence[Int]
    render: Callable[[Model], str]


#: Where to instantiate the quantified hypotheses (``None``: keep the quantifiers).
Points = Sequence[Int] | None


@dataclass(frozen=True)
class Obligation:
    """A named claim; ``bound`` states any finite bound the proof needs (``None``: none), and is
    printed next to the obligation."""

    name: str
    build: Callable[[SymState, Points], Query]
    bound: str | None = None


@dataclass
class Outcome:
    """The result of one obligation. ``conjunct`` is the goal that a counterexample falsifies,
    ``counterexample`` its rendering; ``reason`` explains an unknown."""

    name: str
    status: Status
    seconds: float
    bound: str | None = None
    conjunct: str | None = None
    counterexample: str | None = None
    reason: str | None = None
    cached: bool = field(default=False, compare=False)

    def to_json(self) -> dict[str, object]:
        """The outcome as a JSON object (the ``--json`` report and the cache use it)."""
        return {
            "name": self.name,
            "status": str(self.status),
            "seconds": round(self.seconds, 4),
            "bound": self.bound,
            "conjunct": self.conjunct,
            "counterexample": self.counterexample,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Outcome:
        """Rebuild an outcome written by :meth:`to_json`."""

        def opt(key: str) -> str | None:
            value = data.get(key)
            return None if value is None else str(value)

        seconds = data["seconds"]
        assert isinstance(seconds, int | float)
        return cls(
            name=str(data["name"]),
            status=Status(str(data["status"])),
            seconds=float(seconds),
            bound=opt("bound"),
            conjunct=opt("conjunct"),
            counterexample=opt("counterexample"),
            reason=opt("reason"),
        )


#: Sizes (objects, queues, queue entries) of the small states searched for counterexamples.
SEARCH_SIZES = (2, 3, 4)
#: Share of the time limit the counterexample search may use.
SEARCH_SHARE = 0.25


def _solver(seconds: float) -> z3.Solver:
    solver = z3.Solver()
    solver.set("timeout", max(1, int(seconds * 1000)))
    return solver


def _validated(obligation: Obligation, model: Model, state: SymState, seconds: float) -> list[str]:
    """Replay a candidate counterexample on the concrete state it describes: every hypothesis
    must be *proved* of that state, and the goals it breaks must evaluate to false. Returns the
    names of the broken goals (empty: not a genuine counterexample)."""
    concrete = SymState(**{name: model.eval(getattr(state, name), model_completion=True) for name in state.names()})
    query = obligation.build(concrete, None)
    for hypothesis in query.hypotheses:
        solver = _solver(seconds)
        solver.add(z3.Not(hypothesis))
        if solver.check() != z3.unsat:
            return []
    values = [(w, model.eval(w, model_completion=True)) for w in query.witnesses]
    return [g.name for g in query.goals if z3.is_false(z3.simplify(z3.substitute(g.term, *values) if values else g.term))]


def _search(obligation: Obligation, seconds: float) -> Outcome | None:
    """Look for a counterexample among small states (see :func:`mlk.proofs.symstate.bounded`)."""
    start = time.perf_counter()
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
            broken = _validated(obligation, model, state, max(1.0, left))
            if broken:
                return Outcome(
                    obligation.name,
                    Status.REFUTED,
                    time.perf_counter() - start,
                    obligation.bound,
                    conjunct=", ".join(broken),
                    counterexample=query.render(model),
                )
    return None


def discharge(obligation: Obligation, timeout: float) -> Outcome:
    """Decide ``obligation`` within about ``timeout`` seconds (the runner adds a hard limit).

    First a short search for a counterexample among small states; a candidate counts only after
    it was replayed on its concrete state (:func:`_validated`). Then the proof proper, over
    arbitrary states: *proved* only when Z3 answers *unsat*. Z3's quantifier reasoning rarely
    produces models of the unbounded problem, which is why refutations come from the search.
    """
    start = time.perf_counter()
    found = _search(obligation, timeout * SEARCH_SHARE)
    if found is not None:
        found.seconds = time.perf_counter() - start
        return found
    query = obligation.build(SymState.fresh("pre"), None)
    solver = _solver(max(0.001, timeout - (time.perf_counter() - start)))
    solver.add(*query.hypotheses)
    solver.add(z3.Not(z3.And(*[g.term for g in query.goals])))
    answer = solver.check()
    seconds = time.perf_counter() - start
    if answer == z3.unsat:
        return Outcome(obligation.name, Status.PROVED, seconds, obligation.bound)
    if answer == z3.sat:
        model = solver.model()
        broken = [g.name for g in query.goals if not is_true(model, g.term)]
        return Outcome(
            obligation.name,
            Status.REFUTED,
            seconds,
            obligation.bound,
            conjunct=", ".join(broken) or "?",
            counterexample=query.render(model),
        )
    return Outcome(obligation.name, Status.UNKNOWN, seconds, obligation.bound, reason=str(solver.reason_unknown()))
