"""Invocation labels: the operation a Call or Send on a capability asks for.

The label travels in the message-info word. A label that the invoked capability's kind does not
implement is an illegal operation. Signal, Wait and Poll on a notification are plain Send, Recv and
NBRecv, without a label.
"""

from __future__ import annotations

from enum import IntEnum


class Label(IntEnum):
    """Invocation labels, one number per operation across all object kinds."""

    UNTYPED_RETYPE = 1
    CNODE_COPY = 2
    CNODE_MINT = 3
    CNODE_MOVE = 4
    CNODE_MUTATE = 5
    CNODE_DELETE = 6
    CNODE_REVOKE = 7
    TCB_CONFIGURE = 8
    TCB_SET_PRIORITY = 9
    TCB_SUSPEND = 10
    TCB_RESUME = 11
    TCB_READ_REGISTERS = 12
    TCB_WRITE_REGISTERS = 13
    TCB_BIND_NOTIFICATION = 14
    TCB_UNBIND_NOTIFICATION = 15
    IRQ_CONTROL_ISSUE = 16
    IRQ_HANDLER_SET_NOTIFICATION = 17
    IRQ_HANDLER_ACK = 18
    IRQ_HANDLER_CLEAR = 19
    FRAME_MAP = 20
    FRAME_UNMAP = 21
    PAGE_TABLE_MAP = 22
    PAGE_TABLE_UNMAP = 23


#: Number of message registers a fault message uses: MR0, MR1 (per :class:`FaultLabel`) and MR2,
#: the faulting PC.
FAULT_MSG_LENGTH = 3


class FaultLabel(IntEnum):
    """The label of a fault message: which kind of user fault a thread took.

    A fault message carries three message registers: MR0 and MR1 as documented per member, MR2 the
    faulting PC.
    """

    #: A user data access faulted: MR0 = ESR_EL1, MR1 = FAR_EL1.
    DATA_ABORT = 1
    #: A user instruction fetch faulted: MR0 = ESR_EL1, MR1 = FAR_EL1.
    INSTRUCTION_ABORT = 2
    #: An undefined instruction: MR0 = ESR_EL1, MR1 = 0.
    UNDEFINED_INSTRUCTION = 3
    #: A misaligned PC: MR0 = ESR_EL1, MR1 = FAR_EL1.
    PC_ALIGNMENT = 4
    #: A misaligned SP: MR0 = ESR_EL1, MR1 = 0.
    SP_ALIGNMENT = 5
    #: ``svc #0`` with a system call number the kernel does not know: MR0 = the number, MR1 = 0.
    UNKNOWN_SYSCALL = 6
    #: The capability a system call names is missing, of the wrong kind or lacks the needed
    #: right: MR0 = the CPtr, MR1 = the system call number.
    CAP_FAULT = 7
