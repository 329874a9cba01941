"""The encoding of :mod:`mlk.model.ipc`: endpoints, replies, notifications, fault messages."""

from __future__ import annotations

from mlk.abi import msginfo
from mlk.abi.objects import NULL_CPTR, EndpointState, NotificationState
from mlk.abi.syscalls import MSG_REGS, Reg
from mlk.proofs.access import EP, INACTIVE, ON_NTFN, ON_RECV, ON_REPLY, ON_SEND
from mlk.proofs.enc.base import get, get2, put, put_row, when
from mlk.proofs.enc.cspace import CSpace, SymCap, radix_limit, read_cap
from mlk.proofs.enc.threads import Threads
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import NONE, Val, and_, bor, eq, field, ite, lam, mkref, ne, not_, or_, r_bit, select

SENDING = int(EndpointState.SENDING)
RECEIVING = int(EndpointState.RECEIVING)
EP_IDLE = int(EndpointState.IDLE)
N_IDLE = int(NotificationState.IDLE)
N_WAITING = int(NotificationState.WAITING)
N_ACTIVE = int(NotificationState.ACTIVE)


def info_label(info: Val) -> Val:
    """``msginfo.LABEL.get``."""
    return field(info, msginfo.LABEL.lsb, msginfo.LABEL.width)


def info_length(info: Val) -> Val:
    """``min(msginfo.LENGTH.get(info), MSG_REGS)``."""
    n = field(info, msginfo.LENGTH.lsb, msginfo.LENGTH.width)
    return ite(n < MSG_REGS, n, MSG_REGS)


def pack(label: Val, length: Val, caps: Val = 0) -> Val:
    """``msginfo.pack`` for a non-negative ``label``, ``length`` and ``caps``."""
    return (
        field(label, 0, msginfo.LABEL.width) * (1 << msginfo.LABEL.lsb)
        + field(length, 0, msginfo.LENGTH.width) * (1 << msginfo.LENGTH.lsb)
        + field(caps, 0, msginfo.EXTRA_CAPS.width) * (1 << msginfo.EXTRA_CAPS.lsb)
    )


