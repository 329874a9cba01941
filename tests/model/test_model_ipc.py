"""Endpoints, replies, capability transfer, notifications, faults and the other system calls."""

from __future__ import annotations

from mlk.abi import msginfo
from mlk.abi.errors import Error
from mlk.abi.labels import FAULT_MSG_LENGTH, FaultLabel, Label
from mlk.abi.objects import (
    NUM_PRIORITIES,
    EndpointState,
    NotificationState,
    ObjectType,
    RootSlot,
    ThreadState,
)
from mlk.abi.rights import ALL_RIGHTS, Right
from mlk.abi.syscalls import CONTEXT_REGS, ContextReg, Reg, Syscall
from mlk.model.events import FaultEvent, syscall_event
from mlk.model.kernel import step
from mlk.model.state import INACTIVE, RUNNING, Endpoint, Notification, State, TState
from tests.model.model_fixtures import (
    F,
    booted,
    cap,
    ctx,
    mint,
    ok_call,
    reply_of,
    retype,
    root_cnode,
    run,
    sc,
    spawn,
    switch_to,
    tcb,
)

TOP = NUM_PRIORITIES - 1
EP, T, NT = F, F + 1, F + 2


def world() -> tuple[State, int, int]:
    """Root and thread ``t`` (same priority, same CSpace), an endpoint at EP, a notification at NT."""
    s = retype(booted(), ObjectType.ENDPOINT, EP)
    s, t = spawn(s, T, TOP)
    s = retype(s, ObjectType.NOTIFICATION, NT)
    return s, s.current, t


def msg(s: State, tid: int) -> tuple[int, int, int, int, tuple[int, ...]]:
    """(badge, label, length, extra caps, message registers) as thread ``tid`` received them."""
    regs = ctx(s, tid)
    info = regs[Reg.MSGINFO]
    n = msginfo.LENGTH.get(info)
    return regs[Reg.BADGE], msginfo.LABEL.get(info), n, msginfo.EXTRA_CAPS.get(info), regs[Reg.MR0 : Reg.MR0 + n]


def test_send_blocks_until_a_receiver_comes() -> None:
    s, root, t = world()
    s = mint(s, EP, F + 3, ALL_RIGHTS, 0x77)
    s, res = sc(s, Syscall.SEND, F + 3, 5, 10, 20, 30)
    ep = cap(s, EP).obj
    assert s.objects[ep] == Endpoint(EndpointState.SENDING, (root,))
    assert tcb(s, root).state == TState(ThreadState.BLOCKED_ON_SEND, ep, 0x77, True, True, False)
    assert s.current == t and res.running == t and res.regs == ()
    s, res = sc(s, Syscall.RECV, EP)
    assert msg(s, t) == (0x77, 5, 3, 0, (10, 20, 30))
    assert tcb(s, root).state == RUNNING and s.objects[ep] == Endpoint(EndpointState.IDLE, ())
    assert res.regs == ((t, ctx(s, t)),) and s.current == t and s.queues == {TOP: (root,)}


def test_receive_blocks_until_a_sender_comes() -> None:
    s, root, t = world()
    s, _ = sc(s, Syscall.RECV, EP)
    assert tcb(s, root).state == TState(ThreadState.BLOCKED_ON_RECEIVE, cap(s, EP).obj)
    s, res = sc(s, Syscall.SEND, EP, 9, 1, 2, 3, 4, 5, 6, 7, length=15)
    assert msg(s, root) == (0, 9, 6, 0, (1, 2, 3, 4, 5, 6))
    assert s.current == t and s.queues == {TOP: (root,)} and res.regs == ((root, ctx(s, root)),)


def test_non_blocking_variants() -> None:
    s, root, _ = world()
    s, res = sc(s, Syscall.NB_SEND, EP, 1, 2)
    assert s.current == root and tcb(s, root).state == RUNNING and res.regs == ()
    s, _ = ok_call(s, RootSlot.TCB, Label.TCB_WRITE_REGISTERS, 0, 2, 5, 6), None
    s, res = sc(s, Syscall.NB_RECV, EP, 0, 1, 2)
    assert ctx(s, root)[:2] == (0, 0) and s.current == root


