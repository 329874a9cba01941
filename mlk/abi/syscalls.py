"""System call numbers and the register convention of ``svc #0``.

A user thread enters the kernel with ``svc #0``. The system call number travels in
:attr:`Reg.SYSNO`; every other register's meaning is fixed by :class:`Reg`. The eight seL4-style
calls come first; the debug calls exist only in debug and test builds (the spec treats them as
unknown system calls otherwise).
"""

from __future__ import annotations

from enum import IntEnum


class Syscall(IntEnum):
    """System call numbers (the value in :attr:`Reg.SYSNO` at ``svc #0``). Zero is never valid."""

    CALL = 1
    REPLY_RECV = 2
    SEND = 3
    NB_SEND = 4
    RECV = 5
    REPLY = 6
    YIELD = 7
    NB_RECV = 8
    DEBUG_PUTCHAR = 16
    DEBUG_HALT = 17
    #: Asks the refinement harness for a memory checkpoint at the end of this call (QEMU: the
    #: checkpoint channel of :mod:`mlk.abi.trace`); no effect on the kernel's state.
    DEBUG_CHECKPOINT = 18


#: Number of message registers. Six registers (x2-x7) carry a whole message, so no IPC buffer in
#: memory is needed: the largest invocation (Untyped Retype: type, size, destination CNode, first
#: slot, count) and the fault message (its kind in the label; ESR, FAR and PC) fit, and the fast
#: path never touches user memory. x8 carries the system call number, x9 and x10 the capability
#: transfer slots.
MSG_REGS = 6


class Reg(IntEnum):
    """General-purpose register numbers (``xN``) used by the system call convention.

    On entry: ``CPTR`` names the invoked capability, ``MSGINFO`` holds the message-info word,
    ``MR0``..``MR5`` the message, ``SYSNO`` the call number, ``XFER_CAP`` the CPtr of the capability
    to send (when the message-info word says one is sent), ``RECV_SLOT`` the CPtr of the empty slot
    that receives a capability. On return: ``BADGE`` (= ``CPTR``) holds the sender's badge or the
    error code of an invocation, ``MSGINFO`` the received message-info word, ``MR0``.. the message.
    """

    CPTR = 0
    BADGE = 0
    MSGINFO = 1
    MR0 = 2
    MR1 = 3
    MR2 = 4
    MR3 = 5
    MR4 = 6
    MR5 = 7
    SYSNO = 8
    XFER_CAP = 9
    RECV_SLOT = 10


class ContextReg(IntEnum):
    """Indices of the user registers the kernel ABI reads and writes, as TCB Read/WriteRegisters
    number them: ``x0``..``x10``, then ``SP`` (SP_EL0) and ``PC`` (ELR_EL1)."""

    X0 = 0
    X1 = 1
    X2 = 2
    X3 = 3
    X4 = 4
    X5 = 5
    X6 = 6
    X7 = 7
    X8 = 8
    X9 = 9
    X10 = 10
    SP = 11
    PC = 12


#: Number of registers in a thread's modelled user context (:class:`ContextReg`).
CONTEXT_REGS = 13

#: The debug calls read the low DEBUG_ARG_BITS bits of x0: the byte DEBUG_PUTCHAR prints, the
#: status DEBUG_HALT stops the machine with.
DEBUG_ARG_BITS = 8
