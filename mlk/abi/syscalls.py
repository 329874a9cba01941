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


#: Number of message registers. Six registers (x2-x7) carry a whole message, so no IPC buffer in
#: memory is needed: the largest invocation (Untyped Retype: type, size, destination CNode, first
#: slot, count) and the fault message (kind, ESR, FAR, PC) fit, and the fast path never touches
#: user memory. x8 carries the system call number, x9 and x10 the capability transfer slots.
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
