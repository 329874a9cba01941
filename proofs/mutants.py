"""Seeded spec bugs: each one a plausible mistake in a spec function, applied to the encoding.

Every mutant is a subclass of :class:`~mlk.proofs.encoding.Kernel` that overrides one method the
way a buggy version of the corresponding spec function would behave, and names the obligation
expected to refute it. ``mlk-prove --mutants`` discharges those obligations against the mutant and
passes only when every mutant is refuted with a counterexample. The bugs are seeded in the
encoding, not in ``model/`` (which the proofs must not edit); each mutant's docstring names the
spec function it mirrors.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from mlk.abi.objects import TIME_SLICE_TICKS
from mlk.proofs.encoding import RUNNING, SCANNED_PRIORITIES, TCB, Kernel
from mlk.proofs.smt import NONE, Bool, Int
from mlk.proofs.symstate import SymState


class TickNoRefill(Kernel):
    """``kernel.tick`` forgets to refill an expired slice (it stays 0)."""

    def tick(self, s: SymState) -> SymState:
        cur = s.current
        left = z3.Select(s.slice, cur) - 1
        expired = self.enqueue(s.but(slice=z3.Store(s.slice, cur, left)), cur)
        used = s.but(slice=z3.Store(s.slice, cur, left))
        return used.select(expired, left > 0).select(s, self.entered(s))


class TickOverfill(Kernel):
    """``kernel.tick`` refills an expired slice with one tick too many (an off-by-one)."""

    def tick(self, s: SymState) -> SymState:
        cur = s.current
        left = z3.Select(s.slice, cur) - 1
        refilled = self.enqueue(s.but(slice=z3.Store(s.slice, cur, TIME_SLICE_TICKS + 1)), cur)
        used = s.but(slice=z3.Store(s.slice, cur, left))
        return used.select(refilled, left > 0).select(s, self.entered(s))


class ScheduleRequeuesQueued(Kernel):
    """``sched.schedule`` omits the ``cur not in queue`` test and puts a current thread that is
    already queued (after a Yield) at the head a second time."""

    def in_queue(self, s: SymState, tid: Int) -> Bool:
        return z3.BoolVal(False)


class ScheduleKeepsHeadQueued(Kernel):
    """``sched.schedule`` runs the head of the highest queue without taking it out of the queue."""

    def pop_head(self, s: SymState, p: Int) -> SymState:
        return s


class ScheduleForgetsCurrent(Kernel):
    """``sched.schedule`` does not put a still-runnable current thread back into its queue."""

    def enqueue_head(self, s: SymState, tid: Int) -> SymState:
        return s


class ScheduleLowest(Kernel):
    """``sched.highest`` picks the lowest non-empty priority (``min`` for ``max``)."""

    def highest(self, s: SymState) -> Int:
        result: Int = z3.IntVal(NONE)
        for p in reversed(range(SCANNED_PRIORITIES.get())):
            result = z3.If(z3.Select(s.qlen, p) > 0, p, result)
        return result


class ScheduleIdleFirst(Kernel):
    """``sched.schedule`` runs the idle thread when only priority 0 has runnable threads
    (an off-by-one in the priority scan)."""

    def highest(self, s: SymState) -> Int:
        return z3.If(super().highest(s) == 0, NONE, super().highest(s))


class YieldNoEnqueue(Kernel):
    """``kernel.yield_`` refills the slice but forgets to queue the caller (it is lost)."""

    def yield_(self, s: SymState) -> SymState:
        return s.but(slice=z3.Store(s.slice, s.current, TIME_SLICE_TICKS), qpos=z3.Store(s.qpos, s.current, 0))


class YieldTwice(Kernel):
    """``kernel.yield_`` calls ``sched.enqueue`` twice (a duplicate queue entry)."""

    def yield_(self, s: SymState) -> SymState:
        return self.enqueue(super().yield_(s), s.current)


class YieldZeroSlice(Kernel):
    """``kernel.yield_`` empties the slice instead of refilling it."""

    def yield_(self, s: SymState) -> SymState:
        return self.enqueue(s.but(slice=z3.Store(s.slice, s.current, 0)), s.current)


class EnqueueOverwrites(Kernel):
    """``sched.enqueue`` writes the new entry over the last one (index ``len - 1``)."""

    def enqueue(self, s: SymState, tid: Int) -> SymState:
        p = z3.Select(s.prio, tid)
        n = z3.Select(s.qlen, p)
        return s.but(
            qat=z3.Store(s.qat, p, z3.Store(z3.Select(s.qat, p), n - 1, tid)),
            qlen=z3.Store(s.qlen, p, z3.If(n > 0, n, 1)),
            qpos=z3.Store(s.qpos, tid, z3.If(n > 0, n - 1, 0)),
        )


class EnqueueHeadNoShift(Kernel):
    """``sched.enqueue_head`` overwrites the head instead of moving the queue back."""

    def enqueue_head(self, s: SymState, tid: Int) -> SymState:
        p = z3.Select(s.prio, tid)
        return s.but(
            qat=z3.Store(s.qat, p, z3.Store(z3.Select(s.qat, p), 0, tid)),
            qlen=z3.Store(s.qlen, p, z3.If(z3.Select(s.qlen, p) > 0, z3.Select(s.qlen, p), 1)),
            qpos=z3.Store(s.qpos, tid, 0),
        )


class TickChangesPriority(Kernel):
    """``kernel.tick`` lowers the priority of a thread whose slice expired (a policy change that
    breaks confinement: a tick may touch only the time slice and the scheduler state)."""

    def tick(self, s: SymState) -> SymState:
        cur = s.current
        after = super().tick(s)
        expired = z3.And(self.entered(s), z3.Select(s.slice, cur) == 1, z3.Select(s.prio, cur) > 0)
        return after.but(prio=z3.If(expired, z3.Store(after.prio, cur, z3.Select(after.prio, cur) - 1), after.prio))


class ScheduleReadsHeadAfterPop(Kernel):
    """``sched.schedule`` takes the head out of the queue first and then reads ``queue[0]``
    (an order-of-effects bug: it runs the second thread, or garbage when there was one)."""

    def schedule(self, s: SymState) -> SymState:
        after = super().schedule(s)
        cur = s.current
        keep = z3.And(z3.Select(s.kind, cur) == TCB, z3.Select(s.tstate, cur) == RUNNING, z3.Not(self.in_queue(s, cur)))
        requeued = self.enqueue_head(s, cur).select(s, keep)
        h = self.highest(requeued)
        popped = self.pop_head(requeued, h)
        return after.but(current=z3.If(h == NONE, after.current, popped.at(h, 0)))


class PopNoRenumber(Kernel):
    """``sched.schedule`` takes the head but leaves the other entries' positions stale."""

    def pop_head(self, s: SymState, p: Int) -> SymState:
        i = z3.Int("i")
        row = z3.Select(s.qat, p)
        return s.but(
            qat=z3.Store(s.qat, p, z3.Lambda([i], z3.Select(row, i + 1))),
            qlen=z3.Store(s.qlen, p, z3.Select(s.qlen, p) - 1),
            qpos=z3.Store(s.qpos, z3.Select(row, 0), NONE),
        )


