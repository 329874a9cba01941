"""The encoding of :mod:`mlk.model.cspace`: lookup and the capability derivation tree."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from mlk.abi.errors import Error
from mlk.abi.objects import NULL_CPTR
from mlk.proofs.access import CNODE, FRAME, IRQC, IRQH, PT, UNTYPED, VS
from mlk.proofs.enc.base import first_error, get, get2, put, put2, put_row, when
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import (
    NONE,
    Val,
    and_,
    eq,
    ite,
    lam,
    mkref,
    ne,
    no_ref,
    not_,
    or_,
    ref_cn,
    select,
)

#: Cap fields, as the state's per-slot field names.
CAP_FIELDS = ("ctype", "cobj", "crights", "cbadge", "cmvs", "cmva", "csb", "cwm", "usize")


@dataclass(frozen=True)
class SymCap:
    """A capability (:class:`mlk.model.state.Cap`), field by field; ``cmvs`` is -1 when unmapped."""

    ctype: Val
    cobj: Val
    crights: Val = 15
    cbadge: Val = 0
    cmvs: Val = NONE
    cmva: Val = 0
    csb: Val = 0
    cwm: Val = 0
    usize: Val = 0

    def but(self, **changes: Val) -> SymCap:
        """This capability with some fields replaced."""
        return replace(self, **changes)

    def select(self, other: SymCap, cond: Val) -> SymCap:
        """``self`` where ``cond`` holds, else ``other``."""
        return SymCap(**{f.name: ite(cond, getattr(self, f.name), getattr(other, f.name)) for f in fields(self)})


def read_cap(s: SymState, ref: Val) -> SymCap:
    """The capability in slot ``ref``."""
    return SymCap(**{name: get(s, name, ref) for name in CAP_FIELDS})


def write_cap(s: SymState, ref: Val, cap: SymCap) -> SymState:
    """``s`` with ``cap`` in slot ``ref`` (its occupancy and CDT links unchanged)."""
    for name in CAP_FIELDS:
        s = put(s, name, ref, getattr(cap, name))
    return s


def radix_limit(s: SymState, cnode: Val) -> Val:
    """``2**radix`` of CNode ``cnode`` (the ghost ``nslots``): larger indices are out of range."""
    return get(s, "nslots", cnode)


class CSpace:
    """:mod:`mlk.model.cspace`, with the ghost fields the derivation tree carries."""

    def cap_same(self, a: SymCap, b: SymCap) -> Val:
        """``cspace.cap_target(a) == cspace.cap_target(b)``."""
        return and_(eq(a.ctype, b.ctype), eq(a.cobj, b.cobj))

    def is_final(self, s: SymState, ref: Val) -> Val:
        """``cspace.is_final``: the capability is the last one to its object."""
        p = get(s, "parent", ref)
        return or_(eq(p, no_ref(ref)), not_(self.cap_same(read_cap(s, p), read_cap(s, ref))))

    def resolve(self, s: SymState, tid: Val, cptr: Val) -> tuple[Val, Val]:
        """``cspace.resolve``: (found, slot)."""
        root = get(s, "cspace", tid)
        ref = mkref(root, cptr)
        found = and_(
            ne(root, NONE),
            ne(cptr, NULL_CPTR),
            eq(get(s, "kind", root), CNODE),
            cptr < radix_limit(s, root),
            get(s, "occ", ref),
        )
        return found, ref

    def lookup_arg(self, s: SymState, tid: Val, cptr: Val, ctype: int) -> tuple[Val, Val]:
        """``cspace.lookup_arg``: (error, slot)."""
        found, ref = self.resolve(s, tid, cptr)
        error = first_error(
            [(not_(found), Error.FAILED_LOOKUP), (ne(get(s, "ctype", ref), ctype), Error.INVALID_CAPABILITY)]
        )
        return error, ref

    def slot_in(self, s: SymState, cnode: Val, index: Val) -> tuple[Val, Val]:
        """``cspace.slot_in``: (error, slot)."""
        return first_error([(index >= radix_limit(s, cnode), Error.RANGE_ERROR)]), mkref(cnode, index)

    def count_add(self, s: SymState, ref: Val) -> SymState:
        """The slot ``ref`` became occupied: its CNode's ``used`` grows, numbering it last."""
        cn = ref_cn(ref)
        n = get(s, "used", cn)
        s = put(s, "srank", ref, n)
        s = put2(s, "sat", cn, n, ref)
        return put(s, "used", cn, n + 1)

    def count_remove(self, s: SymState, ref: Val) -> SymState:
        """The slot ``ref`` became empty: ``used`` shrinks, the last-numbered slot takes its number."""
        cn = ref_cn(ref)
        n = get(s, "used", cn) - 1
        k = get(s, "srank", ref)
        last = get2(s, "sat", cn, n)
        s = put2(s, "sat", cn, k, last)
        s = put(s, "srank", last, k)
        return put(s, "used", cn, n)

    def _ghost_original(self, s: SymState, ref: Val, cap: SymCap, parent: Val) -> SymState:
        """Record ``ref`` as the original capability of its object (or the handler capability of
        its line) when it is one."""
        counted = and_(ne(cap.ctype, UNTYPED), ne(cap.ctype, IRQH), ne(cap.ctype, IRQC))
        pcap = read_cap(s, parent)
        copy = and_(ne(parent, no_ref(ref)), eq(pcap.ctype, cap.ctype), eq(pcap.cobj, cap.cobj))
        s = when(and_(counted, not_(copy)), put(s, "orig", cap.cobj, ref), s)
        return when(and_(eq(cap.ctype, IRQH), not_(copy)), put(s, "handler", cap.cobj, ref), s)

    def insert(self, s: SymState, ref: Val, cap: SymCap, parent: Val) -> SymState:
        """``cspace.insert``: ``cap`` into the empty slot ``ref`` as the youngest child of ``parent``
        (``NO_REF``: none)."""
        s = self._ghost_original(s, ref, cap, parent)
        s = write_cap(s, ref, cap)
        s = put(s, "occ", ref, True)
        s = put(s, "parent", ref, parent)
        s = put(s, "nchild", ref, 0)
        has = ne(parent, no_ref(ref))
        n = get(s, "nchild", parent)
        linked = put2(put(put(s, "nchild", parent, n + 1), "cpos", ref, n), "childat", parent, n, ref)
        s = when(has, linked, s)
        s = put(s, "depth", ref, ite(has, get(s, "depth", parent) + 1, 0))
        anc = s.anc
        prow = select(anc, parent)
        row = lam(prow, lambda y: and_(has, or_(eq(y, parent), select(prow, y))))
        s = put_row(s, "anc", ref, row)
        crow = select(s.achild, parent)
        s = put_row(s, "achild", ref, lam(crow, lambda y: ite(eq(y, parent), ref, select(crow, y))))
        return self.count_add(s, ref)

    def set_cap(self, s: SymState, ref: Val, cap: SymCap) -> SymState:
        """``cspace.set_cap``: replace the capability in an occupied slot, keeping its links."""
        return write_cap(s, ref, cap)

    def unlink_child(self, s: SymState, ref: Val) -> SymState:
        """Take ``ref`` out of its parent's children (later children move one place forward)."""
        p = get(s, "parent", ref)
        k = get(s, "cpos", ref)
        row = select(s.childat, p)
        cpos, parents = s.cpos, s.parent
        shifted = lam(row, lambda i: ite(i < k, select(row, i), select(row, i + 1)))
        s2 = put_row(s, "childat", p, shifted)
        s2 = put(s2, "nchild", p, get(s2, "nchild", p) - 1)
        pos = lam(
            cpos,
            lambda x: ite(
                eq(x, ref),
                NONE,
                ite(and_(eq(select(parents, x), p), select(cpos, x) > k), select(cpos, x) - 1, select(cpos, x)),
            ),
        )
        return when(ne(p, no_ref(ref)), s2.but(cpos=pos), s)

    def unlink(self, s: SymState, ref: Val) -> SymState:
        """``cspace.unlink``: empty the childless slot ``ref`` and detach it from its parent."""
        s = self.unlink_child(s, ref)
        s = put(s, "occ", ref, False)
        return self.count_remove(s, ref)

    def rename(self, s: SymState, src: Val, dst: Val) -> SymState:
        """Ghosts that name slot ``src`` name ``dst`` instead (the capability moved)."""
        orig, handler, pte_cap = s.orig, s.handler, s.pte_cap

        def renamed(arr: Val) -> Val:
            return lam(arr, lambda k: ite(eq(select(arr, k), src), dst, select(arr, k)))

        return s.but(
            orig=renamed(orig),
            handler=renamed(handler),
            pte_cap=lam(pte_cap, lambda t: renamed(select(pte_cap, t))),
        )

    def move_cap(self, s: SymState, src: Val, dst: Val, cap: SymCap) -> SymState:
        """``cspace.move``: the childless capability in ``src`` goes to the empty slot ``dst`` as
        ``cap``, in ``src``'s place among its parent's children."""
        p = get(s, "parent", src)
        has = ne(p, no_ref(src))
        k = get(s, "cpos", src)
        s = when(has, put(put2(s, "childat", p, k, dst), "cpos", dst, k), s)
        s = self.rename(s, src, dst)
        s = put(s, "depth", dst, get(s, "depth", src))
        s = put_row(s, "anc", dst, select(s.anc, src))
        crow = select(s.achild, src)
        s = put_row(s, "achild", dst, lam(crow, lambda y: ite(eq(select(crow, y), src), dst, select(crow, y))))
        s = put(s, "occ", src, False)
        s = self.count_remove(s, src)
        s = write_cap(s, dst, cap)
        s = put(s, "occ", dst, True)
        s = put(s, "parent", dst, p)
        s = put(s, "nchild", dst, 0)
        return self.count_add(s, dst)

    def ensure_empty(self, s: SymState, ref: Val) -> Val:
        """``cspace.ensure_empty``: the error."""
        return first_error([(get(s, "occ", ref), Error.DELETE_FIRST)])

    def derive(self, cap: SymCap) -> tuple[Val, SymCap]:
        """``ipc.derive``: (whether the capability may be copied, the copy)."""
        ok = and_(ne(cap.ctype, UNTYPED), ne(cap.ctype, PT), ne(cap.ctype, VS))
        return ok, cap.select(cap.but(cmvs=NONE, cmva=0), ne(cap.ctype, FRAME))
