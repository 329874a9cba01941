"""The encoding of :mod:`mlk.model.threads` and of the endpoint and notification queues."""

from __future__ import annotations

from mlk.abi.objects import EndpointState, NotificationState
from mlk.proofs.access import INACTIVE, ON_NTFN, ON_RECV, ON_REPLY, ON_SEND, RUNNING
from mlk.proofs.enc.base import get, get2, put, put2, put_row, when
from mlk.proofs.enc.sched import Sched
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import NONE, Val, and_, eq, ite, lam, ne, or_, select


class Threads(Sched):
    """Wait queues (the ``queue`` tuples of endpoints and notifications) and thread life cycle."""

    def wq_append(self, s: SymState, o: Val, t: Val) -> SymState:
        """Append thread ``t`` to the queue of ``o``."""
        n = get(s, "wlen", o)
        s = put2(s, "wat", o, n, t)
        s = put2(s, "wpos", o, t, n)
        return put(s, "wlen", o, n + 1)

    def wq_remove_at(self, s: SymState, o: Val, k: Val) -> SymState:
        """Take entry ``k`` out of the queue of ``o``; later entries move forward."""
        row = select(s.wat, o)
        prow = select(s.wpos, o)
        gone = select(row, k)
        s = put_row(s, "wat", o, lam(row, lambda i: ite(i < k, select(row, i), select(row, i + 1))))
        pos = lam(
            prow,
            lambda x: ite(eq(x, gone), NONE, ite(select(prow, x) > k, select(prow, x) - 1, select(prow, x))),
        )
        s = put_row(s, "wpos", o, pos)
        return put(s, "wlen", o, get(s, "wlen", o) - 1)

    def wq_head(self, s: SymState, o: Val) -> Val:
        """The first thread in the queue of ``o``."""
        return get2(s, "wat", o, 0)

    def cancel_ipc(self, s: SymState, t: Val) -> SymState:
        """``threads.cancel_ipc``: detach ``t`` from what it waits in (its state is left to the
        caller)."""
        st = get(s, "tstate", t)
        o = get(s, "tobj", t)
        removed = self.wq_remove_at(s, o, get2(s, "wpos", o, t))
        empty = eq(get(removed, "wlen", o), 0)
        ep = put(removed, "epstate", o, ite(empty, int(EndpointState.IDLE), get(removed, "epstate", o)))
        ntfn = put(removed, "nstate", o, ite(empty, int(NotificationState.IDLE), get(removed, "nstate", o)))
        replied = when(ne(o, NONE), put(s, "reply", o, NONE), s)
        out = when(eq(st, RUNNING), self.dequeue(s, t), s)
        out = when(eq(st, ON_REPLY), replied, out)
        out = when(eq(st, ON_NTFN), ntfn, out)
        return when(or_(eq(st, ON_SEND), eq(st, ON_RECV)), ep, out)

    def clear_fault(self, s: SymState, t: Val) -> SymState:
        """``t``'s pending fault becomes ``None``."""
        for name, value in (("fhas", False), ("fkind", 0), ("fa", 0), ("fb", 0), ("fpc", 0)):
            s = put(s, name, t, value)
        return s

    def suspend(self, s: SymState, t: Val) -> SymState:
        """``threads.suspend``: ``t`` becomes INACTIVE without a pending fault."""
        s = self.cancel_ipc(s, t)
        return self.clear_fault(self.set_state(s, t, INACTIVE), t)

    def discard_reply(self, s: SymState, t: Val) -> SymState:
        """``threads.discard_reply``: drop the reply right ``t`` holds."""
        caller = get(s, "reply", t)
        dropped = self.set_state(put(s, "reply", t, NONE), caller, ON_REPLY)
        return when(ne(caller, NONE), dropped, s)

    def unbind(self, s: SymState, t: Val) -> SymState:
        """``threads.unbind``: undo the binding of ``t`` and its notification."""
        n = get(s, "bound", t)
        return when(ne(n, NONE), put(put(s, "bound", t, NONE), "nbound", n, NONE), s)

    def blocked(self, s: SymState, t: Val, kind: int) -> Val:
        """Whether thread ``t`` is in state ``kind``."""
        return eq(get(s, "tstate", t), kind)

    def runnable(self, s: SymState, t: Val) -> Val:
        """Whether thread ``t`` is RUNNING."""
        return and_(eq(get(s, "tstate", t), RUNNING))
