"""The encoding of :mod:`mlk.model.irq`: IRQ control and handler invocations, interrupt delivery."""

from __future__ import annotations

from mlk.abi.errors import Error
from mlk.abi.objects import IrqState
from mlk.proofs.access import CNODE, IRQH, NTFN
from mlk.proofs.enc.base import OpResult, first_error, get, get2, put, put2, when
from mlk.proofs.enc.cspace import SymCap
from mlk.proofs.enc.vm import Vm
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import NONE, Val, and_, eq, ne, not_, r_bit

SIGNAL = int(IrqState.SIGNAL)


class IrqOps(Vm):
    """:mod:`mlk.model.irq`, with the numbering behind ``irq_refs``."""

    def line_attach(self, s: SymState, line: Val, n: Val) -> SymState:
        """``irq._ref_ntfn(n, +1)`` for ``line``: it is numbered last among ``n``'s lines."""
        k = get(s, "irq_refs", n)
        s = put(s, "irank", line, k)
        s = put2(s, "iat", n, k, line)
        return put(s, "irq_refs", n, k + 1)

    def line_detach(self, s: SymState, line: Val, n: Val) -> SymState:
        """``irq._ref_ntfn(n, -1)`` for ``line``: the last-numbered line takes its number."""
        last_k = get(s, "irq_refs", n) - 1
        k = get(s, "irank", line)
        last = get2(s, "iat", n, last_k)
        s = put2(s, "iat", n, k, last)
        s = put(s, "irank", last, k)
        return put(s, "irq_refs", n, last_k)

    def detach_if(self, s: SymState, line: Val) -> SymState:
        """Detach ``line`` from its notification, if it has one."""
        n = get(s, "intfn", line)
        return when(ne(n, NONE), self.line_detach(s, line, n), s)

    def set_line(self, s: SymState, line: Val, state: Val, ntfn: Val, badge: Val, masked: Val) -> SymState:
        """``tx.set_irq(line, Irq(state, ntfn, badge, masked))``; state ``NONE``: inactive."""
        for name, value in (("irqstate", state), ("intfn", ntfn), ("ibadge", badge), ("imasked", masked)):
            s = put(s, name, line, value)
        return s

    def irq_control_issue(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``irq.irq_control_issue``."""
        irq, cnode_cptr, index = args[0], args[1], args[2]
        lerr, cnref = self.lookup_arg(s, tid, cnode_cptr, CNODE)
        serr, dst = self.slot_in(s, get(s, "cobj", cnref), index)
        error = first_error(
            [
                (irq >= s.lines, Error.RANGE_ERROR),
                (ne(get(s, "irqstate", irq), NONE), Error.REVOKE_FIRST),
                (ne(lerr, 0), lerr),
                (ne(serr, 0), serr),
                (get(s, "occ", dst), Error.DELETE_FIRST),
            ]
        )
        done = self.set_line(s, irq, SIGNAL, NONE, 0, False)
        done = self.insert(done, dst, SymCap(IRQH, irq), ref)
        return OpResult(error, done)

    def irq_set_notification(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``irq.irq_set_notification``."""
        lerr, nref = self.lookup_arg(s, tid, args[0], NTFN)
        error = first_error([(ne(lerr, 0), lerr), (not_(r_bit(get(s, "crights", nref), 1)), Error.INVALID_CAPABILITY)])
        line = cap.cobj
        n = get(s, "cobj", nref)
        done = self.detach_if(s, line)
        done = self.line_attach(done, line, n)
        done = put(put(done, "intfn", line, n), "ibadge", line, get(s, "cbadge", nref))
        return OpResult(error, done)

    def irq_ack(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``irq.irq_ack``."""
        return OpResult(0, put(s, "imasked", cap.cobj, False))

    def irq_clear(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``irq.irq_clear``."""
        s = self.detach_if(s, cap.cobj)
        return OpResult(0, put(put(s, "intfn", cap.cobj, NONE), "ibadge", cap.cobj, 0))

    def release(self, s: SymState, line: Val) -> SymState:
        """``irq.release``: the line becomes inactive."""
        return self.set_line(self.detach_if(s, line), line, NONE, NONE, 0, False)

    def interrupt(self, s: SymState, line: Val) -> SymState:
        """``irq.interrupt``: a SIGNAL line that is not masked signals its notification."""
        deliver = and_(eq(get(s, "irqstate", line), SIGNAL), not_(get(s, "imasked", line)))
        masked = put(s, "imasked", line, True)
        n = get(s, "intfn", line)
        signalled = when(ne(n, NONE), self.signal(masked, n, get(s, "ibadge", line)), masked)
        return when(deliver, signalled, s)
