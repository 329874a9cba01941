"""Interrupts: the IRQ control and IRQ handler invocations and device interrupt delivery.

Each line is INACTIVE (no handler capability; absent from :attr:`State.irqs`), SIGNAL (a handler
capability exists; the line signals its notification, if one is set) or KERNEL (the timer). A
SIGNAL line that delivered an interrupt is masked until its handler acknowledges it.
"""

from __future__ import annotations

from mlk.abi.errors import Error
from mlk.abi.objects import CapType, IrqState
from mlk.abi.rights import Right
from mlk.model import cspace, ipc
from mlk.model.errors import KernelError
from mlk.model.state import Cap, Irq, ObjId, SlotRef
from mlk.model.tx import Tx


def _ref_ntfn(tx: Tx, ntfn: ObjId | None, delta: int) -> None:
    if ntfn is not None:
        obj = tx.notification(ntfn)
        tx.put(ntfn, obj._replace(irq_refs=obj.irq_refs + delta))


def irq_control_issue(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """IRQ Control Issue (MR0 = line, MR1 = destination CNode CPtr, MR2 = slot index): create the
    handler capability of the line in the given empty slot, as a child of the IRQ control
    capability; the line becomes SIGNAL (unmasked, no notification).

    Checks, in order: the line exists (RANGE_ERROR); it is INACTIVE (REVOKE_FIRST); the CNode
    (FAILED_LOOKUP, INVALID_CAPABILITY); the index (RANGE_ERROR); the slot is empty (DELETE_FIRST).
    """
    irq, cnode_cptr, index = args[0], args[1], args[2]
    if irq >= tx.machine.irq_lines:
        raise KernelError(Error.RANGE_ERROR)
    if irq in tx.irqs:
        raise KernelError(Error.REVOKE_FIRST)
    _, cncap = cspace.lookup_arg(tx, tid, cnode_cptr, CapType.CNODE)
    dst = cspace.slot_in(tx, cncap.obj, index)
    cspace.ensure_empty(tx, dst)
    tx.set_irq(irq, Irq(IrqState.SIGNAL, None, 0, False))
    cspace.insert(tx, dst, Cap(CapType.IRQ_HANDLER, irq), ref)
    return ()


def irq_set_notification(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """IRQ Handler Set Notification (MR0 = notification CPtr): the line signals that notification
    with the capability's badge from now on (replacing any earlier one).

    Checks, in order: the notification (FAILED_LOOKUP, INVALID_CAPABILITY; also INVALID_CAPABILITY
    when the capability lacks WRITE).
    """
    _, ncap = cspace.lookup_arg(tx, tid, args[0], CapType.NOTIFICATION)
    if not ncap.rights & Right.WRITE:
        raise KernelError(Error.INVALID_CAPABILITY)
    line = tx.irqs[cap.obj]
    _ref_ntfn(tx, line.ntfn, -1)
    _ref_ntfn(tx, ncap.obj, 1)
    tx.set_irq(cap.obj, line._replace(ntfn=ncap.obj, badge=ncap.badge))
    return ()


def irq_ack(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """IRQ Handler Ack: unmask the line, so that its next interrupt is delivered."""
    tx.set_irq(cap.obj, tx.irqs[cap.obj]._replace(masked=False))
    return ()


def irq_clear(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """IRQ Handler Clear: the line signals no notification any more."""
    line = tx.irqs[cap.obj]
    _ref_ntfn(tx, line.ntfn, -1)
    tx.set_irq(cap.obj, line._replace(ntfn=None, badge=0))
    return ()


def release(tx: Tx, irq: int) -> None:
    """The last handler capability of line ``irq`` is gone: the line becomes INACTIVE."""
    _ref_ntfn(tx, tx.irqs[irq].ntfn, -1)
    tx.set_irq(irq, None)


def interrupt(tx: Tx, irq: int) -> None:
    """Device interrupt on line ``irq`` (other than the kernel's own): a SIGNAL line that is not
    masked signals its notification (if set) with its badge and becomes masked. Any other line
    is ignored (the kernel keeps such lines disabled)."""
    line = tx.irqs.get(irq)
    if line is None or line.state != IrqState.SIGNAL or line.masked:
        return
    tx.set_irq(irq, line._replace(masked=True))
    if line.ntfn is not None:
        ipc.signal(tx, line.ntfn, line.badge)