def test_call_and_reply() -> None:
    s, root, t = world()
    s = switch_to(s, t)
    s, _ = sc(s, Syscall.RECV, EP)
    s, _ = sc(s, Syscall.CALL, EP, 3, 42)
    assert tcb(s, root).state == TState(ThreadState.BLOCKED_ON_REPLY, t) and tcb(s, t).reply == root
    assert msg(s, t) == (0, 3, 1, 0, (42,)) and s.current == t
    s, res = sc(s, Syscall.REPLY, 0, 8, 43, 44)
    assert msg(s, root) == (0, 8, 2, 0, (43, 44)) and tcb(s, t).reply is None
    assert tcb(s, root).state == RUNNING and s.current == t and s.queues == {TOP: (root,)}
    s2, res = sc(s, Syscall.REPLY)
    assert res.regs == () and tcb(s2, root) == tcb(s, root) and s2.queues == s.queues


def test_call_without_a_reply_right_leaves_the_caller_inactive() -> None:
    s, root, t = world()
    s = mint(s, EP, F + 3, Right.WRITE)
    s = switch_to(s, t)
    s, _ = sc(s, Syscall.RECV, EP)
    s, _ = sc(s, Syscall.CALL, F + 3, 1)
    assert tcb(s, root).state == INACTIVE and tcb(s, t).reply is None and s.current == t


def test_call_queued_then_received_awaits_the_reply() -> None:
    s, root, t = world()
    s = mint(s, EP, F + 3, Right.WRITE | Right.GRANT_REPLY, 5)
    s, _ = sc(s, Syscall.CALL, F + 3, 1, 7)
    s, _ = sc(s, Syscall.RECV, EP)
    assert msg(s, t) == (5, 1, 1, 0, (7,)) and tcb(s, root).state == TState(ThreadState.BLOCKED_ON_REPLY, t)
    s, _ = sc(s, Syscall.REPLY_RECV, EP, 2, 8)
    assert msg(s, root) == (0, 2, 1, 0, (8,)) and tcb(s, t).state.kind == ThreadState.BLOCKED_ON_RECEIVE
    assert s.current == root


def test_receive_discards_a_pending_reply_right() -> None:
    s, root, t = world()
    s = switch_to(s, t)
    s, _ = sc(s, Syscall.RECV, EP)
    s, _ = sc(s, Syscall.CALL, EP)
    s, _ = sc(s, Syscall.NB_RECV, EP)
    assert tcb(s, t).reply is None and tcb(s, root).state == TState(ThreadState.BLOCKED_ON_REPLY)
    s, _ = sc(s, Syscall.REPLY)
    assert tcb(s, root).state.kind == ThreadState.BLOCKED_ON_REPLY


def test_capability_transfer_needs_grant() -> None:
    s, _root, t = world()
    cn = root_cnode(s)
    s = switch_to(s, t)
    s, _ = sc(s, Syscall.RECV, EP, recv=F + 10)
    s, _ = sc(s, Syscall.SEND, EP, 0, extra=1, xfer=NT)
    assert msg(s, t)[3] == 1 and cap(s, F + 10) == cap(s, NT)
    assert s.slots[(cn, F + 10)].parent == (cn, NT)
    s = mint(s, EP, F + 4, Right.WRITE | Right.READ)
    s = switch_to(s, t)
    s, _ = sc(s, Syscall.RECV, EP, recv=F + 11)
    s, _ = sc(s, Syscall.SEND, F + 4, 0, extra=1, xfer=NT)
    assert msg(s, t)[3] == 0 and (cn, F + 11) not in s.slots
    s = switch_to(s, t)
    s, _ = sc(s, Syscall.RECV, EP, recv=F + 10)
    s, _ = sc(s, Syscall.SEND, EP, 0, extra=1, xfer=NT)
    assert msg(s, t)[3] == 0
    s = switch_to(s, t)
    s, _ = sc(s, Syscall.RECV, EP, recv=F + 12)
    s, _ = sc(s, Syscall.SEND, EP, 0, extra=1, xfer=RootSlot.VSPACE)
    assert msg(s, t)[3] == 0 and (cn, F + 12) not in s.slots


