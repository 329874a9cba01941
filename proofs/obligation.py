"""Proof obligations and what discharging one yields.

An :class:`Obligation` is one claim, named ``family/transition/property`` (for example
``preserve/tick/ready_queues``). Building its :class:`Query` is deferred until a worker process
discharges it, so that listing obligations is cheap.

A query is an implication: its ``hypotheses`` (the invariants of the state before, the meaning of
the transition) imply each of its ``goals``. Each goal is a named conjunct whose universally
quantified variables were replaced by fresh *witness* constants, so that a counterexample names
the conjunct that broke and the objects it broke at. :mod:`mlk.proofs.discharge` decides them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from mlk.proofs.smt import Bool, Int, Model
from mlk.proofs.symstate import SymState


class Status(StrEnum):
    """How an obligation ended."""

    PROVED = "proved"
    REFUTED = "refuted"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Goal:
    """One conjunct to prove: ``name`` (as the invariant catalogue names it) and the term, with
    its quantified variables replaced by the constants ``witnesses``."""

    name: str
    term: Bool
    witnesses: Sequence[Int] = ()


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
        return cls(
            name=str(data["name"]),
            status=Status(str(data["status"])),
            seconds=float(seconds),
            bound=opt("bound"),
            conjunct=opt("conjunct"),
            counterexample=opt("counterexample"),
            reason=opt("reason"),
        )
