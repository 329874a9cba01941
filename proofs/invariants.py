"""The invariants, as Z3 predicates over a :class:`~mlk.proofs.symstate.SymState`.

An :class:`Invariant` (a *family*, named after the seL4 invariant it corresponds to) is a
conjunction of named :class:`Conjunct`\\ s. A conjunct is ``forall x1..xn. body(s, x1..xn)``
with ``n = arity`` (0 for a plain fact). As a hypothesis it is asserted with its quantifier; as a
goal its variables become fresh witness constants, so a counterexample shows where it broke.

The spec (``model/``) does not define invariants yet; these are the proofs' statement of what
must hold of every reachable state, restricted to the encoded components. Once the spec has its
own executable invariants, the differential test must also check that each agrees with its
counterpart here on random states.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import z3

from mlk.abi.objects import NUM_PRIORITIES, TIME_SLICE_TICKS, ObjectType, ThreadState
from mlk.proofs.smt import Bool, Int
from mlk.proofs.symstate import SymState

TCB = int(ObjectType.TCB)
RUNNING = int(ThreadState.RUNNING)
IDLE = int(ThreadState.IDLE)


@dataclass(frozen=True)
class Conjunct:
    """``forall vars. body`` with ``arity`` variables; see the module documentation."""

    name: str
    arity: int
    body: Callable[..., Bool]

    def assume(self, s: SymState, points: Sequence[Int] | None = None) -> list[Bool]:
        """The conjunct assumed of ``s``: with its quantifier, or (to search for counterexamples
        among small states) instantiated at every tuple of ``points``."""
        if self.arity == 0:
            return [self.body(s)]
        if points is not None:
            return [self.body(s, *xs) for xs in itertools.product(points, repeat=self.arity)]
        xs = [z3.Int(f"{self.name}.{k}") for k in range(self.arity)]
        return [z3.ForAll(xs, self.body(s, *xs))]

    def instance(self, s: SymState, tag: str) -> tuple[Bool, list[Int]]:
        """The conjunct at fresh witnesses (named after ``tag``), and the witnesses."""
        xs = [z3.Int(f"{tag}.{self.name}.{k}") for k in range(self.arity)]
        return self.body(s, *xs), xs


@dataclass(frozen=True)
class Invariant:
    """A named family of conjuncts."""

    name: str
    doc: str
    conjuncts: tuple[Conjunct, ...]

    def assume(self, s: SymState, points: Sequence[Int] | None = None) -> list[Bool]:
        """All conjuncts (see :meth:`Conjunct.assume`)."""
        return [term for c in self.conjuncts for term in c.assume(s, points)]


def _is_tcb(s: SymState, t: Int) -> Bool:
    return z3.Select(s.kind, t) == TCB


def _runnable(s: SymState, t: Int) -> Bool:
    return z3.And(_is_tcb(s, t), z3.Select(s.tstate, t) == RUNNING)


def _queued_ok(s: SymState, p: Int, i: Int) -> Bool:
    t = s.at(p, i)
    return z3.Implies(
        z3.And(i >= 0, i < z3.Select(s.qlen, p)),
        z3.And(_runnable(s, t), z3.Select(s.prio, t) == p, z3.Select(s.qpos, t) == i),
    )


def _pos_ok(s: SymState, t: Int) -> Bool:
    pos = z3.Select(s.qpos, t)
    p = z3.Select(s.prio, t)
    return z3.Implies(pos >= 0, z3.And(_is_tcb(s, t), pos < z3.Select(s.qlen, p), s.at(p, pos) == t))


def _prio_range(p: Int) -> Bool:
    return z3.And(p >= 0, p < NUM_PRIORITIES)


#: Every invariant family, in the order they are reported.
INVARIANTS: tuple[Invariant, ...] = (
    Invariant(
        "tcb_fields",
        "valid_objs for threads: a priority in [0, NUM_PRIORITIES), a time slice in [1, TIME_SLICE_TICKS]",
        (
            Conjunct("priority_in_range", 1, lambda s, t: z3.Implies(_is_tcb(s, t), _prio_range(z3.Select(s.prio, t)))),
            Conjunct(
                "slice_in_range",
                1,
                lambda s, t: z3.Implies(
                    _is_tcb(s, t), z3.And(z3.Select(s.slice, t) >= 1, z3.Select(s.slice, t) <= TIME_SLICE_TICKS)
                ),
            ),
        ),
    ),
    Invariant(
        "ready_queues",
        "valid_queues: the entries of queue p are distinct runnable threads of priority p; "
        "only the NUM_PRIORITIES queues exist",
        (
            Conjunct("entries_runnable_at_priority", 2, _queued_ok),
            Conjunct("position_consistent", 1, _pos_ok),
            Conjunct(
                "lengths",
                1,
                lambda s, p: z3.And(
                    z3.Select(s.qlen, p) >= 0, z3.Implies(z3.Not(_prio_range(p)), z3.Select(s.qlen, p) == 0)
                ),
            ),
        ),
    ),
    Invariant(
        "ct_not_in_q",
        "the running thread is in no ready queue",
        (Conjunct("current_not_queued", 0, lambda s: z3.Select(s.qpos, s.current) < 0),),
    ),
    Invariant(
        "valid_blocked",
        "every runnable thread other than the running one is queued",
        (
            Conjunct(
                "runnable_queued",
                1,
                lambda s, t: z3.Implies(z3.And(_runnable(s, t), t != s.current), z3.Select(s.qpos, t) >= 0),
            ),
        ),
    ),
    Invariant(
        "cur_tcb",
        "the running thread is the idle thread or a runnable thread",
        (Conjunct("current_runnable_or_idle", 0, lambda s: z3.Or(s.current == s.idle, _runnable(s, s.current))),),
    ),
    Invariant(
        "valid_idle",
        "the idle thread is a TCB in the IDLE state, never queued",
        (
            Conjunct("idle_is_tcb", 0, lambda s: _is_tcb(s, s.idle)),
            Conjunct("idle_state", 0, lambda s: z3.Select(s.tstate, s.idle) == IDLE),
            Conjunct("idle_not_queued", 0, lambda s: z3.Select(s.qpos, s.idle) < 0),
            Conjunct("idle_priority", 0, lambda s: _prio_range(z3.Select(s.prio, s.idle))),
        ),
    ),
    Invariant(
        "current_highest",
        "scheduling: the running thread is a highest-priority runnable thread; the idle thread runs "
        "only when no thread is runnable",
        (
            Conjunct(
                "no_runnable_higher",
                1,
                lambda s, t: z3.Implies(
                    _runnable(s, t),
                    z3.And(s.current != s.idle, z3.Select(s.prio, t) <= z3.Select(s.prio, s.current)),
                ),
            ),
        ),
    ),
)


def all_assumed(s: SymState, points: Sequence[Int] | None = None) -> list[Bool]:
    """Every conjunct of every invariant, assumed of ``s`` (see :meth:`Conjunct.assume`)."""
    return [term for inv in INVARIANTS for term in inv.assume(s, points)]


def by_name(name: str) -> Invariant:
    """The invariant family called ``name``."""
    for inv in INVARIANTS:
        if inv.name == name:
            return inv
    raise KeyError(name)
