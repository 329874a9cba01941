"""The encoding of :mod:`mlk.model.delete`: deleting capabilities and destroying objects."""

from __future__ import annotations

from mlk.abi.errors import Error
from mlk.proofs.access import CNODE, EP, FRAME, IRQC, IRQH, NTFN, PT, TCB, UNTYPED, VS
from mlk.proofs.enc.base import first_error, get, get2, put, put2, when
from mlk.proofs.enc.cspace import SymCap, read_cap
from mlk.proofs.enc.irq import IrqOps
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import NONE, Val, and_, eq, ite, ne, or_


class Delete(IrqOps):
    """:mod:`mlk.model.delete`, with the numbering behind ``tcb_refs``."""

    def ref_add(self, s: SymState, o: Val, t: Val, flag: int) -> SymState:
        """Thread ``t`` starts using ``o`` as its CSpace (``flag`` 0) or VSpace (1)."""
        n = get(s, "trefs", o)
        s = put(s, "trank_c" if flag == 0 else "trank_v", t, n)
        s = put2(s, "tat", o, n, t)
        s = put2(s, "tatf", o, n, flag)
        return put(s, "trefs", o, n + 1)

    def ref_drop(self, s: SymState, o: Val, t: Val, flag: int) -> SymState:
        """Thread ``t`` stops using ``o`` as its CSpace (0) or VSpace (1); the last-numbered user
        takes its number."""
        n = get(s, "trefs", o) - 1
        k = get(s, "trank_c" if flag == 0 else "trank_v", t)
        last, last_flag = get2(s, "tat", o, n), get2(s, "tatf", o, n)
        s = put2(s, "tat", o, k, last)
        s = put2(s, "tatf", o, k, last_flag)
        s = when(eq(last_flag, 0), put(s, "trank_c", last, k), put(s, "trank_v", last, k))
        return put(s, "trefs", o, n)

    def drop_if(self, s: SymState, t: Val, flag: int) -> SymState:
        """``delete._drop_ref`` for thread ``t``'s CSpace (0) or VSpace (1)."""
        o = get(s, "cspace" if flag == 0 else "vspace", t)
        return when(ne(o, NONE), self.ref_drop(s, o, t, flag), s)

    def is_busy(self, s: SymState, cap: SymCap) -> Val:
        """``delete.is_busy``."""
        o = cap.cobj
        k = ite(or_(eq(cap.ctype, UNTYPED), eq(cap.ctype, IRQH)), 0, get(s, "kind", o))
        queued = get(s, "wlen", o) > 0
        entries = get(s, "nent", o) > 0
        users = get(s, "trefs", o) > 0
        return or_(
            and_(eq(k, CNODE), or_(get(s, "used", o) > 0, users)),
            and_(eq(k, EP), queued),
            and_(eq(k, NTFN), or_(queued, get(s, "irq_refs", o) > 0)),
            and_(eq(k, PT), entries),
            and_(eq(k, VS), or_(entries, users)),
        )

    def check_delete(self, s: SymState, ref: Val) -> Val:
        """``delete.check_delete``: the error."""
        return first_error(
            [
                (get(s, "nchild", ref) > 0, Error.REVOKE_FIRST),
                (and_(self.is_final(s, ref), self.is_busy(s, read_cap(s, ref))), Error.DELETE_FIRST),
            ]
        )

    def delete(self, s: SymState, ref: Val) -> SymState:
        """``delete.delete`` (after :meth:`check_delete` passed)."""
        cap = read_cap(s, ref)
        final = self.is_final(s, ref)
        unmapped = when(eq(cap.ctype, FRAME), self.unmap_frame(s, cap), self.unmap_table(s, cap))
        s = when(ne(cap.cmvs, NONE), unmapped, s)
        s = self.unlink(s, ref)
        return when(final, self.destroy(s, cap), s)

    def remove(self, s: SymState, o: Val) -> SymState:
        """``tx.remove``: the object at ``o`` is gone."""
        return put(s, "kind", o, 0)

    def destroy_tcb(self, s: SymState, t: Val) -> SymState:
        """``delete.destroy_tcb``."""
        s = self.suspend(s, t)
        s = self.unbind(s, t)
        s = self.discard_reply(s, t)
        s = self.drop_if(s, t, 0)
        s = self.drop_if(s, t, 1)
        return self.remove(s, t)

    def destroy(self, s: SymState, cap: SymCap) -> SymState:
        """``delete.destroy``: the object of the final capability ``cap`` is destroyed."""
        o = cap.cobj
        bound = get(s, "nbound", o)
        ntfn = self.remove(when(ne(bound, NONE), self.unbind(s, bound), s), o)
        t = cap.ctype
        other = when(or_(eq(t, UNTYPED), eq(t, IRQC)), s, self.remove(s, o))
        return when(
            eq(t, TCB), self.destroy_tcb(s, o), when(eq(t, NTFN), ntfn, when(eq(t, IRQH), self.release(s, o), other))
        )
