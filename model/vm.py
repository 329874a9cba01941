"""Address spaces: the frame and page-table invocations and their table walks.

An address space is a tree of 4 KiB-granule translation tables for 48-bit virtual addresses: a
VSpace (level 0) at the root, page tables at levels 1 to 3, 4 KiB frames in level-3 entries.
A page table gets its level when it is mapped: Page Table Map puts it into the first missing
entry along the walk for the given address. Where a frame or page table is mapped is recorded in
its capability (``Cap.mapped``), and only there. Every walk visits at most the four levels, so
every operation here is loop-free in the sense of the finite interface.

The spec does not model execute permission: a user mapping is readable (and executable), and
writable when it has WRITE.
"""

from __future__ import annotations

from mlk.abi.errors import Error
from mlk.abi.objects import PAGE_BITS, PT_INDEX_BITS, PT_LEVELS, VADDR_BITS, CapType
from mlk.abi.rights import Right
from mlk.model import cspace
from mlk.model.errors import KernelError
from mlk.model.state import Cap, ObjId, Pte, SlotRef
from mlk.model.tx import Tx

#: The rights a mapping can carry.
MAPPING_RIGHTS = Right.READ | Right.WRITE
#: The last level, where frames are mapped.
LEAF_LEVEL = PT_LEVELS - 1


def level_shift(level: int) -> int:
    """log2 of the bytes one entry of a level-``level`` table covers."""
    return PAGE_BITS + PT_INDEX_BITS * (LEAF_LEVEL - level)


def table_index(vaddr: int, level: int) -> int:
    """The index into a level-``level`` table that translates ``vaddr``."""
    return (vaddr >> level_shift(level)) & ((1 << PT_INDEX_BITS) - 1)


def walk(tx: Tx, vspace: ObjId, vaddr: int, level: int) -> ObjId | None:
    """The table at ``level`` on the walk for ``vaddr`` from ``vspace``, ``None`` when an entry
    on the way is missing."""
    table = vspace
    for lvl in range(level):
        entry = tx.table(table).entries.get(table_index(vaddr, lvl))
        if entry is None:
            return None
        table = entry.obj
    return table


def _set_entry(tx: Tx, table: ObjId, index: int, entry: Pte | None) -> None:
    obj = tx.table(table)
    entries = dict(obj.entries)
    if entry is None:
        del entries[index]
    else:
        entries[index] = entry
    tx.put(table, obj._replace(entries=entries))


def mapping_rights(requested: int, cap: Cap) -> int:
    """The rights a frame is mapped with: those requested, within the capability's, within READ
    and WRITE."""
    return requested & cap.rights & MAPPING_RIGHTS


def frame_map(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """Frame Map (MR0 = VSpace CPtr, MR1 = virtual address, MR2 = rights): map the frame.

    Checks, in order: the capability is already mapped (INVALID_CAPABILITY); the VSpace
    (FAILED_LOOKUP, INVALID_CAPABILITY); the address is not page aligned (ALIGNMENT_ERROR); the
    address is not below 2**48 (INVALID_ARGUMENT); the mapping rights (:func:`mapping_rights`)
    lack READ (INVALID_ARGUMENT); a table on the way is missing (FAILED_LOOKUP); the level-3 entry
    is in use (DELETE_FIRST).
    """
    vs_cptr, vaddr, rights = args[0], args[1], args[2]
    if cap.mapped is not None:
        raise KernelError(Error.INVALID_CAPABILITY)
    _, vscap = cspace.lookup_arg(tx, tid, vs_cptr, CapType.VSPACE)
    if vaddr & ((1 << PAGE_BITS) - 1):
        raise KernelError(Error.ALIGNMENT_ERROR)
    if vaddr >> VADDR_BITS:
        raise KernelError(Error.INVALID_ARGUMENT)
    granted = mapping_rights(rights, cap)
    if not granted & Right.READ:
        raise KernelError(Error.INVALID_ARGUMENT)
    leaf = walk(tx, vscap.obj, vaddr, LEAF_LEVEL)
    if leaf is None:
        raise KernelError(Error.FAILED_LOOKUP)
    index = table_index(vaddr, LEAF_LEVEL)
    if index in tx.table(leaf).entries:
        raise KernelError(Error.DELETE_FIRST)
    _set_entry(tx, leaf, index, Pte(cap.obj, granted))
    cspace.set_cap(tx, ref, cap._replace(mapped=(vscap.obj, vaddr)))
    return ()


def unmap_frame(tx: Tx, cap: Cap) -> None:
    """Remove the mapping the frame capability ``cap`` records (which must exist)."""
    assert cap.mapped is not None
    vspace, vaddr = cap.mapped
    leaf = walk(tx, vspace, vaddr, LEAF_LEVEL)
    assert leaf is not None
    _set_entry(tx, leaf, table_index(vaddr, LEAF_LEVEL), None)


def frame_unmap(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """Frame Unmap: remove the capability's mapping; nothing to do when it is unmapped."""
    if cap.mapped is not None:
        unmap_frame(tx, cap)
        cspace.set_cap(tx, ref, cap._replace(mapped=None))
    return ()


def page_table_map(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """Page Table Map (MR0 = VSpace CPtr, MR1 = virtual address): put the page table into the
    first missing entry of levels 0 to 2 on the walk for the address; it becomes a table of the
    next level, covering the aligned region around the address (the low bits of the address are
    ignored).

    Checks, in order: the capability is already mapped (INVALID_CAPABILITY); the VSpace
    (FAILED_LOOKUP, INVALID_CAPABILITY); the address is not below 2**48 (INVALID_ARGUMENT); the
    walk finds tables at all of levels 1 to 3 already (DELETE_FIRST).
    """
    vs_cptr, vaddr = args[0], args[1]
    if cap.mapped is not None:
        raise KernelError(Error.INVALID_CAPABILITY)
    _, vscap = cspace.lookup_arg(tx, tid, vs_cptr, CapType.VSPACE)
    if vaddr >> VADDR_BITS:
        raise KernelError(Error.INVALID_ARGUMENT)
    table = vscap.obj
    for level in range(LEAF_LEVEL):
        index = table_index(vaddr, level)
        entry = tx.table(table).entries.get(index)
        if entry is None:
            base = vaddr >> level_shift(level) << level_shift(level)
            _set_entry(tx, table, index, Pte(cap.obj, 0))
            cspace.set_cap(tx, ref, cap._replace(mapped=(vscap.obj, base)))
            return ()
        table = entry.obj
    raise KernelError(Error.DELETE_FIRST)


def unmap_table(tx: Tx, cap: Cap) -> None:
    """Remove the entry that maps the page table of ``cap`` (whose mapping must exist)."""
    assert cap.mapped is not None
    vspace, vaddr = cap.mapped
    table = vspace
    for level in range(LEAF_LEVEL):
        index = table_index(vaddr, level)
        entry = tx.table(table).entries[index]
        if entry.obj == cap.obj:
            _set_entry(tx, table, index, None)
            return
        table = entry.obj
    raise AssertionError("mapped page table not found on its walk")


def page_table_unmap(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """Page Table Unmap: remove the table from its address space; nothing to do when it is
    unmapped. A table that still has entries cannot be unmapped (DELETE_FIRST): unmap what it
    maps first, so that no capability's record of a mapping goes stale."""
    if cap.mapped is None:
        return ()
    if tx.table(cap.obj).entries:
        raise KernelError(Error.DELETE_FIRST)
    unmap_table(tx, cap)
    cspace.set_cap(tx, ref, cap._replace(mapped=None))
    return ()
