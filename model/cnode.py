"""The CNode invocations: Copy, Mint, Move, Mutate, Delete and Revoke.

The invoked CNode capability names the destination CNode (Copy, Mint, Move, Mutate) or the CNode
whose slot is deleted or revoked. Slot indices are plain indices into that CNode; the source of a
Copy, Mint, Move or Mutate is a CNode named by CPtr in the caller's CSpace plus an index.

Rights are only ever masked: a derived or mutated capability has the source's rights ANDed with
the requested rights. A badge is set at most once: giving a non-zero badge for an endpoint or
notification capability that already has one is an ILLEGAL_OPERATION; a zero badge keeps the
source's; other capability kinds ignore the badge argument.

Revoke is bounded through the interface: one call deletes the slot's youngest child (which must
itself be deletable, else REVOKE_FIRST or DELETE_FIRST as for Delete) and returns in MR0 how many
children remain; the user repeats it until MR0 is 0. A loop in the kernel would need preemption
points and a restartable state, and would put a loop into every proof about Revoke.
"""

from __future__ import annotations

from mlk.abi.errors import Error
from mlk.abi.objects import CapType
from mlk.abi.rights import ALL_RIGHTS
from mlk.model import cspace, delete, ipc
from mlk.model.errors import KernelError
from mlk.model.state import Cap, ObjId, SlotRef
from mlk.model.tx import Tx

#: Capability kinds that carry a badge.
BADGED = (CapType.ENDPOINT, CapType.NOTIFICATION)


def mask_rights(cap: Cap, rights: int) -> Cap:
    """``cap`` with its rights restricted to ``rights``."""
    return cap._replace(rights=cap.rights & rights & ALL_RIGHTS)


def set_badge(cap: Cap, badge: int) -> Cap:
    """``cap`` with ``badge`` applied: ILLEGAL_OPERATION when a badgeable capability is badged
    already and ``badge`` is non-zero; a zero badge and other kinds leave ``cap`` unchanged."""
    if cap.type not in BADGED or badge == 0:
        return cap
    if cap.badge != 0:
        raise KernelError(Error.ILLEGAL_OPERATION)
    return cap._replace(badge=badge)


def _endpoints(tx: Tx, tid: ObjId, cap: Cap, args: tuple[int, ...]) -> tuple[SlotRef, SlotRef]:
    """The common checks, in order: destination index (RANGE_ERROR), destination empty
    (DELETE_FIRST), source CNode (FAILED_LOOKUP, INVALID_CAPABILITY), source index (RANGE_ERROR),
    source occupied (FAILED_LOOKUP)."""
    dst = cspace.slot_in(tx, cap.obj, args[0])
    cspace.ensure_empty(tx, dst)
    _, src_cnode = cspace.lookup_arg(tx, tid, args[1], CapType.CNODE)
    src = cspace.slot_in(tx, src_cnode.obj, args[2])
    if src not in tx.slots:
        raise KernelError(Error.FAILED_LOOKUP)
    return dst, src


def _derive(tx: Tx, src: SlotRef) -> Cap:
    cap = ipc.derive(tx.slots[src].cap)
    if cap is None:
        raise KernelError(Error.ILLEGAL_OPERATION)
    return cap


def copy(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """CNode Copy (MR0 = destination index, MR1 = source CNode CPtr, MR2 = source index,
    MR3 = rights mask): put a copy of the source capability, with masked rights, into the
    destination as a child of the source. After the common checks: the source capability cannot
    be copied (ILLEGAL_OPERATION)."""
    dst, src = _endpoints(tx, tid, cap, args)
    new = mask_rights(_derive(tx, src), args[3])
    cspace.insert(tx, dst, new, src)
    return ()


def mint(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """CNode Mint (Copy's arguments, MR4 = badge): as Copy, and the copy gets the badge. After
    Copy's checks: the badge cannot be set (ILLEGAL_OPERATION, see :func:`set_badge`)."""
    dst, src = _endpoints(tx, tid, cap, args)
    new = set_badge(mask_rights(_derive(tx, src), args[3]), args[4])
    cspace.insert(tx, dst, new, src)
    return ()


def move(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """CNode Move (MR0 = destination index, MR1 = source CNode CPtr, MR2 = source index): move
    the capability, with its place in the CDT. After the common checks: the source has children
    (REVOKE_FIRST)."""
    dst, src = _endpoints(tx, tid, cap, args)
    if tx.slots[src].children:
        raise KernelError(Error.REVOKE_FIRST)
    cspace.move(tx, src, dst, tx.slots[src].cap)
    return ()


def mutate(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """CNode Mutate (Move's arguments, MR3 = rights mask, MR4 = badge): move the capability and
    mask its rights and set its badge on the way. After Move's checks: the badge cannot be set
    (ILLEGAL_OPERATION); the capability is mapped and its rights would change (ILLEGAL_OPERATION:
    a mapping never has more rights than its capability, so unmap first)."""
    dst, src = _endpoints(tx, tid, cap, args)
    if tx.slots[src].children:
        raise KernelError(Error.REVOKE_FIRST)
    old = tx.slots[src].cap
    new = set_badge(mask_rights(old, args[3]), args[4])
    if old.mapped is not None and new.rights != old.rights:
        raise KernelError(Error.ILLEGAL_OPERATION)
    cspace.move(tx, src, dst, new)
    return ()


def delete_slot(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """CNode Delete (MR0 = index): delete the capability in the slot; an empty slot is already
    done. Checks, in order: the index (RANGE_ERROR), then those of
    :func:`mlk.model.delete.check_delete`."""
    target = cspace.slot_in(tx, cap.obj, args[0])
    if target in tx.slots:
        delete.check_delete(tx, target)
        delete.delete(tx, target)
    return ()


def revoke(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """CNode Revoke (MR0 = index): delete the youngest child of the capability in the slot and
    reply with the number of children left (MR0); an empty slot or a capability without children
    replies 0. Checks, in order: the index (RANGE_ERROR), then those of deleting the child
    (:func:`mlk.model.delete.check_delete`)."""
    target = cspace.slot_in(tx, cap.obj, args[0])
    slot = tx.slots.get(target)
    if slot is None or not slot.children:
        return (0,)
    child = slot.children[-1]
    delete.check_delete(tx, child)
    delete.delete(tx, child)
    return (len(slot.children) - 1,)
