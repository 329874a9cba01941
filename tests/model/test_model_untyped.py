"""Untyped Retype: placement, watermark, reuse, and every error in its order."""

from __future__ import annotations

from mlk.abi.errors import Error
from mlk.abi.labels import Label
from mlk.abi.objects import (
    CNODE_MAX_RADIX,
    RETYPE_MAX_OBJECTS,
    UNTYPED_MAX_BITS,
    CapType,
    EndpointState,
    ObjectType,
    RootSlot,
    ThreadState,
)
from mlk.abi.platform import Platform
from mlk.abi.rights import ALL_RIGHTS, Right
from mlk.abi.syscalls import Syscall
from mlk.model.invariants import violations
from mlk.model.state import CNode, Endpoint, Frame, Notification, PageTable, Tcb, VSpace
from tests.model.model_fixtures import CN, UT, F, booted, call, cap, fails, ok_call, reply_of, retype, root_cnode, sc

BASE = Platform.RAM_BASE


def test_retype_places_objects_aligned_at_the_watermark() -> None:
    s = retype(booted(), ObjectType.ENDPOINT, F)
    assert cap(s, F) == cap(s, F)._replace(type=CapType.ENDPOINT, obj=BASE, rights=ALL_RIGHTS, badge=0)
    assert cap(s, UT).watermark == 16
    s = retype(s, ObjectType.TCB, F + 1, count=2)
    assert [cap(s, F + 1).obj, cap(s, F + 2).obj] == [BASE + 0x400, BASE + 0x800]
    assert cap(s, UT).watermark == 0xC00
    assert s.objects[BASE] == Endpoint(EndpointState.IDLE, ())
    t = s.objects[BASE + 0x400]
    assert isinstance(t, Tcb) and t.state.kind == ThreadState.INACTIVE and t.priority == 0
    cn = root_cnode(s)
    assert s.slots[(cn, UT)].children == ((cn, F), (cn, F + 1), (cn, F + 2))
    assert s.slots[(cn, F + 2)].parent == (cn, UT)
    assert s.objects[cn] == CNode(8, len([k for k in s.slots if k[0] == cn]), 1)


def test_retype_every_kind() -> None:
    s = booted()
    kinds = [
        (ObjectType.NOTIFICATION, 0, Notification),
        (ObjectType.CNODE, 3, CNode),
        (ObjectType.FRAME, 0, Frame),
        (ObjectType.PAGE_TABLE, 0, PageTable),
        (ObjectType.VSPACE, 0, VSpace),
    ]
    for i, (kind, size, cls) in enumerate(kinds):
        s = retype(s, kind, F + i, size=size)
        assert isinstance(s.objects[cap(s, F + i).obj], cls)
    assert s.objects[cap(s, F + 1).obj] == CNode(3, 0, 0)
    s = retype(s, ObjectType.UNTYPED, F + 10, size=12)
    child = cap(s, F + 10)
    assert child.type == CapType.UNTYPED and child.size_bits == 12 and child.watermark == 0
    assert child.obj not in s.objects and child.obj % (1 << 12) == 0


def test_a_child_untyped_at_its_parents_base_is_a_new_region() -> None:
    """Regression (stateful test, MLK_SEED=1005): Retype into an untyped child at the parent's
    base address, from an untyped capability whose rights Mutate reduced, gives the child every
    right. The child is a new region, not a copy, so no right has grown along the derivation."""
    s = booted()
    size = cap(s, UT).size_bits
    s = ok_call(s, CN, Label.CNODE_MUTATE, F, CN, UT, Right.WRITE, 0)
    s = retype(s, ObjectType.UNTYPED, F + 1, size=size - 1, ut=F)
    child, parent = cap(s, F + 1), cap(s, F)
    assert child.obj == parent.obj and child.rights == ALL_RIGHTS and parent.rights == Right.WRITE
    assert violations(s) == []


