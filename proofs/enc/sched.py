"""The encoding of :mod:`mlk.model.sched`: ready queues and the scheduling decision."""

from __future__ import annotations

import z3

from mlk.abi.objects import NUM_PRIORITIES
from mlk.proofs.access import RUNNING, TCB
from mlk.proofs.enc.base import get, get2, put, put2, put_row, when
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import NONE, Val, and_, eq, is_sym, ite, lam, not_, select


class Sched:
    """:mod:`mlk.model.sched` and the thread-state setter the spec's ``_replace(state=...)`` is."""

    def __init__(self) -> None:
        #: Definitions of fresh constants introduced while building terms (:meth:`highest`).
        self.side: list[Val] = []
        #: The constants :meth:`named` made, by name (the latest of each name).
        self.names: dict[str, Val] = {}

    def set_state(
        self,
        s: SymState,
        t: Val,
        kind: Val,
        obj: Val = NONE,
        badge: Val = 0,
        grant: Val = False,
        grantr: Val = False,
        call: Val = False,
    ) -> SymState:
        """Thread ``t``'s state becomes ``TState(kind, obj, badge, grant, grant_reply, call)``."""
        for name, value in (
            ("tstate", kind),
            ("tobj", obj),
            ("tbadge", badge),
            ("tgrant", grant),
            ("tgrantr", grantr),
            ("tcall", call),
        ):
            s = put(s, name, t, value)
        return s

    def in_queue(self, s: SymState, t: Val) -> Val:
        """Whether ``t`` is in its priority's ready queue."""
        return get(s, "qpos", t) >= 0

    def enqueue(self, s: SymState, t: Val) -> SymState:
        """``sched.enqueue``: append ``t`` to the tail of its priority's queue."""
        p = get(s, "prio", t)
        n = get(s, "qlen", p)
        s = put2(s, "qat", p, n, t)
        s = put(s, "qlen", p, n + 1)
        return put(s, "qpos", t, n)

    def enqueue_head(self, s: SymState, t: Val) -> SymState:
        """``sched.enqueue_head``: put ``t`` at the head of its priority's queue."""
        p = get(s, "prio", t)
        row = select(s.qat, p)
        qpos, prio = s.qpos, s.prio
        shifted = lam(row, lambda i: ite(eq(i, 0), t, select(row, i - 1)))
        pos = lam(
            qpos,
            lambda x: ite(
                eq(x, t),
                0,
                ite(and_(select(qpos, x) >= 0, eq(select(prio, x), p)), select(qpos, x) + 1, select(qpos, x)),
            ),
        )
        s = put_row(s, "qat", p, shifted)
        s = put(s, "qlen", p, get(s, "qlen", p) + 1)
        return s.but(qpos=pos)

    def remove_at(self, s: SymState, p: Val, k: Val) -> SymState:
        """Take entry ``k`` out of ready queue ``p``; later entries move one place forward."""
        row = select(s.qat, p)
        qpos, prio = s.qpos, s.prio
        gone = select(row, k)
        s = put_row(s, "qat", p, lam(row, lambda i: ite(i < k, select(row, i), select(row, i + 1))))
        s = put(s, "qlen", p, get(s, "qlen", p) - 1)
        pos = lam(
            qpos,
            lambda x: ite(
                eq(x, gone),
                NONE,
                ite(and_(select(qpos, x) > k, eq(select(prio, x), p)), select(qpos, x) - 1, select(qpos, x)),
            ),
        )
        return s.but(qpos=pos)

    def dequeue(self, s: SymState, t: Val) -> SymState:
        """``sched.dequeue``: take ``t`` out of its priority's queue, if it is there."""
        return when(self.in_queue(s, t), self.remove_at(s, get(s, "prio", t), get(s, "qpos", t)), s)

    def wake(self, s: SymState, t: Val) -> SymState:
        """``sched.wake``: ``t`` becomes runnable and goes to the tail of its queue."""
        return self.enqueue(self.set_state(s, t, RUNNING), t)

    def highest(self, s: SymState) -> Val:
        """``sched.highest``: the highest priority with a non-empty queue, -1 when none.

        On a concrete state it scans the priorities. On a symbolic state it is a fresh constant
        with its definition as a side condition (:meth:`side_conditions`): -1 and every queue
        empty, or a priority with a non-empty queue and every higher queue empty. (Priorities
        outside ``[0, NUM_PRIORITIES)`` have empty queues by the invariant valid_queues.)"""
        qlen = s.qlen
        if not is_sym(qlen):
            result: Val = NONE
            for p in range(NUM_PRIORITIES):
                result = ite(select(qlen, p) > 0, p, result)
            return result
        h = z3.FreshInt("highest")
        p = z3.FreshInt("p")
        above_empty = z3.ForAll([p], z3.Implies(z3.And(p > h, p < NUM_PRIORITIES), z3.Select(qlen, p) <= 0))
        all_empty = z3.ForAll([p], z3.Implies(z3.And(p >= 0, p < NUM_PRIORITIES), z3.Select(qlen, p) <= 0))
        none = z3.And(h == NONE, all_empty)
        some = z3.And(h >= 0, h < NUM_PRIORITIES, z3.Select(qlen, h) > 0, above_empty)
        self.side.append(z3.Or(none, some))
        return h

    def named(self, name: str, value: Val) -> Val:
        """``value`` itself on a concrete state; on a symbolic one a fresh constant ``name`` with
        ``constant == value`` as a side condition (:meth:`side_conditions`), so that a term the
        effect repeats everywhere (the slot Revoke deletes) is one symbol in every formula."""
        if not is_sym(value):
            return value
        c = z3.FreshConst(value.sort(), name)
        self.side.append(c == value)
        self.names[name] = c
        return c

    def side_conditions(self) -> list[Val]:
        """The definitions of the fresh constants built so far (see :meth:`highest`), and forget
        them."""
        out, self.side = self.side, []
        return out

    def schedule(self, s: SymState) -> SymState:
        """``sched.schedule``: a still-runnable current thread that is not queued goes back to
        the head of its queue; then the head of the highest non-empty queue runs, else the idle
        thread."""
        cur = s.current
        keep = and_(eq(get(s, "kind", cur), TCB), eq(get(s, "tstate", cur), RUNNING), not_(self.in_queue(s, cur)))
        s = when(keep, self.enqueue_head(s, cur), s)
        h = self.highest(s)
        chosen = self.remove_at(s, h, 0).but(current=get2(s, "qat", h, 0))
        return when(eq(h, NONE), s.but(current=s.idle), chosen)
