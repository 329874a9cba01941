"""Proof obligations and what discharging one yields.

An :class:`Obligation` is one claim, named ``family/transition/property`` (for example
``preserve/tick/valid_queues``). Building its :class:`Query` is deferred until a worker process
discharges it, so that listing obligations is cheap.

A query is an implication: its ``hypotheses`` (the invariants of the state before, the guard of
the transition, facts about the event) imply each of its ``goals``. Each goal is a named conjunct
whose universally quantified variables were replaced by fresh *witness* constants, so that a
counterexample names the conjunct that broke and where it broke. ``focus`` lists parts of the
hypotheses tried first, smallest first (the goal's own family, then with the families it is known
to depend on), with the step limits ``limits`` (empty: :mod:`mlk.proofs.discharge`'s; 0 skips a
tier); ``frame`` says the goal's
fields are the very terms of the state before, so that the goal is one of the hypotheses.
:mod:`mlk.proofs.discharge` decides them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import z3

from mlk.proofs.terms import Val


class Status(StrEnum):
    """How an obligation ended."""

    PROVED = "proved"
    REFUTED = "refuted"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Goal:
    """One conjunct to prove: ``name`` (``family.conjunct``) and the term, with its quantified
    variables replaced by the constants ``witnesses``; ``focus``, when not empty, the hypotheses
    known to suffice for it (tried before the query's tiers). ``hints`` are instances of the
    hypotheses at the witnesses that the proof is likely to need (the same conjunct of the state
    before, at the same witnesses), or of the query's lemmas (:class:`Lemma`, proved before any
    goal is tried): the solver gets them as ground facts, so that it need not find that
    instantiation itself. They follow from the hypotheses, so adding them proves nothing new.
    ``focus_rlimit`` is the step limit of the attempt under ``focus`` (0: the default of
    :mod:`mlk.proofs.discharge`); with ``split_focus`` that attempt is made part by part
    (:func:`mlk.proofs.discharge.split`), each part with that limit.

    ``generalized`` names terms (fields of the state after a step) that the solver replaces by
    fresh constants in the term and the hints, not in the hypotheses (:meth:`stated`): it then
    proves the goal for every value of them that satisfies the hints, so for the values they
    stand for, which satisfy the hints (instances of proved facts). The solver no longer reads the
    step's terms that those fields are; with too few hints the goal is not proved, and a model is
    no counterexample (the attempt is then unknown, never refuted)."""

    name: str
    term: Val
    witnesses: Sequence[Val] = ()
    focus: Sequence[Val] = ()
    hints: Sequence[Val] = ()
    focus_rlimit: int = 0
    split_focus: bool = False
    generalized: Sequence[Val] = ()

    def stated(self) -> tuple[Val, list[Val]]:
        """The term and the hints as the solver gets them: each of :attr:`generalized` replaced
        by a fresh constant (``general!k``, a name no encoding term has)."""
        pairs = [(t, z3.Const(f"general!{k}", t.sort())) for k, t in enumerate(self.generalized)]
        if not pairs:
            return self.term, list(self.hints)
        return z3.substitute(self.term, *pairs), [z3.substitute(h, *pairs) for h in self.hints]


@dataclass(frozen=True)
class Lemma:
    """A fact the goals of a query may assume once it is proved: ``term``, under ``hypotheses``
    (a few families about the state before and the transition's guard) and the lemmas before it
    (``uses``: only those named; ``None``: all of them). Lemmas shorten the goals' proofs: each
    goal would otherwise have to find the fact itself, under every hypothesis. With ``assumed``
    false the goals do not assume it: it serves the lemmas after it, and goals whose hints are
    instances of it (an assumed quantified fact is one more formula for the solver to
    instantiate in every attempt, needed or not)."""

    name: str
    term: Val
    hypotheses: Sequence[Val]
    uses: Sequence[str] | None = None
    assumed: bool = True

    def instance(self, args: Sequence[Val]) -> Val:
        """The body of the universally quantified :attr:`term` with its variables, in order, set
        to ``args`` (a hint: an instance of a proved fact)."""
        term = self.term
        assert z3.is_quantifier(term) and term.is_forall() and term.num_vars() == len(args), self.name
        return z3.substitute_vars(term.body(), *reversed(args))


@dataclass(frozen=True)
class Query:
    """An implication to prove (see the module documentation); ``lemmas`` are proved first and
    then assumed by every attempt at the goals (those :attr:`Lemma.assumed`). ``framed`` names
    the conjuncts of the claim left out of ``goals`` because they are proved by frame: every field
    they read is, term for term, the field of the state before, so each is one of the
    hypotheses."""

    hypotheses: Sequence[Val]
    focus: Sequence[Sequence[Val]]
    goals: Sequence[Goal]
    frame: bool = False
    before: Any = None
    after: Any = None
    limits: Sequence[int] = ()
    lemmas: Sequence[Lemma] = ()
    framed: Sequence[str] = ()


@dataclass(frozen=True)
class Obligation:
    """A named claim; ``bound`` states any finite bound the proof needs (``None``: none), printed
    next to the obligation. ``build`` makes the query; ``search`` looks for a counterexample among
    concrete states (the names of the broken conjuncts and a rendering, or ``None``), before the
    proof attempts when ``search_first`` (seeded bugs, which are expected to fail). ``prepare``
    builds (and memoizes) what ``build`` shares with other obligations; the runner calls it for
    every obligation before it forks any prover process, so that processes inherit it instead of
    each building it again, and all start from the same terms. ``framed``, after ``prepare``, says
    whether the query would be proved by frame (:attr:`Query.frame`) without building any term:
    the runner then records the obligation proved by frame without starting a process."""

    name: str
    build: Callable[[], Query]
    bound: str | None = None
    search: Callable[[float], tuple[list[str], str] | None] | None = None
    search_first: bool = False
    prepare: Callable[[], object] | None = None
    framed: Callable[[], bool] | None = None


@dataclass
class Outcome:
    """The result of one obligation. ``conjunct`` is the goal that a counterexample falsifies,
    ``counterexample`` its rendering; ``reason`` explains an unknown; ``method`` how it was
    decided (frame, focused proof, full proof, concrete search). ``steps`` counts the solver steps
    of every attempt (Z3's ``rlimit`` count: unlike ``seconds``, independent of the machine's
    load); ``proofs`` maps each goal of a proved obligation to the label of the attempt that proved
    it (:data:`mlk.proofs.discharge.GOAL`; the hints of later runs, :mod:`mlk.proofs.hints`)."""

    name: str
    status: Status
    seconds: float
    bound: str | None = None
    conjunct: str | None = None
    counterexample: str | None = None
    reason: str | None = None
    method: str | None = None
    steps: int = 0
    proofs: dict[str, str] = field(default_factory=dict)
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
            "method": self.method,
            "steps": self.steps,
            "proofs": self.proofs,
            "cached": self.cached,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Outcome:
        """Rebuild an outcome written by :meth:`to_json`."""

        def opt(key: str) -> str | None:
            value = data.get(key)
            return None if value is None else str(value)

        seconds = data["seconds"]
        assert isinstance(seconds, int | float)
        steps = data.get("steps", 0)
        proofs = data.get("proofs") or {}
        assert isinstance(steps, int) and isinstance(proofs, dict)
        return cls(
            name=str(data["name"]),
            status=Status(str(data["status"])),
            seconds=float(seconds),
            bound=opt("bound"),
            conjunct=opt("conjunct"),
            counterexample=opt("counterexample"),
            reason=opt("reason"),
            method=opt("method"),
            steps=steps,
            proofs={str(k): str(v) for k, v in proofs.items()},
        )