def test_retype_reuses_memory_once_every_child_is_gone() -> None:
    s = retype(booted(), ObjectType.FRAME, F)
    s = ok_call(s, CN, Label.CNODE_DELETE, F)
    assert cap(s, UT).watermark == 0x1000 and BASE not in s.objects
    s = retype(s, ObjectType.ENDPOINT, F)
    assert cap(s, F).obj == BASE and cap(s, UT).watermark == 16


def test_retype_errors_in_order() -> None:
    s = retype(booted(), ObjectType.ENDPOINT, F)
    R = Label.UNTYPED_RETYPE  # noqa: N806
    fails(s, Error.ILLEGAL_OPERATION, UT, Label.CNODE_COPY, 0, 0, 0, 0)
    fails(s, Error.TRUNCATED_MESSAGE, UT, R, ObjectType.TCB, 0, CN, F + 1)
    fails(s, Error.INVALID_ARGUMENT, UT, R, 0, 0, CN, F + 1, 1)
    fails(s, Error.INVALID_ARGUMENT, UT, R, 99, 99, 0, F, 0)
    fails(s, Error.RANGE_ERROR, UT, R, ObjectType.UNTYPED, 3, CN, F + 1, 1)
    fails(s, Error.RANGE_ERROR, UT, R, ObjectType.UNTYPED, UNTYPED_MAX_BITS + 1, CN, F + 1, 1)
    fails(s, Error.RANGE_ERROR, UT, R, ObjectType.CNODE, 0, CN, F + 1, 1)
    fails(s, Error.RANGE_ERROR, UT, R, ObjectType.CNODE, CNODE_MAX_RADIX + 1, 0, F, 0)
    fails(s, Error.RANGE_ERROR, UT, R, ObjectType.TCB, 0, CN, F + 1, 0)
    fails(s, Error.RANGE_ERROR, UT, R, ObjectType.TCB, 0, 0, F + 1, RETYPE_MAX_OBJECTS + 1)
    fails(s, Error.FAILED_LOOKUP, UT, R, ObjectType.TCB, 0, 0, F + 1, 1)
    fails(s, Error.FAILED_LOOKUP, UT, R, ObjectType.TCB, 0, 1 << 8, F + 1, 1)
    fails(s, Error.FAILED_LOOKUP, UT, R, ObjectType.TCB, 0, F + 50, F + 1, 1)
    fails(s, Error.INVALID_CAPABILITY, UT, R, ObjectType.TCB, 0, RootSlot.TCB, 256, 1)
    fails(s, Error.RANGE_ERROR, UT, R, ObjectType.TCB, 0, CN, 255, 2)
    fails(s, Error.DELETE_FIRST, UT, R, ObjectType.TCB, 0, CN, F - 1, 3)
    fails(s, Error.NOT_ENOUGH_MEMORY, UT, R, ObjectType.UNTYPED, 20, CN, F + 1, 1)
    fails(s, Error.NOT_ENOUGH_MEMORY, UT, R, ObjectType.UNTYPED, 18, CN, F + 1, 2)
    s = ok_call(s, UT, R, ObjectType.UNTYPED, 18, CN, F + 1, 1)
    assert cap(s, F + 1).obj == BASE + (1 << 18)


def test_retype_through_send_gets_no_reply() -> None:
    s = booted()
    me = s.current
    new, result = sc(s, Syscall.SEND, UT, Label.UNTYPED_RETYPE, ObjectType.ENDPOINT, 0, CN, F, 1)
    assert cap(new, F).type == CapType.ENDPOINT and result.regs == ()
    new, result = sc(new, Syscall.NB_SEND, UT, Label.UNTYPED_RETYPE, ObjectType.ENDPOINT, 0, CN, F, 1)
    assert result.regs == () and new.slots == new.slots
    _, result = call(s, UT, Label.UNTYPED_RETYPE, ObjectType.ENDPOINT, 0, CN, F, 1)
    assert result.regs[0][0] == me and reply_of(_, me) == (Error.OK, ())
