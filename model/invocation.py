"""Invocations: a Call or Send on a capability to an object other than an endpoint or
notification, the operation named by the message-info word's label.

The first checks are common to all invocations, in this order: the label names an operation of
the invoked capability's kind (ILLEGAL_OPERATION); the message is long enough for the operation's
arguments (TRUNCATED_MESSAGE). The operation's own checks follow (see each operation). A Call gets
the kernel's reply in its registers: ``x0`` the :class:`~mlk.abi.errors.Error` (OK on success),
``x1`` a message-info word with label 0 and the number of reply values, ``x2``.. the reply values
(none after an error). A Send or NBSend performs the operation and gets no reply.
"""

from __future__ import annotations

from collections.abc import Callable

from mlk.abi import msginfo
from mlk.abi.errors import Error
from mlk.abi.labels import Label
from mlk.abi.objects import CapType
from mlk.abi.syscalls import MSG_REGS, Reg
from mlk.model import cnode, irq, tcb, untyped, vm
from mlk.model.errors import KernelError
from mlk.model.state import Cap, ObjId, SlotRef
from mlk.model.tx import Tx

#: An operation: ``(tx, caller, invoked slot, invoked capability, message registers) -> reply``.
Handler = Callable[[Tx, ObjId, SlotRef, Cap, tuple[int, ...]], tuple[int, ...]]

#: For each (capability kind, label): the number of message registers the operation needs and
#: the operation.
OPERATIONS: dict[tuple[CapType, Label], tuple[int, Handler]] = {
    (CapType.UNTYPED, Label.UNTYPED_RETYPE): (5, untyped.retype),
    (CapType.CNODE, Label.CNODE_COPY): (4, cnode.copy),
    (CapType.CNODE, Label.CNODE_MINT): (5, cnode.mint),
    (CapType.CNODE, Label.CNODE_MOVE): (3, cnode.move),
    (CapType.CNODE, Label.CNODE_MUTATE): (5, cnode.mutate),
    (CapType.CNODE, Label.CNODE_DELETE): (1, cnode.delete_slot),
    (CapType.CNODE, Label.CNODE_REVOKE): (1, cnode.revoke),
    (CapType.TCB, Label.TCB_CONFIGURE): (3, tcb.configure),
    (CapType.TCB, Label.TCB_SET_PRIORITY): (1, tcb.set_priority),
    (CapType.TCB, Label.TCB_SUSPEND): (0, tcb.suspend),
    (CapType.TCB, Label.TCB_RESUME): (0, tcb.resume),
    (CapType.TCB, Label.TCB_READ_REGISTERS): (2, tcb.read_registers),
    (CapType.TCB, Label.TCB_WRITE_REGISTERS): (2, tcb.write_registers),
    (CapType.TCB, Label.TCB_BIND_NOTIFICATION): (1, tcb.bind_notification),
    (CapType.TCB, Label.TCB_UNBIND_NOTIFICATION): (0, tcb.unbind_notification),
    (CapType.IRQ_CONTROL, Label.IRQ_CONTROL_ISSUE): (3, irq.irq_control_issue),
    (CapType.IRQ_HANDLER, Label.IRQ_HANDLER_SET_NOTIFICATION): (1, irq.irq_set_notification),
    (CapType.IRQ_HANDLER, Label.IRQ_HANDLER_ACK): (0, irq.irq_ack),
    (CapType.IRQ_HANDLER, Label.IRQ_HANDLER_CLEAR): (0, irq.irq_clear),
    (CapType.FRAME, Label.FRAME_MAP): (3, vm.frame_map),
    (CapType.FRAME, Label.FRAME_UNMAP): (0, vm.frame_unmap),
    (CapType.PAGE_TABLE, Label.PAGE_TABLE_MAP): (2, vm.page_table_map),
    (CapType.PAGE_TABLE, Label.PAGE_TABLE_UNMAP): (0, vm.page_table_unmap),
}


def operation(cap: Cap, info: int) -> tuple[int, Handler] | None:
    """The operation a message-info word selects on ``cap``, ``None`` if there is none."""
    label = msginfo.LABEL.get(info)
    if label not in Label._value2member_map_:
        return None
    return OPERATIONS.get((cap.type, Label(label)))


def invoke(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, call: bool) -> None:
    """Thread ``tid`` invokes ``cap`` (in slot ``ref``) with the message in its registers; with
    ``call`` it gets the reply (unless the invocation destroyed it)."""
    ctx = tx.tcb(tid).ctx
    info = ctx[Reg.MSGINFO]
    length = min(msginfo.LENGTH.get(info), MSG_REGS)
    args = ctx[Reg.MR0 : Reg.MR0 + length]
    error: Error = Error.OK
    values: tuple[int, ...] = ()
    found = operation(cap, info)
    try:
        if found is None:
            raise KernelError(Error.ILLEGAL_OPERATION)
        nargs, handler = found
        if length < nargs:
            raise KernelError(Error.TRUNCATED_MESSAGE)
        values = handler(tx, tid, ref, cap, args)
    except KernelError as failure:
        error = failure.error
    if call and tid in tx.objects:
        reply_from_kernel(tx, tid, error, values)


def reply_from_kernel(tx: Tx, tid: ObjId, error: Error, values: tuple[int, ...]) -> None:
    """Write the kernel's reply into thread ``tid``'s registers (see the module documentation)."""
    ctx = list(tx.tcb(tid).ctx)
    ctx[Reg.BADGE] = int(error)
    ctx[Reg.MSGINFO] = msginfo.pack(0, len(values))
    ctx[Reg.MR0 : Reg.MR0 + len(values)] = values
    tx.set_ctx(tid, tuple(ctx))
