"""The encoding of :mod:`mlk.model.kernel` and :mod:`mlk.model.invocation`: the transitions.

Each name of :data:`mlk.model.kernel.TRANSITIONS` has a *guard* (the condition under which
:func:`mlk.model.kernel.classify` names it, over an encoded state and event) and an *effect*
(:func:`mlk.model.kernel.step` restricted to the events the guard admits). Together they cover
every event in every state: the guards are exclusive and exhaustive (the differential test checks
that each pair's classification is the one guard that holds).
"""

from __future__ import annotations

from collections.abc import Callable

from mlk.abi import msginfo
from mlk.abi.errors import Error
from mlk.abi.labels import FaultLabel, Label
from mlk.abi.objects import TIME_SLICE_TICKS, CapType
from mlk.abi.syscalls import MSG_REGS, ContextReg, Reg, Syscall
from mlk.model.invocation import OPERATIONS
from mlk.proofs.access import EP, NTFN, TCB
from mlk.proofs.enc.base import FAULT, IRQ, OK, SYSCALL, TICK, OpResult, SymEvent, get, get2, put, put_row, when
from mlk.proofs.enc.cspace import SymCap, read_cap
from mlk.proofs.enc.ipc import info_label, info_length, pack
from mlk.proofs.enc.ops import Ops
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import NONE, Val, and_, eq, field, ite, mod, ne, not_, or_, r_bit, select

KERNEL_LINE = 2
SEND_CALLS = (int(Syscall.CALL), int(Syscall.SEND), int(Syscall.NB_SEND))
RECV_CALLS = (int(Syscall.RECV), int(Syscall.NB_RECV), int(Syscall.REPLY_RECV))
KNOWN_CALLS = tuple(int(c) for c in Syscall)
DEBUG_CALLS = (int(Syscall.DEBUG_PUTCHAR), int(Syscall.DEBUG_HALT), int(Syscall.DEBUG_CHECKPOINT))
LABEL_MASK = msginfo.LABEL.mask

#: The handler method of each invocation, by (capability type, label).
HANDLERS: dict[tuple[CapType, Label], str] = {
    (ctype, label): {
        "retype": "retype",
        "copy": "copy",
        "mint": "mint",
        "move": "move",
        "mutate": "mutate",
        "delete_slot": "delete_slot",
        "revoke": "revoke",
        "configure": "configure",
        "set_priority": "set_priority",
        "suspend": "tcb_suspend",
        "resume": "resume",
        "read_registers": "read_registers",
        "write_registers": "write_registers",
        "bind_notification": "bind_notification",
        "unbind_notification": "unbind_notification",
        "irq_control_issue": "irq_control_issue",
        "irq_set_notification": "irq_set_notification",
        "irq_ack": "irq_ack",
        "irq_clear": "irq_clear",
        "frame_map": "frame_map",
        "frame_unmap": "frame_unmap",
        "page_table_map": "page_table_map",
        "page_table_unmap": "page_table_unmap",
    }[handler.__name__]
    for (ctype, label), (_, handler) in OPERATIONS.items()
}


def _one_of(x: Val, values: tuple[int, ...]) -> Val:
    return or_(*(eq(x, v) for v in values))


