"""Capability lookup and the capability derivation tree (CDT).

CSpaces are single-level: a thread's CPtr is an index into its CSpace root CNode, without guards.
CPtr :data:`~mlk.abi.objects.NULL_CPTR` never resolves.

The CDT is kept in the slots: each :class:`~mlk.model.state.Slot` records its parent slot and its
children. Capabilities to one object form a subtree rooted at the object's *original* capability
(the one Untyped Retype or the boot code created): every other capability to the object was derived
from a capability to the same object. A capability is therefore the *final* one to its object
exactly when its parent is not a capability to the same object, which the kernel can decide in
constant time. Since a capability with children can be neither deleted nor moved
(:data:`~mlk.abi.errors.Error.REVOKE_FIRST`), the original is always the last capability to go.
"""

from __future__ import annotations

from mlk.abi.errors import Error
from mlk.abi.objects import NULL_CPTR, CapType
from mlk.model.errors import KernelError
from mlk.model.state import Cap, CNode, ObjId, Slot, SlotRef
from mlk.model.tx import Tx


def cap_target(cap: Cap) -> tuple[CapType, int]:
    """What ``cap`` designates: two capabilities designate the same object iff these are equal."""
    return cap.type, cap.obj


def is_final(tx: Tx, ref: SlotRef) -> bool:
    """Whether the capability in ``ref`` is the last one to its object (see the module doc)."""
    slot = tx.slots[ref]
    if slot.parent is None:
        return True
    return cap_target(tx.slots[slot.parent].cap) != cap_target(slot.cap)


def resolve(tx: Tx, tid: ObjId, cptr: int) -> SlotRef | None:
    """The occupied slot CPtr ``cptr`` names in thread ``tid``'s CSpace, or ``None`` when the
    thread has no CSpace, ``cptr`` is the null CPtr or outside the root CNode, or the slot is
    empty."""
    root = tx.tcb(tid).cspace
    if root is None or cptr == NULL_CPTR:
        return None
    cnode = tx.objects.get(root)
    if not isinstance(cnode, CNode) or cptr >> cnode.radix:
        return None
    ref = (root, cptr)
    return ref if ref in tx.slots else None


def lookup_arg(tx: Tx, tid: ObjId, cptr: int, ctype: CapType) -> tuple[SlotRef, Cap]:
    """Resolve a capability argument of an invocation: FAILED_LOOKUP when ``cptr`` names no
    capability, INVALID_CAPABILITY when it names one of another type than ``ctype``."""
    ref = resolve(tx, tid, cptr)
    if ref is None:
        raise KernelError(Error.FAILED_LOOKUP)
    cap = tx.slots[ref].cap
    if cap.type != ctype:
        raise KernelError(Error.INVALID_CAPABILITY)
    return ref, cap


def slot_in(tx: Tx, cnode: ObjId, index: int) -> SlotRef:
    """Slot ``index`` of CNode ``cnode``: RANGE_ERROR when the CNode has no such slot."""
    if index >> tx.cnode(cnode).radix:
        raise KernelError(Error.RANGE_ERROR)
    return cnode, index


def ensure_empty(tx: Tx, ref: SlotRef) -> None:
    """DELETE_FIRST when slot ``ref`` is occupied."""
    if ref in tx.slots:
        raise KernelError(Error.DELETE_FIRST)


def _count(tx: Tx, cnode: ObjId, delta: int) -> None:
    node = tx.cnode(cnode)
    tx.put(cnode, node._replace(used=node.used + delta))


def insert(tx: Tx, ref: SlotRef, cap: Cap, parent: SlotRef | None) -> None:
    """Put ``cap`` into the empty slot ``ref`` as the youngest child of ``parent``."""
    tx.put_slot(ref, Slot(cap, parent, ()))
    if parent is not None:
        pslot = tx.slots[parent]
        tx.put_slot(parent, pslot._replace(children=(*pslot.children, ref)))
    _count(tx, ref[0], 1)


def set_cap(tx: Tx, ref: SlotRef, cap: Cap) -> None:
    """Replace the capability in the occupied slot ``ref``, keeping its CDT links."""
    tx.put_slot(ref, tx.slots[ref]._replace(cap=cap))


def unlink(tx: Tx, ref: SlotRef) -> None:
    """Empty slot ``ref``, which must have no children, and detach it from its parent."""
    slot = tx.slots[ref]
    if slot.parent is not None:
        pslot = tx.slots[slot.parent]
        tx.put_slot(slot.parent, pslot._replace(children=tuple(c for c in pslot.children if c != ref)))
    tx.clear_slot(ref)
    _count(tx, ref[0], -1)


def move(tx: Tx, src: SlotRef, dst: SlotRef, cap: Cap) -> None:
    """Move the childless capability in ``src`` to the empty slot ``dst`` as ``cap``; it takes
    the old slot's place among its parent's children."""
    slot = tx.slots[src]
    if slot.parent is not None:
        pslot = tx.slots[slot.parent]
        tx.put_slot(slot.parent, pslot._replace(children=tuple(dst if c == src else c for c in pslot.children)))
    tx.clear_slot(src)
    tx.put_slot(dst, Slot(cap, slot.parent, ()))
    _count(tx, src[0], -1)
    _count(tx, dst[0], 1)
