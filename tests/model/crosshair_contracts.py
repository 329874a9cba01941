"""CrossHair contracts: every transition, from a state with one object of each kind, with symbolic
register values, must keep every invariant and produce a well-formed result.

Each function builds the event of one transition from its symbolic arguments and applies
:func:`mlk.model.kernel.step` to :data:`BASE`; its postcondition is that the new state satisfies
all invariants and the result is well formed (``tests.model.stateful_machine.result_problems``).
``test_model_crosshair`` runs ``crosshair check`` on this module under a time budget.
"""

from __future__ import annotations

from mlk.abi import msginfo
from mlk.abi.labels import Label
from mlk.abi.objects import CapType, ObjectType, RootSlot
from mlk.abi.platform import Platform
from mlk.abi.syscalls import CONTEXT_REGS, Syscall
from mlk.model import cnode, ipc
from mlk.model.errors import KernelError
from mlk.model.events import FaultEvent, IrqEvent, Result, TickEvent, syscall_event
from mlk.model.invariants import violations
from mlk.model.kernel import step
from mlk.model.state import Cap, State
from tests.model.model_fixtures import CN, F, booted, mint, ok_call, retype, spawn
from tests.model.stateful_machine import result_problems


def _base() -> State:
    """Root with a second thread, an endpoint, a badged copy, a notification, a small CNode, a
    frame, a page table, a VSpace and a handler for the UART line."""
    s = retype(booted(), ObjectType.ENDPOINT, F)
    s, _ = spawn(s, F + 1, 200)
    s = retype(s, ObjectType.NOTIFICATION, F + 2)
    s = retype(s, ObjectType.CNODE, F + 3, size=2)
    s = retype(s, ObjectType.FRAME, F + 4)
    s = retype(s, ObjectType.PAGE_TABLE, F + 5)
    s = retype(s, ObjectType.VSPACE, F + 6)
    s = mint(s, F, F + 7, badge=5)
    return ok_call(s, RootSlot.IRQ_CONTROL, Label.IRQ_CONTROL_ISSUE, Platform.UART0_IRQ, CN, F + 8)


BASE = _base()
#: A slot of each capability kind in the root CNode.
SLOT = {
    CapType.UNTYPED: RootSlot.UNTYPED_FIRST,
    CapType.CNODE: CN,
    CapType.TCB: F + 1,
    CapType.IRQ_CONTROL: RootSlot.IRQ_CONTROL,
    CapType.IRQ_HANDLER: F + 8,
    CapType.FRAME: F + 4,
    CapType.PAGE_TABLE: F + 5,
}


def _ok(outcome: tuple[State, Result]) -> bool:
    return not violations(outcome[0]) and not result_problems(BASE, *outcome)


def _syscall(sysno: int, cptr: int, label: int, length: int, mrs: tuple[int, ...], xfer: int, recv: int) -> bool:
    info = msginfo.pack(label, length, 1)
    return _ok(step(BASE, syscall_event(sysno, cptr=cptr, msginfo=info, mrs=mrs, xfer=xfer, recv=recv)))


def _invoke(ctype: CapType, label: Label, a: int, b: int, c: int, d: int, e: int, length: int) -> bool:
    return _syscall(Syscall.CALL, SLOT[ctype], label, length, (a, b, c, d, e, 0), 0, 0)


def ipc_call(cptr: int, label: int, length: int, m0: int, xfer: int, recv: int) -> bool:
    """
    pre: 0 <= cptr < 300 and 0 <= label < 2**20 and 0 <= length < 16 and 0 <= m0 < 2**64
    pre: 0 <= xfer < 300 and 0 <= recv < 300
    post: __return__
    """
    return _syscall(Syscall.CALL, cptr, label, length, (m0,), xfer, recv)


def ipc_send(cptr: int, label: int, length: int, m0: int, xfer: int, recv: int) -> bool:
    """
    pre: 0 <= cptr < 300 and 0 <= label < 2**20 and 0 <= length < 16 and 0 <= m0 < 2**64
    pre: 0 <= xfer < 300 and 0 <= recv < 300
    post: __return__
    """
    return _syscall(Syscall.SEND, cptr, label, length, (m0,), xfer, recv)


def ipc_nb_send(cptr: int, label: int, length: int) -> bool:
    """
    pre: 0 <= cptr < 300 and 0 <= label < 2**20 and 0 <= length < 16
    post: __return__
    """
    return _syscall(Syscall.NB_SEND, cptr, label, length, (), 0, 0)


def ipc_recv(cptr: int, recv: int) -> bool:
    """
    pre: 0 <= cptr < 300 and 0 <= recv < 300
    post: __return__
    """
    return _syscall(Syscall.RECV, cptr, 0, 0, (), 0, recv)


def ipc_nb_recv(cptr: int) -> bool:
    """
    pre: 0 <= cptr < 300
    post: __return__
    """
    return _syscall(Syscall.NB_RECV, cptr, 0, 0, (), 0, 0)


