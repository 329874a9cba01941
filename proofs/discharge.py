"""Deciding an obligation.

In order:

1. **frame**: when every field the goal's family reads is, term for term, the field of the state
   before, the goal is one of the hypotheses: proved without the solver (so is each conjunct
   whose fields are unchanged, :attr:`mlk.proofs.obligation.Query.framed`); then the query's
   **lemmas** (:class:`mlk.proofs.obligation.Lemma`), each under its own few hypotheses and the
   lemmas before it that it uses: a lemma not proved leaves the obligation unknown; proved, it is
   assumed by every attempt below (unless it serves only later lemmas and hints);
2. **focused proof**, goal by goal: a goal with hypotheses known to suffice for it
   (:data:`mlk.proofs.catalogue.GOAL_FOCUS`) under those first, every goal under the smallest set
   of hypotheses next (its own family with the shapes of objects and capabilities), then each goal left under every
   family and under the families it is known to depend on (:data:`mlk.proofs.catalogue.FOCUS`),
   with small resource limits; with fewer quantified hypotheses Z3 instantiates far less (a goal
   that the smallest set proves in milliseconds can time out under a larger one, and some goals
   are proved faster under every family than under a focus set). Fewer hypotheses make a weaker
   assumption, so *unsat* here is a proof. Each attempt has a resource limit (a count of solver
   steps, so that the outcome does not depend on the machine's load);
3. **full proof** of the goals left, under every hypothesis, with a larger resource limit;
4. **counterexample search** on concrete reachable states (:mod:`mlk.proofs.search`), in a
   share of the time limit: Z3 rarely finds models of false quantified obligations, but
   evaluating the encoding on real states finds bugs quickly, and shows them as spec states. A
   seeded bug (expected to fail) is searched first, before any proof attempt.

Every solver attempt is bounded by a count of solver steps (Z3's ``rlimit``), never by wall
time, so that what is proved does not depend on the machine's load; the time limit of the
obligation is only a safety net (the runner's hard limit, and the solver's timeout set to what is
left of it).

**Hints** (:mod:`mlk.proofs.hints`): a goal may come with the attempt that proved it in an
earlier run (its label, :data:`GOAL`, ``t0``..., :data:`FULL` or :data:`PARTS`). That attempt is
made first, alone; if it does not answer *unsat* (a stale hint) the goal goes through the whole
sequence above, without repeating the attempt that failed. A hint changes only the order of the
attempts, never what an attempt assumes: the proof is still an *unsat* answer of this run.

Only an *unsat* answer is a proof. A *sat* answer of the full proof is a counterexample (Z3's
models of quantified formulas satisfy them); Z3's unknown, its time limit or the runner's hard
limit give *unknown* (exit status 2), never *proved*.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import z3

from mlk.proofs.counterexample import render_model
from mlk.proofs.obligation import Goal, Obligation, Outcome, Query, Status
from mlk.proofs.terms import Val

#: Share of the time limit for the counterexample search (for a seeded bug, which is searched
#: first because it is expected to fail, a larger one).
SEARCH_SHARE = 0.15
MUTANT_SEARCH_SHARE = 0.6
#: The solver's resource limits (deterministic counts of its steps, 0.5 to 2 million per second
#: on the reference machine depending on the query): a focused attempt under a goal's own family,
#: under every family, under the focus families, and the full proof (the largest full proof of the
#: suite takes 7 million steps, a few seconds at any load seen; a goal that no attempt proves
#: may reach the time limit first under heavy load, and is unknown either way).
OWN_RLIMIT = 500_000
ALL_RLIMIT = 1_000_000
FOCUS_RLIMIT = 3_000_000
FULL_RLIMIT = 20_000_000
#: The limit of each lemma's proof.
LEMMA_RLIMIT = 2_000_000
#: The limits of the tiers of a preservation query (:attr:`Query.focus`); a query with one tier
#: (the security obligations) tries it with :data:`FOCUS_RLIMIT`.
TIER_RLIMITS = (OWN_RLIMIT, ALL_RLIMIT, FOCUS_RLIMIT)

#: Labels of the attempts that prove a goal (:attr:`mlk.proofs.obligation.Outcome.proofs`, and
#: the hints): under the goal's own focus (:attr:`Goal.focus`), under every hypothesis (the full
#: proof), by frame without the solver (:attr:`Query.framed`, never attempted), in parts
#: (:func:`split`; the label is ``parts:`` followed by the label of each part, comma-separated);
#: ``t<k>`` is the ``k``-th tier of :attr:`Query.focus` (``t0`` the goal's own family, ``t1``
#: every family, ``t2`` the focus families of a preservation query).
GOAL = "goal"
FULL = "full"
FRAME = "frame"
PARTS = "parts:"


@dataclass
class _Tally:
    """What one discharge spent and how it proved each goal: the solver steps of every attempt,
    the label of the attempt that proved each goal, and the attempts that failed (``(goal or
    part, label)``, not repeated)."""

    steps: int = 0
    proofs: dict[str, str] = field(default_factory=dict)
    failed: set[tuple[str, str]] = field(default_factory=set)


def _count(solver: z3.Solver) -> int:
    """The count of solver steps of the Z3 context so far (it grows across solvers)."""
    try:
        return int(solver.statistics().get_key_value("rlimit count"))
    except z3.Z3Exception:  # no step counted yet
        return 0


def _check(
    hypotheses: Sequence[Val], goals: Sequence[Goal], deadline: float, rlimit: int, tally: _Tally
) -> tuple[str, Goal | None, object]:
    """Prove each goal under ``hypotheses`` with ``rlimit`` steps each (``deadline`` is only a
    safety net): ("unsat", None, None) when all are proved, ("sat", goal, model) for a refuted
    goal, ("unknown", goal, reason) otherwise. The steps spent are added to ``tally``."""
    for goal in goals:
        left = deadline - time.perf_counter()
        if left <= 0:
            return "unknown", goal, "time limit reached"
        solver = z3.Solver()
        solver.set("timeout", max(1, int(left * 1000)))
        solver.set("rlimit", rlimit)
        term, hints = goal.stated()
        solver.add(*hypotheses, *hints)
        solver.add(z3.Not(term))
        before = _count(solver)
        answer = solver.check()
        tally.steps += _count(solver) - before
        if answer == z3.sat and goal.generalized:
            return "unknown", goal, "a model of the generalized goal (Goal.generalized) is no counterexample"
        if answer == z3.sat:
            return "sat", goal, solver.model()
        if answer != z3.unsat:
            return "unknown", goal, solver.reason_unknown()
    return "unsat", None, None


class _Attempts:
    """The attempts that ``query`` offers its goals, by label (:data:`GOAL`), each assuming
    ``facts`` too (the proved lemmas)."""

    def __init__(self, query: Query, facts: Sequence[Val], deadline: float, tally: _Tally) -> None:
        tiers = query.focus
        limits = tuple(query.limits) or (TIER_RLIMITS if len(tiers) > 1 else (FOCUS_RLIMIT,) * len(tiers))
        self.tiers = {
            f"t{k}": ([*tier, *facts], rl) for k, (tier, rl) in enumerate(zip(tiers, limits, strict=True)) if rl
        }
        #: With several tiers the first (the goal's own family) is tried on every goal before the
        #: others are tried goal by goal.
        self.first = ["t0"] if len(tiers) > 1 and "t0" in self.tiers else []
        self.rest = [label for label in self.tiers if label not in self.first]
        self.everything = ([*query.hypotheses, *facts], FULL_RLIMIT)
        self.facts = facts
        self.deadline = deadline
        self.tally = tally

    def attempt(self, goal: Goal, label: str, key: str) -> bool:
        """Whether the attempt ``label`` (not :data:`PARTS`) proves ``goal``, named ``key`` (a
        goal or a part); an attempt that failed before, or that the query does not offer, fails."""
        if (key, label) in self.tally.failed:
            return False
        if label == GOAL:
            offered = ([*goal.focus, *self.facts], goal.focus_rlimit or FOCUS_RLIMIT) if goal.focus else None
        elif label == FULL:
            offered = self.everything
        else:
            offered = self.tiers.get(label)
        if offered is not None and _check(offered[0], [goal], self.deadline, offered[1], self.tally)[0] == "unsat":
            return True
        self.tally.failed.add((key, label))
        return False

    def prove(self, goal: Goal, labels: Sequence[str]) -> bool:
        """Whether the first of ``labels`` that proves ``goal`` exists (it is recorded)."""
        for label in labels:
            if self.attempt(goal, label, goal.name):
                self.tally.proofs[goal.name] = label
                return True
        return False

    def prove_parts(self, goal: Goal, labels: Sequence[Sequence[str]] | None = None) -> bool:
        """Whether ``goal``, of several parts (:func:`split`), is proved part by part: part ``k``
        by the first of ``labels[k]`` that proves it (default: the tiers in order)."""
        parts = split(goal)
        if len(parts) < 2 or (labels is not None and len(labels) != len(parts)):
            return False
        used = []
        for k, part in enumerate(parts):
            tried = labels[k] if labels is not None else [*self.first, *self.rest]
            label = next((lb for lb in tried if self.attempt(part, lb, f"{goal.name}#{k}")), None)
            if label is None:
                return False
            used.append(label)
        self.tally.proofs[goal.name] = PARTS + ",".join(used)
        return True

    def cheapest(self, goal: Goal, labels: Sequence[str]) -> bool:
        """Whether one of ``labels`` proves ``goal``, trying them all (calibration): the one that
        proves it in the fewest steps is recorded."""
        best: tuple[int, str] | None = None
        for label in labels:
            before = self.tally.steps
            if self.attempt(goal, label, goal.name) and (best is None or self.tally.steps - before < best[0]):
                best = (self.tally.steps - before, label)
        if best is not None:
            self.tally.proofs[goal.name] = best[1]
        return best is not None

    def hinted(self, goal: Goal, hint: str) -> bool:
        """Whether the attempt ``hint`` (a label recorded by an earlier run) proves ``goal``."""
        if hint.startswith(PARTS):
            return self.prove_parts(goal, [[label] for label in hint.removeprefix(PARTS).split(",")])
        return self.prove(goal, [hint])


def _focused(attempts: _Attempts, goals: Sequence[Goal], hints: Mapping[str, str], calibrate: bool) -> list[Goal]:
    """The goals that the focused attempts leave unproved. A goal with a hint is tried by that
    attempt first. Then a goal with its own focus is tried under it (its ``focus_rlimit``, default
    :data:`FOCUS_RLIMIT`); the first tier (the goal's own family, when there are several) tries
    every goal left; then each goal left in turn is tried under each later tier, and the first
    goal that none proves stops the focused proof (the full proof takes over); a goal no tier
    proves whole is tried in its parts (:func:`split`) through every tier first. To
    ``calibrate``, every goal is tried under its focus and every tier instead, and the cheapest
    attempt that proves it is recorded (:meth:`_Attempts.cheapest`); the goals none proves whole
    are then tried in parts as above, and so are those whose focus is meant for parts
    (:attr:`Goal.split_focus`: their focus in parts first, as without calibrating)."""
    if calibrate:
        every = [*attempts.first, *attempts.rest]
        goals = [g for g in goals if g.split_focus or not attempts.cheapest(g, [*([GOAL] if g.focus else []), *every])]
    left = [g for g in goals if not (g.name in hints and attempts.hinted(g, hints[g.name]))]
    left = [g for g in left if not (g.focus and _under_focus(attempts, g))]
    left = [g for g in left if not attempts.prove(g, attempts.first)]
    while left and (attempts.prove(left[0], attempts.rest) or attempts.prove_parts(left[0])):
        left.pop(0)
    return left


def _under_focus(attempts: _Attempts, goal: Goal) -> bool:
    """Whether ``goal`` is proved under its own focus: part by part first when its focus is
    meant for parts (:attr:`Goal.split_focus`), whole otherwise or when that fails."""
    if goal.split_focus and attempts.prove_parts(goal, [[GOAL]] * len(split(goal))):
        return True
    return attempts.prove(goal, [GOAL])


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


def discharge(
    obligation: Obligation, timeout: float, hints: Mapping[str, str] | None = None, calibrate: bool = False
) -> Outcome:
    """Decide ``obligation`` within about ``timeout`` seconds (the runner adds a hard limit);
    ``hints`` maps goal names to the label of the attempt that proved them before. With
    ``calibrate`` every attempt is made on every goal, to record the cheapest (the hints of later
    runs): slower, and as much a proof."""
    start = time.perf_counter()
    deadline = start + timeout
    tally = _Tally()

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
            steps=tally.steps,
            proofs=dict(tally.proofs) if status == Status.PROVED else {},
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
    tally.proofs.update(dict.fromkeys(query.framed, FRAME))
    proved: dict[str, Val] = {}
    for lemma in query.lemmas:
        earlier = proved.values() if lemma.uses is None else [proved[name] for name in lemma.uses]
        hypotheses = [*lemma.hypotheses, *earlier]
        answer, _, info = _check(hypotheses, [Goal(lemma.name, lemma.term)], deadline, LEMMA_RLIMIT, tally)
        if answer != "unsat":
            return outcome(Status.UNKNOWN, "lemma", reason=f"lemma {lemma.name} not proved: {answer} {info or ''}")
        proved[lemma.name] = lemma.term
    facts = [lemma.term for lemma in query.lemmas if lemma.assumed]
    left = _focused(_Attempts(query, facts, deadline, tally), query.goals, hints or {}, calibrate)
    if not left:
        return outcome(Status.PROVED, "focused")
    reserve = 0.0 if obligation.search_first or obligation.search is None else timeout * SEARCH_SHARE
    answer, goal, info = _check([*query.hypotheses, *facts], left, deadline - reserve, FULL_RLIMIT, tally)
    if answer == "unsat":
        tally.proofs.update(dict.fromkeys((g.name for g in left), FULL))
        return outcome(Status.PROVED, "full")
    assert goal is not None
    if answer == "sat":
        text = render_model(info, query, goal)
        return outcome(Status.REFUTED, "full", conjunct=goal.name, counterexample=text)
    if not obligation.search_first and (found := searched()) is not None:
        return found
    return outcome(Status.UNKNOWN, "full", reason=f"{goal.name}: {info}")
