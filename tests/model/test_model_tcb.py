"""TCB Configure, SetPriority, Suspend, Resume, Read/WriteRegisters, Bind/UnbindNotification."""

from __future__ import annotations

from mlk.abi.errors import Error
from mlk.abi.labels import Label
from mlk.abi.objects import NUM_PRIORITIES, EndpointState, ObjectType, RootSlot, ThreadState
from mlk.abi.rights import Right
from mlk.abi.syscalls import CONTEXT_REGS, ContextReg, Syscall
from mlk.model.state import CNode, Endpoint, Notification, VSpace
from tests.model.model_fixtures import (
    CN,
    VS,
    F,
    booted,
    cap,
    ctx,
    fails,
    mint,
    ok_call,
    reply_of,
    retype,
    sc,
    spawn,
    switch_to,
    tcb,
)

TOP = NUM_PRIORITIES - 1


def test_configure_counts_references() -> None:
    s = retype(booted(), ObjectType.TCB, F)
    t = cap(s, F).obj
    s = ok_call(s, F, Label.TCB_CONFIGURE, 77, CN, VS)
    assert (tcb(s, t).fault_ep, tcb(s, t).cspace, tcb(s, t).vspace) == (77, cap(s, CN).obj, cap(s, VS).obj)
    cn, vs = s.objects[cap(s, CN).obj], s.objects[cap(s, VS).obj]
    assert isinstance(cn, CNode) and cn.tcb_refs == 2 and isinstance(vs, VSpace) and vs.tcb_refs == 2
    s = ok_call(s, F, Label.TCB_CONFIGURE, 0, 0, 0)
    assert (tcb(s, t).cspace, tcb(s, t).vspace) == (None, None)
    assert s.objects[cap(s, CN).obj].tcb_refs == 1  # type: ignore[union-attr]


def test_configure_errors_in_order() -> None:
    s = retype(booted(), ObjectType.TCB, F)
    fails(s, Error.TRUNCATED_MESSAGE, F, Label.TCB_CONFIGURE, 0, CN)
    fails(s, Error.FAILED_LOOKUP, F, Label.TCB_CONFIGURE, 0, F + 1, F + 1)
    fails(s, Error.INVALID_CAPABILITY, F, Label.TCB_CONFIGURE, 0, VS, CN)
    fails(s, Error.FAILED_LOOKUP, F, Label.TCB_CONFIGURE, 0, CN, F + 1)
    fails(s, Error.INVALID_CAPABILITY, F, Label.TCB_CONFIGURE, 0, CN, CN)
    fails(s, Error.ILLEGAL_OPERATION, F, Label.FRAME_MAP, 0, 0, 0)


def test_set_priority() -> None:
    s, t = spawn(booted(), F, 10)
    assert s.queues == {10: (t,)}
    s = ok_call(s, F, Label.TCB_SET_PRIORITY, 20)
    assert s.queues == {20: (t,)} and tcb(s, t).priority == 20
    fails(s, Error.RANGE_ERROR, F, Label.TCB_SET_PRIORITY, NUM_PRIORITIES)
    fails(s, Error.TRUNCATED_MESSAGE, F, Label.TCB_SET_PRIORITY)
    s = ok_call(s, RootSlot.TCB, Label.TCB_SET_PRIORITY, 20)
    s = switch_to(s, t)
    fails(s, Error.ILLEGAL_OPERATION, F, Label.TCB_SET_PRIORITY, 21)


def test_a_higher_priority_thread_preempts_at_once() -> None:
    s, t = spawn(booted(), F, 10)
    root = s.current
    s = ok_call(s, F, Label.TCB_SET_PRIORITY, TOP)
    assert s.current == root and s.queues == {TOP: (t,)}
    s = ok_call(s, RootSlot.TCB, Label.TCB_SET_PRIORITY, 3)
    assert s.current == t and s.queues == {3: (root,)}


def test_suspend_and_resume() -> None:
    s, t = spawn(booted(), F, 10)
    s = ok_call(s, F, Label.TCB_SUSPEND)
    assert tcb(s, t).state.kind == ThreadState.INACTIVE and s.queues == {}
    s = ok_call(s, F, Label.TCB_SUSPEND)
    s = ok_call(s, F, Label.TCB_RESUME)
    assert tcb(s, t).state.kind == ThreadState.RUNNING and s.queues == {10: (t,)}
    s = ok_call(s, F, Label.TCB_RESUME)
    assert s.queues == {10: (t,)}