def ipc_reply_recv(cptr: int, label: int) -> bool:
    """
    pre: 0 <= cptr < 300 and 0 <= label < 2**20
    post: __return__
    """
    return _syscall(Syscall.REPLY_RECV, cptr, label, 1, (7,), 0, 0)


def other_syscall(sysno: int, x0: int) -> bool:
    """Reply, Yield, the debug calls and unknown numbers.

    pre: 0 <= sysno < 2**64 and 0 <= x0 < 2**64
    post: __return__
    """
    return _syscall(sysno, x0, 0, 0, (), 0, 0)


def untyped_retype(kind: int, size: int, cnode: int, first: int, count: int, length: int) -> bool:
    """
    pre: 0 <= kind < 16 and 0 <= size < 64 and 0 <= cnode < 300 and 0 <= first < 2**64
    pre: 0 <= count < 16 and 0 <= length < 8
    post: __return__
    """
    return _invoke(CapType.UNTYPED, Label.UNTYPED_RETYPE, kind, size, cnode, first, count, length)


def cnode_copy_mint(label: int, dest: int, src_cnode: int, src: int, rights: int, badge: int) -> bool:
    """Copy, Mint, Move and Mutate.

    pre: 2 <= label <= 5 and 0 <= dest < 300 and 0 <= src_cnode < 300 and 0 <= src < 300
    pre: 0 <= rights < 32 and 0 <= badge < 2**64
    post: __return__
    """
    return _invoke(CapType.CNODE, Label(label), dest, src_cnode, src, rights, badge, 5)


def cnode_delete_revoke(label: int, index: int) -> bool:
    """
    pre: 6 <= label <= 7 and 0 <= index < 300
    post: __return__
    """
    return _invoke(CapType.CNODE, Label(label), index, 0, 0, 0, 0, 1)


def tcb_invocation(label: int, a: int, b: int, c: int, d: int, length: int) -> bool:
    """Every TCB invocation.

    pre: 8 <= label <= 15 and 0 <= a < 300 and 0 <= b < 300 and 0 <= c < 300 and 0 <= d < 2**64
    pre: 0 <= length < 8
    post: __return__
    """
    return _invoke(CapType.TCB, Label(label), a, b, c, d, 0, length)


def irq_invocation(label: int, a: int, b: int, c: int) -> bool:
    """IRQ control Issue (on the IRQ control capability) and the IRQ handler invocations.

    pre: 16 <= label <= 19 and 0 <= a < 400 and 0 <= b < 300 and 0 <= c < 300
    post: __return__
    """
    ctype = CapType.IRQ_CONTROL if label == Label.IRQ_CONTROL_ISSUE else CapType.IRQ_HANDLER
    return _invoke(ctype, Label(label), a, b, c, 0, 0, 3)


def vm_invocation(label: int, vspace: int, vaddr: int, rights: int) -> bool:
    """Frame and page table Map and Unmap.

    pre: 20 <= label <= 23 and 0 <= vspace < 300 and 0 <= vaddr < 2**64 and 0 <= rights < 32
    post: __return__
    """
    ctype = CapType.FRAME if label <= Label.FRAME_UNMAP else CapType.PAGE_TABLE
    return _invoke(ctype, Label(label), vspace, vaddr, rights, 0, 0, 3)


def events(which: int, irq: int, kind: int, esr: int, far: int) -> bool:
    """Ticks, interrupts on any line and faults of any kind.

    pre: 0 <= which < 3 and 0 <= irq < 2**32 and 0 <= kind < 2**64 and 0 <= esr < 2**64
    pre: 0 <= far < 2**64
    post: __return__
    """
    ctx = (0,) * CONTEXT_REGS
    event = (TickEvent(ctx), IrqEvent(irq, ctx), FaultEvent(kind, esr, far, ctx))[which]
    return _ok(step(BASE, event))


def mask_rights(rights: int, mask: int) -> bool:
    """Deriving never adds a right: the result is within both the source's and the mask.

    pre: 0 <= rights < 16 and 0 <= mask < 2**64
    post: __return__
    """
    derived = cnode.mask_rights(Cap(CapType.ENDPOINT, 0, rights), mask)
    return derived.rights & ~(rights & mask) == 0


def badge_is_kept(badge: int, new: int) -> bool:
    """A badged capability keeps its badge or the mint fails.

    pre: 0 < badge < 2**64 and 0 <= new < 2**64
    post: __return__
    """
    try:
        return cnode.set_badge(Cap(CapType.NOTIFICATION, 0, badge=badge), new).badge == badge
    except KernelError:
        return new != 0


def signals_accumulate(word: int, badge: int) -> bool:
    """A pending signal word keeps every bit ever signalled into it.

    pre: 0 <= word < 2**64 and 0 <= badge < 2**64
    post: __return__
    """
    combined = ipc.combine_badges(word, badge)
    return combined & word == word and combined & badge == badge