@dataclass(frozen=True)
class Mutant:
    """A seeded bug and the obligation expected to refute it."""

    name: str
    kernel: Kernel
    target: str

    @property
    def doc(self) -> str:
        """The bug, as its class documents it."""
        return " ".join((type(self.kernel).__doc__ or "").split())


#: The catalogue of seeded bugs.
MUTANTS: tuple[Mutant, ...] = (
    Mutant("tick-no-refill", TickNoRefill(), "preserve/tick/tcb_fields"),
    Mutant("tick-overfill", TickOverfill(), "preserve/tick/tcb_fields"),
    Mutant("schedule-requeues-queued", ScheduleRequeuesQueued(), "preserve/yield/ready_queues"),
    Mutant("schedule-keeps-head-queued", ScheduleKeepsHeadQueued(), "preserve/tick/ct_not_in_q"),
    Mutant("schedule-forgets-current", ScheduleForgetsCurrent(), "preserve/tick/valid_blocked"),
    Mutant("schedule-lowest", ScheduleLowest(), "preserve/tick/current_highest"),
    Mutant("schedule-idle-first", ScheduleIdleFirst(), "preserve/yield/current_highest"),
    Mutant("yield-no-enqueue", YieldNoEnqueue(), "preserve/yield/ready_queues"),
    Mutant("yield-twice", YieldTwice(), "preserve/yield/ready_queues"),
    Mutant("yield-zero-slice", YieldZeroSlice(), "preserve/yield/tcb_fields"),
    Mutant("enqueue-overwrites", EnqueueOverwrites(), "preserve/yield/valid_blocked"),
    Mutant("enqueue-head-no-shift", EnqueueHeadNoShift(), "preserve/tick/valid_blocked"),
    Mutant("tick-changes-priority", TickChangesPriority(), "security/tick/confinement"),
    Mutant("schedule-reads-head-after-pop", ScheduleReadsHeadAfterPop(), "preserve/tick/cur_tcb"),
    Mutant("pop-no-renumber", PopNoRenumber(), "preserve/tick/ready_queues"),
)


def by_name(name: str) -> Mutant:
    """The mutant called ``name``."""
    for m in MUTANTS:
        if m.name == name:
            return m
    raise KeyError(name)