def test_suspend_takes_a_thread_out_of_an_endpoint_queue() -> None:
    s, t = spawn(booted(), F, TOP)
    s = retype(s, ObjectType.ENDPOINT, F + 1)
    s = switch_to(s, t)
    s, _ = sc(s, Syscall.RECV, F + 1)
    ep = cap(s, F + 1).obj
    assert s.objects[ep] == Endpoint(EndpointState.RECEIVING, (t,))
    s = ok_call(s, F, Label.TCB_SUSPEND)
    assert s.objects[ep] == Endpoint(EndpointState.IDLE, ())
    assert tcb(s, t).state.kind == ThreadState.INACTIVE


def test_read_and_write_registers() -> None:
    s = retype(booted(), ObjectType.TCB, F)
    t, me = cap(s, F).obj, s.current
    s = ok_call(s, F, Label.TCB_WRITE_REGISTERS, ContextReg.SP, 2, 0x8000, 0x1234)
    assert ctx(s, t)[ContextReg.SP :] == (0x8000, 0x1234)
    s = ok_call(s, F, Label.TCB_READ_REGISTERS, ContextReg.X10, 3)
    assert reply_of(s, me) == (Error.OK, (0, 0x8000, 0x1234))
    s = ok_call(s, RootSlot.TCB, Label.TCB_WRITE_REGISTERS, ContextReg.X5, 1, 99)
    assert ctx(s, me)[ContextReg.X5] == 99
    s = ok_call(s, RootSlot.TCB, Label.TCB_WRITE_REGISTERS, ContextReg.X0, 1, 99)
    assert reply_of(s, me) == (Error.OK, ())
    for first, count in ((0, 0), (0, 7), (CONTEXT_REGS - 2, 3)):
        fails(s, Error.RANGE_ERROR, F, Label.TCB_READ_REGISTERS, first, count)
    for first, count in ((0, 0), (0, 5), (CONTEXT_REGS - 1, 2)):
        fails(s, Error.RANGE_ERROR, F, Label.TCB_WRITE_REGISTERS, first, count, 1, 2, 3, 4)
    fails(s, Error.TRUNCATED_MESSAGE, F, Label.TCB_WRITE_REGISTERS, 0, 3, 1, 2)
    fails(s, Error.TRUNCATED_MESSAGE, F, Label.TCB_READ_REGISTERS, 0)


def test_bind_and_unbind_notification() -> None:
    s = retype(booted(), ObjectType.TCB, F)
    s = retype(s, ObjectType.NOTIFICATION, F + 1, count=2)
    t, n = cap(s, F).obj, cap(s, F + 1).obj
    fails(s, Error.ILLEGAL_OPERATION, F, Label.TCB_UNBIND_NOTIFICATION)
    fails(s, Error.FAILED_LOOKUP, F, Label.TCB_BIND_NOTIFICATION, F + 5)
    fails(s, Error.INVALID_CAPABILITY, F, Label.TCB_BIND_NOTIFICATION, CN)
    s = mint(s, F + 1, F + 3, Right.WRITE)
    fails(s, Error.INVALID_CAPABILITY, F, Label.TCB_BIND_NOTIFICATION, F + 3)
    s = ok_call(s, F, Label.TCB_BIND_NOTIFICATION, F + 1)
    assert tcb(s, t).bound == n and s.objects[n] == Notification(0, (), 0, t, 0)  # type: ignore[arg-type]
    fails(s, Error.ILLEGAL_OPERATION, F, Label.TCB_BIND_NOTIFICATION, F + 2)
    fails(s, Error.ILLEGAL_OPERATION, RootSlot.TCB, Label.TCB_BIND_NOTIFICATION, F + 1)
    s = ok_call(s, F, Label.TCB_UNBIND_NOTIFICATION)
    assert tcb(s, t).bound is None and s.objects[n].bound is None  # type: ignore[union-attr]


def test_bind_refuses_a_notification_with_waiters() -> None:
    s, t = spawn(booted(), F, TOP)
    s = retype(s, ObjectType.NOTIFICATION, F + 1)
    s = switch_to(s, t)
    s, _ = sc(s, Syscall.RECV, F + 1)
    fails(s, Error.ILLEGAL_OPERATION, RootSlot.TCB, Label.TCB_BIND_NOTIFICATION, F + 1)
