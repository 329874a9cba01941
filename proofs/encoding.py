"""The Z3 encoding of the spec's transitions: a second definition, checked against the spec.

:class:`Kernel` mirrors, method by method, the functions of :mod:`mlk.model.sched` and
:mod:`mlk.model.kernel` that the encoded transitions run, with the same branch structure and the
same order of effects. Each method maps a :class:`~mlk.proofs.symstate.SymState` to the next one
as a Z3 term (a functional update, in the style of Hyperkernel): no method loops over objects or
queue entries, so the encoding holds for states of any size. The one fixed-size construct is
:meth:`Kernel.highest`, an if-then-else chain over the ABI's ``NUM_PRIORITIES`` priorities.

The differential test (``tests/proofs/test_differential.py``) evaluates these methods on concrete
states and compares them with :func:`mlk.model.kernel.step`. Seeded bugs
(:mod:`mlk.proofs.mutants`) are subclasses that override one method.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache

import z3

from mlk.abi.objects import NUM_PRIORITIES, TIME_SLICE_TICKS, ObjectType, ThreadState
from mlk.proofs.smt import NONE, Bool, Int, int_array
from mlk.proofs.symstate import SymState

TCB = int(ObjectType.TCB)
RUNNING = int(ThreadState.RUNNING)


_QLEN = int_array("highest.qlen")

#: How many priorities :meth:`Kernel.highest` scans: all of them, except while searching for
#: counterexamples among small states, whose priorities are all below the search size (any
#: candidate is then replayed with the full scan).
SCANNED_PRIORITIES: ContextVar[int] = ContextVar("SCANNED_PRIORITIES", default=NUM_PRIORITIES)


@cache
def _highest_template(priorities: int) -> Int:
    """The if-then-else chain over ``priorities`` priorities, built once over a placeholder array."""
    result: Int = z3.IntVal(NONE)
    for p in range(priorities):
        result = z3.If(z3.Select(_QLEN, p) > 0, p, result)
    return result


class Kernel:
    """The encoded transitions (see the module documentation)."""

    # -- mlk.model.sched ---------------------------------------------------------------------

    def in_queue(self, s: SymState, tid: Int) -> Bool:
        """Whether ``tid`` is in its priority's ready queue (``tid in queues[prio]``)."""
        return z3.Select(s.qpos, tid) >= 0

    def enqueue(self, s: SymState, tid: Int) -> SymState:
        """``sched.enqueue``: append ``tid`` to the tail of its priority's queue."""
        p = z3.Select(s.prio, tid)
        n = z3.Select(s.qlen, p)
        return s.but(
            qat=z3.Store(s.qat, p, z3.Store(z3.Select(s.qat, p), n, tid)),
            qlen=z3.Store(s.qlen, p, n + 1),
            qpos=z3.Store(s.qpos, tid, n),
        )

    def enqueue_head(self, s: SymState, tid: Int) -> SymState:
        """``sched.enqueue_head``: put ``tid`` at the head of its priority's queue; the others move
        one place back."""
        p = z3.Select(s.prio, tid)
        i = z3.Int("i")
        x = z3.Int("x")
        row = z3.Select(s.qat, p)
        shifted = z3.Lambda([i], z3.If(i == 0, tid, z3.Select(row, i - 1)))
        pos = z3.Lambda(
            [x],
            z3.If(
                x == tid,
                0,
                z3.If(
                    z3.And(z3.Select(s.qpos, x) >= 0, z3.Select(s.prio, x) == p),
                    z3.Select(s.qpos, x) + 1,
                    z3.Select(s.qpos, x),
                ),
            ),
        )
        return s.but(qat=z3.Store(s.qat, p, shifted), qlen=z3.Store(s.qlen, p, z3.Select(s.qlen, p) + 1), qpos=pos)

    def pop_head(self, s: SymState, p: Int) -> SymState:
        """Take the head out of the non-empty queue ``p`` (``queues[p] = queue[1:]``)."""
        i = z3.Int("i")
        x = z3.Int("x")
        row = z3.Select(s.qat, p)
        head = z3.Select(row, 0)
        pos = z3.Lambda(
            [x],
            z3.If(
                x == head,
                NONE,
                z3.If(
                    z3.And(z3.Select(s.qpos, x) >= 0, z3.Select(s.prio, x) == p),
                    z3.Select(s.qpos, x) - 1,
                    z3.Select(s.qpos, x),
                ),
            ),
        )
        return s.but(
            qat=z3.Store(s.qat, p, z3.Lambda([i], z3.Select(row, i + 1))),
            qlen=z3.Store(s.qlen, p, z3.Select(s.qlen, p) - 1),
            qpos=pos,
        )

    def highest(self, s: SymState) -> Int:
        """``sched.highest``: the highest priority with a non-empty queue, -1 when none."""
        return z3.substitute(_highest_template(SCANNED_PRIORITIES.get()), (_QLEN, s.qlen))

    def schedule(self, s: SymState) -> SymState:
        """``sched.schedule``: a still-runnable current thread that is not queued goes back to the
        head of its queue; then the head of the highest non-empty queue runs, else the idle
        thread."""
        cur = s.current
        keep = z3.And(z3.Select(s.kind, cur) == TCB, z3.Select(s.tstate, cur) == RUNNING, z3.Not(self.in_queue(s, cur)))
        s = self.enqueue_head(s, cur).select(s, keep)
        h = self.highest(s)
        chosen = self.pop_head(s, h).but(current=s.at(h, 0))
        return s.but(current=s.idle).select(chosen, h == NONE)

    # -- mlk.model.kernel --------------------------------------------------------------------

    def entered(self, s: SymState) -> Bool:
        """``kernel._enter`` returns a TCB: the current thread is a TCB and not the idle thread."""
        return z3.And(z3.Select(s.kind, s.current) == TCB, s.current != s.idle)

    def tick(self, s: SymState) -> SymState:
        """``kernel.tick``: the current thread uses up one tick; when its slice runs out it is
        refilled and the thread goes to the tail of its queue."""
        cur = s.current
        left = z3.Select(s.slice, cur) - 1
        refilled = self.enqueue(s.but(slice=z3.Store(s.slice, cur, TIME_SLICE_TICKS)), cur)
        used = s.but(slice=z3.Store(s.slice, cur, left))
        return used.select(refilled, left > 0).select(s, self.entered(s))

    def yield_(self, s: SymState) -> SymState:
        """``kernel.yield_``: the caller gets a full slice and goes to the tail of its queue."""
        return self.enqueue(s.but(slice=z3.Store(s.slice, s.current, TIME_SLICE_TICKS)), s.current)

    def step(self, s: SymState, transition: str) -> SymState:
        """``kernel.step`` for the event of ``transition`` (see :data:`EVENTS`): nothing once
        halted; else the transition, then :meth:`schedule`."""
        if transition == "tick":
            after = self.tick(s)
        elif transition == "yield":
            after = self.yield_(s).select(s, self.entered(s))
        else:
            raise KeyError(transition)
        return s.select(self.schedule(after), s.halted)


#: The encoded transitions and the spec events they stand for.
EVENTS: dict[str, str] = {
    "tick": "TickEvent(): a timer tick",
    "yield": "SyscallEvent with x8 = Yield",
}