class Ipc(Threads, CSpace):
    """:mod:`mlk.model.ipc`."""

    def set_regs(self, s: SymState, t: Val, badge: Val, info: Val, mrs: Val, length: Val) -> SymState:
        """``ipc.write_message``: ``x0`` = ``badge``, ``x1`` = ``info``, ``x2``.. = the first
        ``length`` entries of ``mrs`` (an array over message register numbers 0..)."""
        row = select(s.ctx, t)
        mr0 = int(Reg.MR0)

        def reg(r: Val) -> Val:
            in_msg = and_(r >= mr0, r < mr0 + length)
            return ite(
                eq(r, int(Reg.BADGE)),
                badge,
                ite(eq(r, int(Reg.MSGINFO)), info, ite(in_msg, select(mrs, r - mr0), select(row, r))),
            )

        return put_row(s, "ctx", t, lam(row, reg))

    def write_message(self, s: SymState, t: Val, badge: Val, info: Val) -> SymState:
        """``ipc.write_message`` with no message registers."""
        return self.set_regs(s, t, badge, info, select(s.ctx, t), 0)

    def receive_slot(self, s: SymState, t: Val) -> tuple[Val, Val]:
        """``ipc._receive_slot``: (found, slot)."""
        cptr = get2(s, "ctx", t, int(Reg.RECV_SLOT))
        root = get(s, "cspace", t)
        ref = mkref(root, cptr)
        found = and_(ne(root, NONE), ne(cptr, NULL_CPTR), cptr < radix_limit(s, root), not_(get(s, "occ", ref)))
        return found, ref

    def transfer_cap(self, s: SymState, sender: Val, receiver: Val) -> tuple[SymState, Val]:
        """``ipc.transfer_cap``: (the state, the number of capabilities transferred)."""
        found, src = self.resolve(s, sender, get2(s, "ctx", sender, int(Reg.XFER_CAP)))
        ok, cap = self.derive(read_cap(s, src))
        slot_ok, dst = self.receive_slot(s, receiver)
        moved = and_(found, ok, slot_ok)
        return when(moved, self.insert(s, dst, cap, src), s), ite(moved, 1, 0)

    def transfer(self, s: SymState, sender: Val, receiver: Val, badge: Val, grant: Val, fault: Val) -> SymState:
        """``ipc.transfer``: the sender's message (its fault message when ``fault``) reaches the
        receiver's registers with ``badge``; a capability moves when ``grant`` allows."""
        sctx = select(s.ctx, sender)
        info = get2(s, "ctx", sender, int(Reg.MSGINFO))
        length = info_length(info)
        mr0 = int(Reg.MR0)
        smrs = lam(sctx, lambda i: select(sctx, i + mr0))
        wants = and_(grant, ne(field(info, msginfo.EXTRA_CAPS.lsb, msginfo.EXTRA_CAPS.width), 0))
        with_cap, caps = self.transfer_cap(s, sender, receiver)
        plain = when(wants, with_cap, s)
        caps = ite(wants, caps, 0)
        message = self.set_regs(plain, receiver, badge, pack(info_label(info), length, caps), smrs, length)
        fa, fb, fpc = get(s, "fa", sender), get(s, "fb", sender), get(s, "fpc", sender)
        fmrs = lam(sctx, lambda i: ite(eq(i, 0), fa, ite(eq(i, 1), fb, fpc)))
        faulted = self.set_regs(s, receiver, badge, pack(get(s, "fkind", sender), 3, 0), fmrs, 3)
        return when(fault, faulted, message)

    def await_reply(self, s: SymState, caller: Val, replier: Val, can_reply: Val) -> SymState:
        """``ipc._await_reply``."""
        waiting = put(self.set_state(s, caller, ON_REPLY, replier), "reply", replier, caller)
        return when(can_reply, waiting, self.set_state(s, caller, INACTIVE))

    def send(
        self,
        s: SymState,
        tid: Val,
        ep: Val,
        badge: Val,
        grant: Val,
        grant_reply: Val,
        call: Val,
        blocking: Val,
    ) -> SymState:
        """``ipc.send``."""
        fault = and_(call, get(s, "fhas", tid))
        receiving = eq(get(s, "epstate", ep), RECEIVING)
        receiver = self.wq_head(s, ep)
        m = self.wq_remove_at(s, ep, 0)
        m = put(m, "epstate", ep, ite(eq(get(m, "wlen", ep), 0), EP_IDLE, RECEIVING))
        m = self.transfer(m, tid, receiver, badge, grant, fault)
        m = self.wake(m, receiver)
        m = when(call, self.await_reply(m, tid, receiver, or_(grant, grant_reply, fault)), m)
        queued = self.set_state(s, tid, ON_SEND, ep, badge, grant, grant_reply, call)
        queued = put(self.wq_append(queued, ep, tid), "epstate", ep, SENDING)
        return when(receiving, m, when(blocking, queued, s))

    def receive(self, s: SymState, tid: Val, ep: Val, blocking: Val) -> SymState:
        """``ipc.receive``."""
        s = self.discard_reply(s, tid)
        bound = get(s, "bound", tid)
        signalled = and_(ne(bound, NONE), eq(get(s, "nstate", bound), N_ACTIVE))
        sending = eq(get(s, "epstate", ep), SENDING)
        sender = self.wq_head(s, ep)
        m = self.wq_remove_at(s, ep, 0)
        m = put(m, "epstate", ep, ite(eq(get(m, "wlen", ep), 0), EP_IDLE, SENDING))
        call = get(m, "tcall", sender)
        sbadge, sgrant, sgrantr = get(m, "tbadge", sender), get(m, "tgrant", sender), get(m, "tgrantr", sender)
        fault = and_(call, get(m, "fhas", sender))
        m = self.transfer(m, sender, tid, sbadge, sgrant, fault)
        m = when(call, self.await_reply(m, sender, tid, or_(sgrant, sgrantr, fault)), self.wake(m, sender))
        queued = self.set_state(s, tid, ON_RECV, ep)
        queued = put(self.wq_append(queued, ep, tid), "epstate", ep, RECEIVING)
        polled = self.write_message(s, tid, 0, 0)
        received = when(sending, m, when(blocking, queued, polled))
        return when(signalled, self.wait(s, tid, bound, blocking), received)

    def reply(self, s: SymState, tid: Val) -> SymState:
        """``ipc.reply``."""
        caller = get(s, "reply", tid)
        r = put(s, "reply", tid, NONE)
        restart = eq(info_label(get2(r, "ctx", tid, int(Reg.MSGINFO))), 0)
        f = self.clear_fault(r, caller)
        f = when(restart, self.wake(f, caller), self.set_state(f, caller, INACTIVE))
        ordinary = self.wake(self.transfer(r, tid, caller, 0, False, False), caller)
        replied = when(get(r, "fhas", caller), f, ordinary)
        return when(eq(caller, NONE), s, replied)

    def signal(self, s: SymState, n: Val, badge: Val) -> SymState:
        """``ipc.signal``."""
        state = get(s, "nstate", n)
        bound = get(s, "nbound", n)
        receiving = and_(ne(bound, NONE), eq(get(s, "tstate", bound), ON_RECV))
        woken = self.wake(self.write_message(self.cancel_ipc(s, bound), bound, badge, 0), bound)
        activated = put(put(s, "nstate", n, N_ACTIVE), "word", n, badge)
        waiter = self.wq_head(s, n)
        w = self.wq_remove_at(s, n, 0)
        w = put(w, "nstate", n, ite(eq(get(w, "wlen", n), 0), N_IDLE, N_WAITING))
        w = self.wake(self.write_message(w, waiter, badge, 0), waiter)
        combined = put(s, "word", n, bor(get(s, "word", n), badge))
        idle = when(receiving, woken, activated)
        return when(eq(state, N_IDLE), idle, when(eq(state, N_WAITING), w, combined))

    def wait(self, s: SymState, tid: Val, n: Val, blocking: Val) -> SymState:
        """``ipc.wait``."""
        active = eq(get(s, "nstate", n), N_ACTIVE)
        taken = put(put(s, "nstate", n, N_IDLE), "word", n, 0)
        taken = self.write_message(taken, tid, get(s, "word", n), 0)
        queued = self.set_state(s, tid, ON_NTFN, n)
        queued = put(self.wq_append(queued, n, tid), "nstate", n, N_WAITING)
        return when(active, taken, when(blocking, queued, self.write_message(s, tid, 0, 0)))

    def can_take_faults(self, cap: SymCap) -> Val:
        """``ipc.can_take_faults``."""
        r = cap.crights
        return and_(
            eq(cap.ctype, EP),
            r_bit(r, 1),
            or_(r_bit(r, 2), r_bit(r, 3)),
        )

    def raise_fault(self, s: SymState, tid: Val, kind: Val, a: Val, b: Val, pc: Val) -> SymState:
        """``ipc.raise_fault``."""
        found, ref = self.resolve(s, tid, get(s, "fault_ep", tid))
        cap = read_cap(s, ref)
        usable = and_(found, self.can_take_faults(cap))
        dead = self.clear_fault(self.set_state(s, tid, INACTIVE), tid)
        f = s
        for name, value in (("fhas", True), ("fkind", kind), ("fa", a), ("fb", b), ("fpc", pc)):
            f = put(f, name, tid, value)
        sent = self.send(f, tid, cap.cobj, cap.cbadge, False, True, True, True)
        return when(usable, sent, dead)