class Kernel(Ops):
    """The encoded kernel: every transition of the spec (see the module documentation)."""

    # -- entry ------------------------------------------------------------------------------------

    def running(self, s: SymState) -> Val:
        """``kernel._enter`` finds a thread: the current thread is a TCB, not the idle thread."""
        return and_(eq(get(s, "kind", s.current), TCB), ne(s.current, s.idle))

    def enter(self, s: SymState, e: SymEvent) -> SymState:
        """``kernel._enter``: save the event's registers into the current thread."""
        return when(and_(self.running(s), e.has_ctx), put_row(s, "ctx", s.current, e.ctx), s)

    def reg(self, s: SymState, t: Val, r: int) -> Val:
        """Register ``r`` of thread ``t``."""
        return get2(s, "ctx", t, r)

    # -- kernel.py --------------------------------------------------------------------------------

    def tick(self, s: SymState) -> SymState:
        """``kernel.tick``."""
        cur = s.current
        left = get(s, "slice", cur) - 1
        used = put(s, "slice", cur, left)
        refilled = self.enqueue(put(s, "slice", cur, TIME_SLICE_TICKS), cur)
        return when(self.running(s), when(left > 0, used, refilled), s)

    def yield_(self, s: SymState, t: Val) -> SymState:
        """``kernel.yield_``."""
        return self.enqueue(put(s, "slice", t, TIME_SLICE_TICKS), t)

    def cap_fault(self, s: SymState, t: Val, cptr: Val, sysno: Val) -> SymState:
        """``kernel.cap_fault``."""
        return self.raise_fault(s, t, int(FaultLabel.CAP_FAULT), cptr, sysno, self.reg(s, t, int(ContextReg.PC)))

    def reply_from_kernel(self, s: SymState, t: Val, error: Val, values: Val, count: Val) -> SymState:
        """``invocation.reply_from_kernel``: ``x0`` = error, ``x1`` = the reply's message info,
        ``x2``.. = the values (none after an error)."""
        n = ite(eq(error, OK), count, 0)
        return self.set_regs(s, t, error, pack(0, n), values if values is not None else select(s.ctx, t), n)

    def handler_result(self, s: SymState, t: Val, name: str, ref: Val, cap: SymCap) -> tuple[Val, OpResult]:
        """The operation ``name`` invoked by ``t`` on ``cap`` in ``ref``, after the common checks:
        (the common checks' error, the handler's result)."""
        args = self.invocation_args(s, t)
        nargs = next(n for key, (n, _) in OPERATIONS.items() if HANDLERS[key] == name)
        result: OpResult = getattr(self, name)(s, t, ref, cap, args)
        return ite(args[-1] < nargs, int(Error.TRUNCATED_MESSAGE), OK), result

    def invocation_args(self, s: SymState, t: Val) -> list[Val]:
        """What a handler gets of thread ``t``'s message: every message register, then the
        message's length (as the spec's ``len(args)``)."""
        length = info_length(self.reg(s, t, int(Reg.MSGINFO)))
        return [*(self.reg(s, t, int(Reg.MR0) + i) for i in range(MSG_REGS)), length]

    def invoke(self, s: SymState, t: Val, ref: Val, cap: SymCap, call: Val, name: str | None) -> SymState:
        """``invocation.invoke`` of operation ``name`` (``None``: no operation of that label)."""
        if name is None:
            error, after, values, count = int(Error.ILLEGAL_OPERATION), s, None, 0
        else:
            common, result = self.handler_result(s, t, name, ref, cap)
            error = ite(ne(common, OK), common, result.error)
            after = when(eq(error, OK), result.state, s)
            values, count = result.values, result.count
        replied = self.reply_from_kernel(after, t, error, values, count)
        return when(and_(call, ne(get(after, "kind", t), 0)), replied, after)

    # -- system calls -----------------------------------------------------------------------------

    def lookup_call(self, s: SymState, t: Val) -> tuple[Val, Val, SymCap]:
        """The capability a send-like or receive-like call names: (found, slot, capability)."""
        found, ref = self.resolve(s, t, self.reg(s, t, int(Reg.CPTR)))
        return found, ref, read_cap(s, ref)

    def send_like(self, s: SymState, t: Val, endpoint: bool) -> SymState:
        """``kernel._send_like`` on an endpoint capability with WRITE (``endpoint``, the guard of
        endpoint_send) or a notification capability with WRITE (the guard of notification_signal);
        the invocation path is :meth:`invocation_step`, the others :meth:`cap_fault_step`. Each
        guard fixes the capability's type, so each effect is the spec's branch for that type
        alone: the other branch is dead under the guard, and encoding it made every goal of one
        transition pay for the other's effect (see :meth:`recv_like`)."""
        sysno = self.reg(s, t, int(Reg.SYSNO))
        _, _, cap = self.lookup_call(s, t)
        call = eq(sysno, int(Syscall.CALL))
        if endpoint:
            r, blocking = cap.crights, ne(sysno, int(Syscall.NB_SEND))
            return self.send(s, t, cap.cobj, cap.cbadge, r_bit(r, 2), r_bit(r, 3), call, blocking)
        signalled = self.signal(s, cap.cobj, cap.cbadge)
        return when(call, self.reply_from_kernel(signalled, t, OK, None, 0), signalled)

    def recv_like(self, s: SymState, t: Val, blocking: Val, endpoint: bool) -> SymState:
        """``kernel._recv_like`` on an endpoint capability with READ (``endpoint``, the guard of
        endpoint_receive), or a notification capability with READ whose notification is bound to
        no other thread (the guard of notification_wait; a notification bound to another thread
        is a capability fault, :meth:`cap_fault_step`). Each guard fixes the capability's type,
        so each effect is the spec's branch for that type alone. With both branches under a
        choice on the type, Wait's state after carried Receive's capability transfer: every
        capability field changed, and ``preserve/notification_wait/mappings_match_caps`` took 12.4
        million solver steps to find that no capability moves."""
        _, _, cap = self.lookup_call(s, t)
        if endpoint:
            return self.receive(s, t, cap.cobj, blocking)
        return self.wait(s, t, cap.cobj, blocking)

    def receive_step(self, s: SymState, t: Val, endpoint: bool) -> SymState:
        """Recv, NBRecv, ReplyRecv (the reply first) on an endpoint (``endpoint``) or a
        notification (:meth:`recv_like`)."""
        sysno = self.reg(s, t, int(Reg.SYSNO))
        replied = when(eq(sysno, int(Syscall.REPLY_RECV)), self.reply(s, t), s)
        return self.recv_like(replied, t, ne(sysno, int(Syscall.NB_RECV)), endpoint)

    def invocation_step(self, s: SymState, t: Val, name: str | None) -> SymState:
        """Call, Send or NBSend on a capability that is invoked (operation ``name``)."""
        _, ref, cap = self.lookup_call(s, t)
        call = eq(self.reg(s, t, int(Reg.SYSNO)), int(Syscall.CALL))
        return self.invoke(s, t, ref, cap, call, name)

    def unknown_syscall(self, s: SymState, t: Val) -> SymState:
        """An unknown system call number: an UNKNOWN_SYSCALL fault."""
        sysno = self.reg(s, t, int(Reg.SYSNO))
        return self.raise_fault(s, t, int(FaultLabel.UNKNOWN_SYSCALL), sysno, 0, self.reg(s, t, int(ContextReg.PC)))

    def cap_fault_step(self, s: SymState, t: Val) -> SymState:
        """A system call naming an unusable capability (ReplyRecv replies first)."""
        sysno = self.reg(s, t, int(Reg.SYSNO))
        replied = when(eq(sysno, int(Syscall.REPLY_RECV)), self.reply(s, t), s)
        return self.cap_fault(replied, t, self.reg(replied, t, int(Reg.CPTR)), sysno)

    def user_fault(self, s: SymState, t: Val, e: SymEvent) -> SymState:
        """``kernel.handle_fault``."""
        kind = field(e.fkind, 0, msginfo.LABEL.width)
        word = 1 << 64
        return self.raise_fault(s, t, kind, mod(e.esr, word), mod(e.far, word), self.reg(s, t, int(ContextReg.PC)))

    # -- transitions ------------------------------------------------------------------------------

    def classify_call(self, s: SymState, e: SymEvent) -> dict[str, Val]:
        """For a system call by a running thread: the condition of each system-call transition
        (as :func:`mlk.model.kernel._classify_syscall` decides, on the event's registers)."""
        sysno = e.reg(int(Reg.SYSNO))
        debug = s.debug
        known = _one_of(sysno, KNOWN_CALLS)
        debug_call = _one_of(sysno, DEBUG_CALLS)
        out: dict[str, Val] = {
            "reply": eq(sysno, int(Syscall.REPLY)),
            "yield": eq(sysno, int(Syscall.YIELD)),
            "debug_putchar": and_(eq(sysno, int(Syscall.DEBUG_PUTCHAR)), debug),
            "debug_halt": and_(eq(sysno, int(Syscall.DEBUG_HALT)), debug),
            "debug_checkpoint": and_(eq(sysno, int(Syscall.DEBUG_CHECKPOINT)), debug),
            "unknown_syscall": or_(not_(known), and_(debug_call, not_(debug))),
        }
        found, ref = self.resolve(s, s.current, e.reg(int(Reg.CPTR)))
        cap = read_cap(s, ref)
        recv = _one_of(sysno, RECV_CALLS)
        send = _one_of(sysno, SEND_CALLS)
        ipc = or_(recv, send)
        is_ep, is_ntfn = eq(cap.ctype, EP), eq(cap.ctype, NTFN)
        can_read, can_write = r_bit(cap.crights, 0), r_bit(cap.crights, 1)
        out["endpoint_receive"] = and_(recv, found, is_ep, can_read)
        out["endpoint_send"] = and_(send, found, is_ep, can_write)
        nbound = get(s, "nbound", cap.cobj)
        mine = or_(eq(nbound, NONE), eq(nbound, s.current))
        out["notification_wait"] = and_(recv, found, is_ntfn, can_read, mine)
        out["notification_signal"] = and_(send, found, is_ntfn, can_write)
        invoked = and_(send, found, not_(is_ep), not_(is_ntfn))
        label = info_label(e.reg(int(Reg.MSGINFO)))
        any_op: Val = False
        for ctype, lb in HANDLERS:
            cond = and_(invoked, eq(cap.ctype, int(ctype)), eq(label, int(lb)))
            out[lb.name.lower()] = cond
            any_op = or_(any_op, cond)
        out["illegal_invocation"] = and_(invoked, not_(any_op))
        bad_ipc = or_(
            not_(found),
            and_(recv, or_(not_(or_(is_ep, is_ntfn)), not_(can_read), and_(is_ntfn, not_(mine)))),
            and_(send, or_(is_ep, is_ntfn), not_(can_write)),
        )
        out["cap_fault"] = and_(ipc, bad_ipc)
        return out

    def guards(self, s: SymState, e: SymEvent) -> dict[str, Val]:
        """The guard of every transition (see :meth:`guard`), computed together."""
        live = not_(s.halted)
        line_kernel = eq(get(s, "irqstate", e.irq), KERNEL_LINE)
        running = self.running(s)
        syscall = and_(live, eq(e.kind, SYSCALL), running)
        out = {
            "halted": s.halted,
            "idle": and_(live, or_(eq(e.kind, SYSCALL), eq(e.kind, FAULT)), not_(running)),
            "tick": and_(live, or_(eq(e.kind, TICK), and_(eq(e.kind, IRQ), line_kernel))),
            "device_irq": and_(live, eq(e.kind, IRQ), not_(line_kernel)),
            "user_fault": and_(live, eq(e.kind, FAULT), running),
        }
        for name, cond in self.classify_call(s, e).items():
            out[name] = and_(syscall, cond)
        return out

    def guard(self, s: SymState, e: SymEvent, name: str) -> Val:
        """The condition under which ``classify`` names transition ``name``."""
        return self.guards(s, e)[name]

    def effect(self, s: SymState, e: SymEvent, name: str) -> SymState:
        """``step(s, e)`` for an event that ``guard(s, e, name)`` admits."""
        if name == "halted":
            return s
        if name == "idle":
            return self.schedule(s)
        s = self.enter(s, e) if name in ("tick", "device_irq") else put_row(s, "ctx", s.current, e.ctx)
        t = s.current
        if name == "tick":
            return self.schedule(self.tick(s))
        if name == "device_irq":
            return self.schedule(self.interrupt(s, e.irq))
        if name == "debug_halt":
            return s.but(halted=True)
        after = self.syscall_effect(s, e, t, name)
        return self.schedule(after)

    def syscall_effect(self, s: SymState, e: SymEvent, t: Val, name: str) -> SymState:
        """The transition ``name`` of a running thread ``t`` (registers already saved)."""
        simple: dict[str, Callable[[], SymState]] = {
            "user_fault": lambda: self.user_fault(s, t, e),
            "reply": lambda: self.reply(s, t),
            "yield": lambda: self.yield_(s, t),
            "debug_putchar": lambda: s,
            "debug_checkpoint": lambda: s,
            "unknown_syscall": lambda: self.unknown_syscall(s, t),
            "cap_fault": lambda: self.cap_fault_step(s, t),
            "endpoint_send": lambda: self.send_like(s, t, endpoint=True),
            "notification_signal": lambda: self.send_like(s, t, endpoint=False),
            "endpoint_receive": lambda: self.receive_step(s, t, endpoint=True),
            "notification_wait": lambda: self.receive_step(s, t, endpoint=False),
            "illegal_invocation": lambda: self.invocation_step(s, t, None),
        }
        if name in simple:
            return simple[name]()
        for (_, lb), handler in HANDLERS.items():
            if lb.name.lower() == name:
                return self.invocation_step(s, t, handler)
        raise KeyError(name)
