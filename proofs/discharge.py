"""Deciding an obligation.

In order:

1. **frame**: when every field the goal's family reads is, term for term, the field of the state
   before, the goal is one of the hypotheses: proved without the solver; then the query's
   **lemmas** (:class:`mlk.proofs.obligation.Lemma`), each under its own few hypotheses: a lemma
   not proved leaves the obligation unknown; proved, it is assumed by every attempt below;
2. **focused proof**, goal by goal: a goal with hypotheses known to suffice for it
   (:data:`mlk.proofs.catalogue.GOAL_FOCUS`) under those first, every goal under the smallest set
   of hypotheses next (its own family with the shapes of objects and capabilities), then each goal left under every
   family and under the families it is known to depend on (:data:`mlk.proofs.catalogue.FOCUS`),
   with small resource limits; with fewer quantified hypotheses Z3 instantiates far less (a goal
   that the smallest set proves in milliseconds can time out under a larger one, and some goals
   are proved faster under every family than under a focus set). Fewer hypotheses make a weaker
   assumption, so *unsat* here is a proof. Each attempt has a resource limit (a count of solver
   steps, so that the outcome does not depend on the machine's load);
3. **full proof** of the goals left, under every hypothesis, with a larger resource limit, until
   a share of the time limit is left;
4. **counterexample search** on concrete reachable states (:mod:`mlk.proofs.search`), in that
   share: Z3 rarely finds models of false quantified obligations, but evaluating the encoding on
   real states finds bugs quickly, and shows them as spec states. A seeded bug (expected to
   fail) is searched first, before any proof attempt.

Only an *unsat* answer is a proof. A *sat* answer of the full proof is a counterexample (Z3's
models of quantified formulas satisfy them); Z3's unknown, its time limit or the runner's hard
limit give *unknown* (exit status 2), never *proved*.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

import z3

from mlk.proofs.counterexample import render_model
from mlk.proofs.obligation import Goal, Obligation, Outcome, Query, Status
from mlk.proofs.terms import Val

#: Share of the time limit for the counterexample search (for a seeded bug, which is searched
#: first because it is expected to fail, a larger one).
SEARCH_SHARE = 0.15
MUTANT_SEARCH_SHARE = 0.6
#: The solver's resource limits (deterministic counts of its steps, about a million per second on
#: the reference machine): a focused attempt under a goal's own family, under every family, under
#: the focus families, and the full proof.
OWN_RLIMIT = 500_000
ALL_RLIMIT = 1_000_000
FOCUS_RLIMIT = 3_000_000
FULL_RLIMIT = 40_000_000
#: The limit of each lemma's proof.
LEMMA_RLIMIT = 2_000_000
#: The limits of the tiers of a preservation query (:attr:`Query.focus`); a query with one tier
#: (the security obligations) tries it with :data:`FOCUS_RLIMIT`.
TIER_RLIMITS = (OWN_RLIMIT, ALL_RLIMIT, FOCUS_RLIMIT)


def _check(
    hypotheses: Sequence[Val], goals: Sequence[Goal], deadline: float, rlimit: int
) -> tuple[str, Goal | None, object]:
    """Prove each goal under ``hypotheses`` with ``rlimit`` steps each, all before ``deadline``:
    ("unsat", None, None) when all are proved, ("sat", goal, model) for a refuted goal,
    ("unknown", goal, reason) otherwise."""
    for goal in goals:
        left = deadline - time.perf_counter()
        if left <= 0:
            return "unknown", goal, "time limit reached"
        solver = z3.Solver()
        solver.set("timeout", max(1, int(left * 1000)))
        solver.set("rlimit", rlimit)
        solver.add(*hypotheses, *goal.hints)
        solver.add(z3.Not(goal.term))
        answer = solver.check()
        if answer == z3.sat:
            return "sat", goal, solver.model()
        if answer != z3.unsat:
            return "unknown", goal, solver.reason_unknown()
    return "unsat", None, None


def _focused(
    tiers: Sequence[Sequence[Val]],
    goals: Sequence[Goal],
    deadline: float,
    limits: Sequence[int] = (),
    facts: Sequence[Val] = (),
) -> list[Goal]:
    """The goals that the tiers of hypotheses leave unproved. A goal with its own focus is
    tried under it first (its ``focus_rlimit``, default :data:`FOCUS_RLIMIT`). With several
    tiers (limits ``limits``, default :data:`TIER_RLIMITS`; a tier whose limit is 0 is skipped) the first (the
    goal's own family) tries every goal; then each goal left in turn is tried under each later
    tier, and the first goal that none proves stops the focused proof (the full proof takes
    over); a goal no tier proves whole is tried in its parts (:func:`split`) through the same
    tiers first. Every attempt assumes ``facts`` too (the proved lemmas)."""
    limits = tuple(limits) or (TIER_RLIMITS if len(tiers) > 1 else (FOCUS_RLIMIT,) * len(tiers))
    tiers = [[*tier, *facts] for tier in tiers]
    left = [
        g
        for g in goals
        if not g.focus or _check([*g.focus, *facts], [g], deadline, g.focus_rlimit or FOCUS_RLIMIT)[0] != "unsat"
    ]
    first = len(tiers) > 1 and limits[0] > 0
    if first:
        left = [g for g in left if _check(tiers[0], [g], deadline, limits[0])[0] != "unsat"]
    rest = [(h, rl) for h, rl in list(zip(tiers, limits, strict=True))[1 if len(tiers) > 1 else 0 :] if rl]

    def tiered(goal: Goal) -> bool:
        return any(_check(h, [goal], deadline, rl)[0] == "unsat" for h, rl in rest)

    def in_parts(goal: Goal) -> bool:
        parts = split(goal)
        return len(parts) > 1 and all(
            (first and _check(tiers[0], [p], deadline, limits[0])[0] == "unsat") or tiered(p) for p in parts
        )

    while left and (tiered(left[0]) or in_parts(left[0])):
        left.pop(0)
    return left


def split(goal: Goal) -> list[Goal]:
    """The parts of a conjunctive goal, which together are the goal: ``B1 and ... and Bn`` gives
    each ``Bk``, and ``A1 or ... or (B1 and ... and Bn)`` (an implication ``A -> B1 and ...``)
    each ``A1 or ... or Bk``; any other goal is its only part. A goal that no tier proves whole
    is tried in parts (``valid_queues.entries`` after Revoke: each of its four parts takes under
    a million steps under the focus families, the whole more than forty million)."""
    term = goal.term
    if not z3.is_expr(term):
        return [goal]
    if z3.is_and(term):
        return [replace(goal, term=b) for b in term.children()]
    if z3.is_or(term):
        ds = term.children()
        for k, d in enumerate(ds):
            if z3.is_and(d):
                return [replace(goal, term=z3.Or(*ds[:k], b, *ds[k + 1 :])) for b in d.children()]
    return [goal]


def discharge(obligation: Obligation, timeout: float) -> Outcome:
    """Decide ``obligation`` within about ``timeout`` seconds (the runner adds a hard limit)."""
    start = time.perf_counter()
    deadline = start + timeout

    def outcome(
        status: Status,
        method: str,
        conjunct: str | None = None,
        counterexample: str | None = None,
        reason: str | None = None,
    ) -> Outcome:
        return Outcome(
            obligation.name,
            status,
            time.perf_counter() - start,
            obligation.bound,
            conjunct=conjunct,
            counterexample=counterexample,
            reason=reason,
            method=method,
        )

    def searched() -> Outcome | None:
        if obligation.search is None:
            return None
        found = obligation.search(timeout * (MUTANT_SEARCH_SHARE if obligation.search_first else SEARCH_SHARE))
        if found is None:
            return None
        broken, text = found
        return outcome(Status.REFUTED, "search", conjunct=", ".join(broken), counterexample=text)

    if obligation.search_first and (early := searched()) is not None:
        return early
    query: Query = obligation.build()
    if query.frame:
        return outcome(Status.PROVED, "frame")
    facts: list[Val] = []
    for lemma in query.lemmas:
        answer, _, info = _check([*lemma.hypotheses, *facts], [Goal(lemma.name, lemma.term)], deadline, LEMMA_RLIMIT)
        if answer != "unsat":
            return outcome(Status.UNKNOWN, "lemma", reason=f"lemma {lemma.name} not proved: {answer} {info or ''}")
        facts.append(lemma.term)
    left = _focused(query.focus, query.goals, deadline, query.limits, facts)
    if not left:
        return outcome(Status.PROVED, "focused")
    reserve = 0.0 if obligation.search_first or obligation.search is None else timeout * SEARCH_SHARE
    answer, goal, info = _check([*query.hypotheses, *facts], left, deadline - reserve, FULL_RLIMIT)
    if answer == "unsat":
        return outcome(Status.PROVED, "full")
    assert goal is not None
    if answer == "sat":
        text = render_model(info, query, goal)
        return outcome(Status.REFUTED, "full", conjunct=goal.name, counterexample=text)
    if not obligation.search_first and (found := searched()) is not None:
        return found
    return outcome(Status.UNKNOWN, "full", reason=f"{goal.name}: {info}")
