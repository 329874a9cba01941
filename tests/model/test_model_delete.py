"""Destroying objects with their last capability, and the DELETE_FIRST / REVOKE_FIRST bounds."""

from __future__ import annotations

from mlk.abi.errors import Error
from mlk.abi.labels import Label
from mlk.abi.objects import NUM_PRIORITIES, EndpointState, ObjectType, RootSlot, ThreadState
from mlk.abi.rights import ALL_RIGHTS
from mlk.abi.syscalls import Syscall
from mlk.model.state import CNode, Endpoint, TState
from tests.model.model_fixtures import (
    CN,
    VS,
    F,
    booted,
    cap,
    fails,
    ok_call,
    retype,
    root_cnode,
    sc,
    spawn,
    switch_to,
    tcb,
)

TOP = NUM_PRIORITIES - 1


def test_copies_go_before_the_original_which_destroys() -> None:
    s = retype(booted(), ObjectType.ENDPOINT, F)
    s = ok_call(s, CN, Label.CNODE_COPY, F + 1, CN, F, ALL_RIGHTS)
    ep = cap(s, F).obj
    s = ok_call(s, CN, Label.CNODE_DELETE, F + 1)
    assert ep in s.objects
    s = ok_call(s, CN, Label.CNODE_DELETE, F)
    assert ep not in s.objects


def test_busy_endpoints_and_cnodes_must_be_emptied_first() -> None:
    s = retype(booted(), ObjectType.ENDPOINT, F)
    s, t = spawn(s, F + 1, TOP)
    s = switch_to(s, t)
    s, _ = sc(s, Syscall.RECV, F)
    fails(s, Error.DELETE_FIRST, CN, Label.CNODE_DELETE, F)
    s = retype(s, ObjectType.CNODE, F + 2, size=2)
    s = ok_call(s, CN, Label.CNODE_COPY, F + 3, CN, F + 2, ALL_RIGHTS)
    s = ok_call(s, F + 2, Label.CNODE_COPY, 1, CN, F + 3, ALL_RIGHTS)
    sub = cap(s, F + 2).obj
    assert s.objects[sub] == CNode(2, 1, 0)
    fails(s, Error.REVOKE_FIRST, CN, Label.CNODE_DELETE, F + 2)
    s = ok_call(s, F + 2, Label.CNODE_DELETE, 1)
    s = ok_call(s, CN, Label.CNODE_DELETE, F + 3)
    s = ok_call(s, F + 1, Label.TCB_CONFIGURE, 0, F + 2, VS)
    fails(s, Error.DELETE_FIRST, CN, Label.CNODE_DELETE, F + 2)
    fails(s, Error.DELETE_FIRST, CN, Label.CNODE_DELETE, CN)


def test_destroying_a_blocked_thread_cleans_up() -> None:
    s = retype(booted(), ObjectType.ENDPOINT, F)
    s = retype(s, ObjectType.NOTIFICATION, F + 2)
    s, t = spawn(s, F + 1, TOP)
    s = ok_call(s, F + 1, Label.TCB_BIND_NOTIFICATION, F + 2)
    s = switch_to(s, t)
    s, _ = sc(s, Syscall.RECV, F)
    cn_obj = s.objects[root_cnode(s)]
    assert isinstance(cn_obj, CNode) and cn_obj.tcb_refs == 2
    s = ok_call(s, CN, Label.CNODE_DELETE, F + 1)
    assert t not in s.objects and s.objects[cap(s, F).obj] == Endpoint(EndpointState.IDLE, ())
    assert s.objects[cap(s, F + 2).obj].bound is None  # type: ignore[union-attr]
    assert s.objects[root_cnode(s)].tcb_refs == 1  # type: ignore[union-attr]


def test_destroying_a_replier_or_a_caller_unlinks_the_reply() -> None:
    s = retype(booted(), ObjectType.ENDPOINT, F)
    s, t = spawn(s, F + 1, TOP)
    root = s.current
    s, u = spawn(s, F + 2, TOP)
    s = switch_to(s, t)
    s, _ = sc(s, Syscall.RECV, F)
    s = switch_to(s, u)
    s, _ = sc(s, Syscall.CALL, F)
    assert tcb(s, t).reply == u
    s = switch_to(s, root)
    s = ok_call(s, CN, Label.CNODE_DELETE, F + 1)
    assert tcb(s, u).state == TState(ThreadState.BLOCKED_ON_REPLY)
    s, t = spawn(s, F + 1, TOP)
    s = ok_call(s, F + 2, Label.TCB_SUSPEND)
    s = ok_call(s, F + 2, Label.TCB_RESUME)
    s = switch_to(s, t)
    s, _ = sc(s, Syscall.RECV, F)
    s = switch_to(s, u)
    s, _ = sc(s, Syscall.CALL, F)
    s = switch_to(s, root)
    s = ok_call(s, CN, Label.CNODE_DELETE, F + 2)
    assert tcb(s, t).reply is None and u not in s.objects


def test_a_thread_can_destroy_itself() -> None:
    s, t = spawn(booted(), F, TOP)
    root = s.current
    s, res = sc(s, Syscall.CALL, CN, Label.CNODE_DELETE, RootSlot.TCB)
    assert root not in s.objects and s.current == t and res.running == t and res.regs == ()


def test_destroying_a_bound_notification_unbinds_the_thread() -> None:
    s = retype(booted(), ObjectType.NOTIFICATION, F)
    s = ok_call(s, RootSlot.TCB, Label.TCB_BIND_NOTIFICATION, F)
    s = ok_call(s, CN, Label.CNODE_DELETE, F)
    assert tcb(s, s.current).bound is None
