"""Kernel entries (events) and what a transition reports back (results).

The kernel is entered by a system call, the timer, a device interrupt or a user fault. Each event
carries the user registers of the thread that was running when it happened (as the exception
entry saved them), so that the spec's copy of that thread's context is exact. The refinement
checker builds events from the kernel's trace records and compares the kernel's effects with
:class:`Result`.
"""

from __future__ import annotations

from typing import NamedTuple

from mlk.abi.syscalls import CONTEXT_REGS, ContextReg, Reg
from mlk.model.state import WORD_MASK, Ctx, ObjId


class SyscallEvent(NamedTuple):
    """``svc #0`` by the current thread; ``ctx`` is its registers at the ``svc`` (x0-x10, SP,
    PC), so ``ctx[Reg.SYSNO]`` is the system call number."""

    ctx: Ctx


class TickEvent(NamedTuple):
    """The kernel's timer fired; ``ctx`` is the interrupted thread's registers (``None``: the
    spec's saved copy is still exact, e.g. the idle thread was running)."""

    ctx: Ctx | None = None


class IrqEvent(NamedTuple):
    """Interrupt line ``irq`` fired; ``ctx`` as for :class:`TickEvent`."""

    irq: int
    ctx: Ctx | None = None


class FaultEvent(NamedTuple):
    """The current thread took a user fault of ``kind`` (a :class:`mlk.abi.labels.FaultLabel`)
    with syndrome ``esr`` and fault address ``far``; ``ctx`` is its registers at the fault (the
    faulting PC is ``ctx[ContextReg.PC]``)."""

    kind: int
    esr: int
    far: int
    ctx: Ctx


#: Any kernel entry.
Event = SyscallEvent | TickEvent | IrqEvent | FaultEvent


class Result(NamedTuple):
    """What one step did, beyond the new state.

    ``running`` is the thread that runs when the kernel returns to user mode. ``regs`` lists, by
    ascending thread address, each thread whose saved registers the step changed, with all its
    new register values (the kernel writes only the changed ones). ``output`` is the bytes the
    debug console printed; ``halted`` is the status of a debug halt, else ``None``.
    """

    running: ObjId
    regs: tuple[tuple[ObjId, Ctx], ...]
    output: bytes
    halted: int | None


def normal_ctx(values: tuple[int, ...]) -> Ctx:
    """``values`` as a well-formed context: exactly ``CONTEXT_REGS`` registers (missing ones are
    zero, extra ones dropped), each reduced modulo 2**64."""
    padded = tuple(v & WORD_MASK for v in values[:CONTEXT_REGS])
    return padded + (0,) * (CONTEXT_REGS - len(padded))


def syscall_event(
    sysno: int,
    *,
    cptr: int = 0,
    msginfo: int = 0,
    mrs: tuple[int, ...] = (),
    xfer: int = 0,
    recv: int = 0,
    sp: int = 0,
    pc: int = 0,
) -> SyscallEvent:
    """Build the event of ``svc #0`` with the given register convention values (see
    :class:`mlk.abi.syscalls.Reg`); message registers beyond ``mrs`` are zero."""
    regs = [0] * CONTEXT_REGS
    regs[Reg.CPTR] = cptr
    regs[Reg.MSGINFO] = msginfo
    for i, v in enumerate(mrs[: Reg.SYSNO - Reg.MR0]):
        regs[Reg.MR0 + i] = v
    regs[Reg.SYSNO] = sysno
    regs[Reg.XFER_CAP] = xfer
    regs[Reg.RECV_SLOT] = recv
    regs[ContextReg.SP] = sp
    regs[ContextReg.PC] = pc
    return SyscallEvent(normal_ctx(tuple(regs)))