def test_endpoint_rights_are_checked() -> None:
    s, root, _ = world()
    s = mint(s, EP, F + 3, Right.READ)
    s = mint(s, EP, F + 4, Right.WRITE)
    s1, _ = sc(s, Syscall.SEND, F + 3)
    assert tcb(s1, root).state == INACTIVE
    s2, _ = sc(s, Syscall.RECV, F + 4)
    assert tcb(s2, root).state == INACTIVE


def test_notifications() -> None:
    s, root, t = world()
    n = cap(s, NT).obj
    s = mint(s, NT, F + 3, ALL_RIGHTS, 0b0101)
    s = mint(s, NT, F + 4, ALL_RIGHTS, 0b0011)
    s, _ = sc(s, Syscall.SEND, F + 3)
    assert s.objects[n] == Notification(NotificationState.ACTIVE, (), 0b0101, None, 0)
    s, _res = sc(s, Syscall.CALL, F + 4)
    assert s.objects[n] == Notification(NotificationState.ACTIVE, (), 0b0111, None, 0)
    assert reply_of(s, root) == (Error.OK, ())
    s, _ = sc(s, Syscall.RECV, NT)
    assert ctx(s, root)[:2] == (0b0111, 0) and s.objects[n].state == NotificationState.IDLE  # type: ignore[union-attr]
    s, _ = sc(s, Syscall.NB_RECV, NT)
    assert ctx(s, root)[:2] == (0, 0)
    s, _ = sc(s, Syscall.RECV, NT)
    assert s.objects[n] == Notification(NotificationState.WAITING, (root,), 0, None, 0) and s.current == t
    s, _ = sc(s, Syscall.NB_SEND, F + 4)
    assert ctx(s, root)[:2] == (0b0011, 0) and tcb(s, root).state == RUNNING
    assert s.objects[n] == Notification(NotificationState.IDLE, (), 0, None, 0)


def test_bound_notification_reaches_a_receiving_thread() -> None:
    s, root, t = world()
    s = mint(s, NT, F + 3, ALL_RIGHTS, 6)
    s = ok_call(s, T, Label.TCB_BIND_NOTIFICATION, NT)
    s = switch_to(s, t)
    s, _ = sc(s, Syscall.RECV, EP)
    s, _ = sc(s, Syscall.SEND, F + 3)
    assert ctx(s, t)[:2] == (6, 0) and tcb(s, t).state == RUNNING
    assert s.objects[cap(s, EP).obj] == Endpoint(EndpointState.IDLE, ())
    s, _ = sc(s, Syscall.SEND, F + 3)
    s = switch_to(s, t)
    s, _ = sc(s, Syscall.RECV, EP)
    assert ctx(s, t)[:2] == (6, 0) and s.current == t
    s, _ = sc(s, Syscall.RECV, NT)
    assert tcb(s, t).state.kind == ThreadState.BLOCKED_ON_NOTIFICATION
    s, _ = sc(s, Syscall.RECV, NT)
    assert tcb(s, root).state == INACTIVE


def fault_world() -> tuple[State, int, int]:
    """Thread ``t`` with fault endpoint EP (badge 0x99), root waiting on EP as its handler."""
    s = retype(booted(), ObjectType.ENDPOINT, EP)
    s = mint(s, EP, F + 3, ALL_RIGHTS, 0x99)
    s, t = spawn(s, T, TOP, fault_ep=F + 3)
    root = s.current
    s, _ = sc(s, Syscall.RECV, EP)
    assert s.current == t
    return s, root, t


