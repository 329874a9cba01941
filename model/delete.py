"""Deleting a capability, and destroying an object with its last capability.

The finite interface: no deletion loops. A capability that has children cannot be deleted
(REVOKE_FIRST): its descendants go first, one per Delete or Revoke. Deleting an object's *final*
capability (see :mod:`mlk.model.cspace`) destroys the object, and an object whose destruction
would need a loop must be emptied by the user first (DELETE_FIRST):

* a CNode with occupied slots, or used as some thread's CSpace root;
* an endpoint with queued threads; a notification with waiters, or signalled by an interrupt line;
* a page table or VSpace with entries; a VSpace used as some thread's address space.

What destruction does in constant time: a TCB is suspended, unbound from its notification, and
releases the reply right it holds (its caller stays blocked, see
:func:`mlk.model.threads.discard_reply`) and its CSpace and VSpace references; a notification is
unbound from its thread; an IRQ handler's line becomes INACTIVE. Deleting any frame or page-table
capability first removes the mapping it records.
"""

from __future__ import annotations

from mlk.abi.errors import Error
from mlk.abi.objects import CapType
from mlk.model import cspace, irq, threads, vm
from mlk.model.errors import KernelError
from mlk.model.state import Cap, CNode, Endpoint, Notification, ObjId, PageTable, SlotRef, VSpace
from mlk.model.tx import Tx


def is_busy(tx: Tx, cap: Cap) -> bool:
    """Whether destroying the object of final capability ``cap`` needs the user to empty it
    first (see the module documentation)."""
    obj = tx.objects.get(cap.obj) if cap.type not in (CapType.UNTYPED, CapType.IRQ_HANDLER) else None
    if isinstance(obj, CNode):
        return obj.used > 0 or obj.tcb_refs > 0
    if isinstance(obj, Endpoint):
        return bool(obj.queue)
    if isinstance(obj, Notification):
        return bool(obj.queue) or obj.irq_refs > 0
    if isinstance(obj, PageTable):
        return bool(obj.entries)
    if isinstance(obj, VSpace):
        return bool(obj.entries) or obj.tcb_refs > 0
    return False


def check_delete(tx: Tx, ref: SlotRef) -> None:
    """The checks of deleting the capability in occupied slot ``ref``, in order: it has children
    (REVOKE_FIRST); it is final and its object is busy (DELETE_FIRST)."""
    slot = tx.slots[ref]
    if slot.children:
        raise KernelError(Error.REVOKE_FIRST)
    if cspace.is_final(tx, ref) and is_busy(tx, slot.cap):
        raise KernelError(Error.DELETE_FIRST)


def delete(tx: Tx, ref: SlotRef) -> None:
    """Delete the capability in slot ``ref`` (which passed :func:`check_delete`)."""
    cap = tx.slots[ref].cap
    final = cspace.is_final(tx, ref)
    if cap.mapped is not None:
        if cap.type == CapType.FRAME:
            vm.unmap_frame(tx, cap)
        else:
            vm.unmap_table(tx, cap)
    cspace.unlink(tx, ref)
    if final:
        destroy(tx, cap)


def _drop_ref(tx: Tx, oid: ObjId | None) -> None:
    if oid is None:
        return
    obj = tx.objects[oid]
    assert isinstance(obj, CNode | VSpace)
    tx.put(oid, obj._replace(tcb_refs=obj.tcb_refs - 1))


def destroy_tcb(tx: Tx, tid: ObjId) -> None:
    """Destroy thread ``tid`` (see the module documentation)."""
    threads.suspend(tx, tid)
    threads.unbind(tx, tid)
    threads.discard_reply(tx, tid)
    tcb = tx.tcb(tid)
    _drop_ref(tx, tcb.cspace)
    _drop_ref(tx, tcb.vspace)
    tx.remove(tid)


def destroy(tx: Tx, cap: Cap) -> None:
    """Destroy the object whose final capability ``cap`` was just deleted."""
    if cap.type == CapType.TCB:
        destroy_tcb(tx, cap.obj)
    elif cap.type == CapType.NOTIFICATION:
        bound = tx.notification(cap.obj).bound
        if bound is not None:
            threads.unbind(tx, bound)
        tx.remove(cap.obj)
    elif cap.type == CapType.IRQ_HANDLER:
        irq.release(tx, cap.obj)
    elif cap.type not in (CapType.UNTYPED, CapType.IRQ_CONTROL):
        tx.remove(cap.obj)
