"""IRQ Control Issue, IRQ Handler SetNotification/Ack/Clear, and device interrupt delivery."""

from __future__ import annotations

from mlk.abi.errors import Error
from mlk.abi.labels import Label
from mlk.abi.objects import IrqState, NotificationState, ObjectType, RootSlot
from mlk.abi.platform import Platform
from mlk.abi.rights import ALL_RIGHTS, Right
from mlk.model.events import IrqEvent
from mlk.model.state import Irq, Notification, State
from tests.model.model_fixtures import CN, F, booted, cap, fails, mint, ok_call, retype, root_cnode, run

IC = RootSlot.IRQ_CONTROL
UART = Platform.UART0_IRQ
H, N = F, F + 1


def handler_world() -> State:
    """A handler for the UART line in H, signalling notification N with badge 4 (minted in F+2)."""
    s = ok_call(booted(), IC, Label.IRQ_CONTROL_ISSUE, UART, CN, H)
    s = retype(s, ObjectType.NOTIFICATION, N)
    s = mint(s, N, F + 2, ALL_RIGHTS, 4)
    return ok_call(s, H, Label.IRQ_HANDLER_SET_NOTIFICATION, F + 2)


def test_issue() -> None:
    s = ok_call(booted(), IC, Label.IRQ_CONTROL_ISSUE, UART, CN, H)
    cn = root_cnode(s)
    assert cap(s, H).obj == UART and s.slots[(cn, H)].parent == (cn, IC)
    assert s.irqs[UART] == Irq(IrqState.SIGNAL, None, 0, False)
    issue = Label.IRQ_CONTROL_ISSUE
    fails(s, Error.TRUNCATED_MESSAGE, IC, issue, 40, CN)
    fails(s, Error.RANGE_ERROR, IC, issue, s.machine.irq_lines, 0, 0)
    fails(s, Error.REVOKE_FIRST, IC, issue, UART, 0, 0)
    fails(s, Error.REVOKE_FIRST, IC, issue, Platform.TIMER_IRQ, 0, 0)
    fails(s, Error.FAILED_LOOKUP, IC, issue, 40, 0, F + 1)
    fails(s, Error.INVALID_CAPABILITY, IC, issue, 40, IC, F + 1)
    fails(s, Error.RANGE_ERROR, IC, issue, 40, CN, 256)
    fails(s, Error.DELETE_FIRST, IC, issue, 40, CN, H)
    fails(s, Error.ILLEGAL_OPERATION, IC, Label.IRQ_HANDLER_ACK)


def test_set_notification_and_delivery() -> None:
    s = handler_world()
    n = cap(s, N).obj
    assert s.irqs[UART] == Irq(IrqState.SIGNAL, n, 4, False)
    assert s.objects[n] == Notification(NotificationState.IDLE, (), 0, None, 1)
    s, res = run(s, IrqEvent(UART))
    assert s.irqs[UART].masked and s.objects[n] == Notification(NotificationState.ACTIVE, (), 4, None, 1)
    assert res.regs == ()
    s2, _ = run(s, IrqEvent(UART))
    assert s2.objects == s.objects and s2.irqs == s.irqs
    s = ok_call(s, H, Label.IRQ_HANDLER_ACK)
    assert not s.irqs[UART].masked
    s = ok_call(s, H, Label.IRQ_HANDLER_CLEAR)
    assert s.irqs[UART] == Irq(IrqState.SIGNAL, None, 0, False) and s.objects[n].irq_refs == 0  # type: ignore[union-attr]
    s, _ = run(s, IrqEvent(UART))
    assert s.irqs[UART].masked and s.objects[n].word == 4  # type: ignore[union-attr]


def test_set_notification_errors_and_replacement() -> None:
    s = handler_world()
    S = Label.IRQ_HANDLER_SET_NOTIFICATION  # noqa: N806
    fails(s, Error.TRUNCATED_MESSAGE, H, S)
    fails(s, Error.FAILED_LOOKUP, H, S, F + 9)
    fails(s, Error.INVALID_CAPABILITY, H, S, CN)
    s = mint(s, N, F + 3, Right.READ)
    fails(s, Error.INVALID_CAPABILITY, H, S, F + 3)
    s = retype(s, ObjectType.NOTIFICATION, F + 4)
    s = ok_call(s, H, S, F + 4)
    assert s.objects[cap(s, N).obj].irq_refs == 0 and s.objects[cap(s, F + 4).obj].irq_refs == 1  # type: ignore[union-attr]


def test_stray_interrupts_are_ignored() -> None:
    s = booted()
    for line in (UART, 999, 40):
        s2, res = run(s, IrqEvent(line))
        assert s2.objects == s.objects and s2.irqs == s.irqs and res.regs == ()


def test_deleting_the_last_handler_frees_the_line() -> None:
    s = handler_world()
    s = ok_call(s, CN, Label.CNODE_COPY, F + 5, CN, H, ALL_RIGHTS)
    s = ok_call(s, CN, Label.CNODE_DELETE, F + 5)
    assert s.irqs[UART].state == IrqState.SIGNAL
    fails(s, Error.REVOKE_FIRST, CN, Label.CNODE_DELETE, N)
    s = ok_call(s, CN, Label.CNODE_DELETE, F + 2)
    fails(s, Error.DELETE_FIRST, CN, Label.CNODE_DELETE, N)
    s = ok_call(s, CN, Label.CNODE_DELETE, H)
    assert UART not in s.irqs and s.objects[cap(s, N).obj].irq_refs == 0  # type: ignore[union-attr]
    s = ok_call(s, IC, Label.IRQ_CONTROL_ISSUE, UART, CN, H)
