"""Lemmas of a query (:class:`mlk.proofs.obligation.Lemma`): each is proved under its own
hypotheses and the earlier lemmas it uses, and the goals assume only those marked assumed (the
others reach a goal only as instances given as hints). Toy queries, so that each answer follows
from what the solver was given and nothing else."""

from __future__ import annotations

import z3

from mlk.proofs.discharge import discharge
from mlk.proofs.obligation import Goal, Lemma, Obligation, Query, Status

X = z3.Int("x")
F = z3.Function("f", z3.IntSort(), z3.IntSort())
Y = z3.Int("y")
C = z3.Int("c")


def _decide(lemmas: list[Lemma], goal: Goal) -> Status:
    query = Query([], [[z3.BoolVal(True)]], [goal], lemmas=lemmas)
    return discharge(Obligation("toy", lambda: query), 10).status


def test_a_lemma_assumes_only_the_earlier_lemmas_it_uses() -> None:
    big = Lemma("big", X > 5, [X > 5])
    goal = Goal("g.positive", X > 0)
    assert _decide([big, Lemma("bigger", X > 3, [])], goal) == Status.PROVED
    assert _decide([big, Lemma("bigger", X > 3, [], uses=("big",))], goal) == Status.PROVED
    assert _decide([big, Lemma("bigger", X > 3, [], uses=())], goal) == Status.UNKNOWN


def test_goals_assume_only_assumed_lemmas_and_hints() -> None:
    positive = z3.ForAll([Y], F(Y) > 0)
    goal = Goal("g.at_c", F(C) > 0, focus=[z3.BoolVal(True)])
    assumed = Lemma("positive", positive, [z3.ForAll([Y], F(Y) > 1)])
    hidden = Lemma("positive", positive, [z3.ForAll([Y], F(Y) > 1)], assumed=False)
    assert _decide([assumed], goal) == Status.PROVED
    assert _decide([hidden], goal) != Status.PROVED
    assert hidden.instance([C]).eq(F(C) > 0)
    hinted = Goal(goal.name, goal.term, focus=goal.focus, hints=[hidden.instance([C])])
    assert _decide([hidden], hinted) == Status.PROVED


def test_a_generalized_goal_is_proved_from_its_hints_alone_and_never_refuted() -> None:
    before = z3.Array("before", z3.IntSort(), z3.IntSort())
    after = z3.Store(before, 1, 5)
    kept = Lemma("kept", z3.ForAll([Y], z3.Implies(Y != 1, after[Y] == before[Y])), [], assumed=False)
    term = after[2] == before[2]
    hint = kept.instance([z3.IntVal(2)])
    goal = Goal("g.kept", term, focus=[z3.BoolVal(True)], hints=[hint], generalized=[after])
    stated, hints = goal.stated()
    assert not any(str(t).find("Store") >= 0 for t in (stated, *hints))
    assert _decide([kept], goal) == Status.PROVED
    assert _decide([kept], Goal(goal.name, term, focus=goal.focus, generalized=[after])) == Status.UNKNOWN
    wrong = Goal("g.wrong", after[1] == before[1], focus=goal.focus, hints=[hint], generalized=[after])
    assert _decide([kept], wrong) == Status.UNKNOWN