def test_fault_message_and_restart() -> None:
    s, root, t = fault_world()
    regs = [0] * CONTEXT_REGS
    regs[ContextReg.PC] = 0x1000
    s, _res = run(s, FaultEvent(FaultLabel.DATA_ABORT, 0x9200_0046, 0xDEAD, tuple(regs)))
    assert msg(s, root) == (0x99, FaultLabel.DATA_ABORT, FAULT_MSG_LENGTH, 0, (0x9200_0046, 0xDEAD, 0x1000))
    assert tcb(s, t).state == TState(ThreadState.BLOCKED_ON_REPLY, root) and tcb(s, t).fault is not None
    assert s.current == root
    s, _ = sc(s, Syscall.REPLY, 0, 0)
    assert tcb(s, t).state == RUNNING and tcb(s, t).fault is None and ctx(s, t)[ContextReg.PC] == 0x1000


def test_fault_reply_with_a_label_stops_the_thread() -> None:
    s, root, t = fault_world()
    s, _ = run(s, syscall_event(Syscall.SEND, cptr=200, pc=0x44))
    assert msg(s, root) == (0x99, FaultLabel.CAP_FAULT, FAULT_MSG_LENGTH, 0, (200, Syscall.SEND, 0x44))
    s, _ = sc(s, Syscall.REPLY, 0, 1)
    assert tcb(s, t).state == INACTIVE and tcb(s, t).fault is None


def test_unknown_syscall_is_a_fault() -> None:
    s, root, _t = fault_world()
    s, _ = run(s, syscall_event(77, pc=0x10))
    assert msg(s, root) == (0x99, FaultLabel.UNKNOWN_SYSCALL, 3, 0, (77, 0, 0x10))


def test_fault_without_a_handler_stops_the_thread() -> None:
    s, _, t = world()
    s = switch_to(s, t)
    s, _ = run(s, FaultEvent(FaultLabel.UNDEFINED_INSTRUCTION, 1, 0, ctx(s, t)))
    assert tcb(s, t).state == INACTIVE and tcb(s, t).fault is None and s.current != t


def test_debug_calls() -> None:
    s, root, _ = world()
    s, res = sc(s, Syscall.DEBUG_PUTCHAR, 0x141)
    assert res.output == b"A" and res.regs == () and s.current == root
    s, res = sc(s, Syscall.DEBUG_HALT, 0x103)
    assert res.halted == 3 and s.halted == 3
    s2, res = step(s, syscall_event(Syscall.DEBUG_PUTCHAR, cptr=66))
    assert s2 is s and res.output == b"" and res.halted == 3


def test_debug_calls_are_unknown_in_release_builds() -> None:
    s = booted(debug=False)
    root = s.current
    s, res = sc(s, Syscall.DEBUG_PUTCHAR, 65)
    assert res.output == b"" and tcb(s, root).state == INACTIVE and res.running == s.machine.idle_tcb
    s, res = sc(s, Syscall.DEBUG_PUTCHAR, 65)
    assert res.running == s.machine.idle_tcb and res.regs == ()


def test_a_queued_fault_message_waits_for_its_handler() -> None:
    s = retype(booted(), ObjectType.ENDPOINT, EP)
    s = mint(s, EP, F + 3, ALL_RIGHTS, 0x99)
    s, t = spawn(s, T, TOP, fault_ep=F + 3)
    root = s.current
    s = switch_to(s, t)
    s, _ = run(s, FaultEvent(FaultLabel.INSTRUCTION_ABORT, 0x8600_0007, 0x5000, (0,) * CONTEXT_REGS))
    ep = cap(s, EP).obj
    assert tcb(s, t).state == TState(ThreadState.BLOCKED_ON_SEND, ep, 0x99, False, True, True)
    assert s.objects[ep] == Endpoint(EndpointState.SENDING, (t,)) and s.current == root
    s, _ = sc(s, Syscall.RECV, EP)
    assert msg(s, root) == (0x99, FaultLabel.INSTRUCTION_ABORT, 3, 0, (0x8600_0007, 0x5000, 0))
    assert tcb(s, t).state == TState(ThreadState.BLOCKED_ON_REPLY, root) and tcb(s, root).reply == t
