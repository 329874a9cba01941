"""The encoding of :mod:`mlk.model.vm`: frame and page-table invocations and table walks."""

from __future__ import annotations

from mlk.abi.errors import Error
from mlk.abi.objects import PAGE_BITS, VADDR_BITS
from mlk.abi.rights import Right
from mlk.model import vm
from mlk.proofs.access import VS, index_range, table_index
from mlk.proofs.enc.base import OpResult, first_error, get, get2, put, put2, when
from mlk.proofs.enc.cspace import SymCap
from mlk.proofs.enc.ipc import Ipc
from mlk.proofs.lemmas import base_keeps_indices, level_base
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import NONE, Val, and_, eq, is_sym, ite, mod, ne, not_, or_, r_and, r_bit, rights_of

LEAF = vm.LEAF_LEVEL


class Vm(Ipc):
    """:mod:`mlk.model.vm`, with the entry numbering behind ``nent`` and ``pte_cap``."""

    def walk(self, s: SymState, vspace: Val, vaddr: Val, level: int) -> tuple[Val, Val]:
        """``vm.walk``: (found, the table at ``level``)."""
        table = vspace
        found: Val = True
        for lvl in range(level):
            entry = get2(s, "pte", table, table_index(vaddr, lvl))
            found = and_(found, ne(entry, NONE))
            table = entry
        return found, table

    def index(self, vaddr: Val, level: int) -> Val:
        """The table index of ``vaddr`` at ``level`` where the step writes an entry: on a
        symbolic address with the fact that it is in range (a side condition: true of
        ``vm.table_index``, see :func:`mlk.proofs.access.table_index`)."""
        index = table_index(vaddr, level)
        if is_sym(index):
            self.side.append(index_range(index))
        return index

    def add_entry(self, s: SymState, table: Val, index: Val, obj: Val, rights: Val, ref: Val) -> SymState:
        """A new valid entry at ``index`` of ``table`` (which had none there), recorded by the
        capability in slot ``ref``."""
        n = get(s, "nent", table)
        s = put2(s, "pte", table, index, obj)
        s = put2(s, "pter", table, index, rights)
        s = put2(s, "pte_cap", table, index, ref)
        s = put2(s, "erank", table, index, n)
        s = put2(s, "eat", table, n, index)
        return put(s, "nent", table, n + 1)

    def remove_entry(self, s: SymState, table: Val, index: Val) -> SymState:
        """``vm._set_entry(table, index, None)``: the last-numbered entry takes its number."""
        n = get(s, "nent", table) - 1
        k = get2(s, "erank", table, index)
        last = get2(s, "eat", table, n)
        s = put2(s, "eat", table, k, last)
        s = put2(s, "erank", table, last, k)
        s = put(s, "nent", table, n)
        return put2(s, "pte", table, index, NONE)

    def mapping_rights(self, requested: Val, cap: SymCap) -> Val:
        """``vm.mapping_rights``."""
        return r_and(rights_of(requested), r_and(cap.crights, int(Right.READ | Right.WRITE)))

    def map_allowed(self, granted: Val) -> Val:
        """A mapping needs READ among its rights (``frame_map``'s check)."""
        return r_bit(granted, 0)

    def frame_map(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``vm.frame_map``: (error, state)."""
        vs_cptr, vaddr, rights = args[0], args[1], args[2]
        lerr, vsref = self.lookup_arg(s, tid, vs_cptr, VS)
        vspace = get(s, "cobj", vsref)
        granted = self.mapping_rights(rights, cap)
        found, leaf = self.walk(s, vspace, vaddr, LEAF)
        index = self.index(vaddr, LEAF)
        error = first_error(
            [
                (ne(cap.cmvs, NONE), Error.INVALID_CAPABILITY),
                (ne(lerr, 0), lerr),
                (ne(mod(vaddr, 1 << PAGE_BITS), 0), Error.ALIGNMENT_ERROR),
                (vaddr >= 1 << VADDR_BITS, Error.INVALID_ARGUMENT),
                (not_(self.map_allowed(granted)), Error.INVALID_ARGUMENT),
                (not_(found), Error.FAILED_LOOKUP),
                (ne(get2(s, "pte", leaf, index), NONE), Error.DELETE_FIRST),
            ]
        )
        done = self.add_entry(s, leaf, index, cap.cobj, granted, ref)
        done = self.set_cap(done, ref, cap.but(cmvs=vspace, cmva=vaddr))
        return OpResult(error, done)

    def frame_entry(self, s: SymState, cap: SymCap) -> tuple[Val, Val]:
        """The entry ``vm.unmap_frame`` removes for the mapped frame capability ``cap``: (table,
        index), the level-3 entry on the walk it records."""
        _, leaf = self.walk(s, cap.cmvs, cap.cmva, LEAF)
        return leaf, table_index(cap.cmva, LEAF)

    def unmap_frame(self, s: SymState, cap: SymCap) -> SymState:
        """``vm.unmap_frame``."""
        return self.remove_entry(s, *self.frame_entry(s, cap))

    def frame_unmap(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``vm.frame_unmap``."""
        done = self.set_cap(self.unmap_frame(s, cap), ref, cap.but(cmvs=NONE, cmva=0))
        return OpResult(0, when(ne(cap.cmvs, NONE), done, s))

    def page_table_map(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``vm.page_table_map``."""
        vs_cptr, vaddr = args[0], args[1]
        lerr, vsref = self.lookup_arg(s, tid, vs_cptr, VS)
        vspace = get(s, "cobj", vsref)
        tables = [vspace]
        for level in range(LEAF - 1):
            tables.append(get2(s, "pte", tables[level], table_index(vaddr, level)))
        # the first missing entry on the walk, chosen by level: one change of the state
        placed: Val = False
        table: Val = NONE
        index: Val = NONE
        new_level: Val = NONE
        base: Val = 0
        for level in reversed(range(LEAF)):
            missing = eq(get2(s, "pte", tables[level], table_index(vaddr, level)), NONE)
            placed = or_(missing, placed)
            table = ite(missing, tables[level], table)
            index = ite(missing, self.index(vaddr, level), index)
            new_level = ite(missing, level + 1, new_level)
            base = ite(missing, level_base(vaddr, level), base)
            if is_sym(vaddr):
                self.side += base_keeps_indices(vaddr, level)
        done = self.add_entry(s, table, index, cap.cobj, 0, ref)
        done = put(done, "ptlevel", cap.cobj, new_level)
        done = put(done, "ptvs", cap.cobj, vspace)
        done = self.set_cap(done, ref, cap.but(cmvs=vspace, cmva=base))
        error = first_error(
            [
                (ne(cap.cmvs, NONE), Error.INVALID_CAPABILITY),
                (ne(lerr, 0), lerr),
                (vaddr >= 1 << VADDR_BITS, Error.INVALID_ARGUMENT),
                (not_(placed), Error.DELETE_FIRST),
            ]
        )
        return OpResult(error, done)

    def table_entry(self, s: SymState, cap: SymCap) -> tuple[Val, Val, Val]:
        """The entry ``vm.unmap_table`` removes for the mapped page-table capability ``cap``:
        (found, table, index), the first entry on the walk it records that points at the table."""
        tables = [cap.cmvs]
        for level in range(LEAF - 1):
            tables.append(get2(s, "pte", tables[level], table_index(cap.cmva, level)))
        found: Val = False
        table: Val = NONE
        index: Val = NONE
        for level in reversed(range(LEAF)):
            hit = eq(get2(s, "pte", tables[level], table_index(cap.cmva, level)), cap.cobj)
            found = or_(hit, found)
            table = ite(hit, tables[level], table)
            index = ite(hit, table_index(cap.cmva, level), index)
        return found, table, index

    def unmap_table(self, s: SymState, cap: SymCap) -> SymState:
        """``vm.unmap_table``: remove the first entry on the walk that points at the table (one
        entry, chosen by level: one change of the state instead of one per level)."""
        found, table, index = self.table_entry(s, cap)
        done = when(found, self.remove_entry(s, table, index), s)
        done = put(done, "ptlevel", cap.cobj, NONE)
        return put(done, "ptvs", cap.cobj, NONE)

    def page_table_unmap(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        """``vm.page_table_unmap``."""
        is_mapped = ne(cap.cmvs, NONE)
        error = ite(and_(is_mapped, get(s, "nent", cap.cobj) > 0), int(Error.DELETE_FIRST), 0)
        done = self.set_cap(self.unmap_table(s, cap), ref, cap.but(cmvs=NONE, cmva=0))
        return OpResult(error, when(is_mapped, done, s))
