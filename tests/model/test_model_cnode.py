"""CNode Copy, Mint, Move, Mutate, Delete and Revoke."""

from __future__ import annotations

from mlk.abi.errors import Error
from mlk.abi.labels import Label
from mlk.abi.objects import CapType, ObjectType, RootSlot
from mlk.abi.rights import ALL_RIGHTS, Right
from tests.model.model_fixtures import CN, UT, F, booted, cap, fails, mint, ok_call, reply_of, retype, root_cnode

RW = Right.READ | Right.WRITE


def _ep() -> tuple:  # type: ignore[type-arg]
    s = retype(booted(), ObjectType.ENDPOINT, F)
    return s, root_cnode(s)


def test_copy_masks_rights_and_links_the_child() -> None:
    s, cn = _ep()
    s = ok_call(s, CN, Label.CNODE_COPY, F + 1, CN, F, RW | 0x10)
    assert cap(s, F + 1) == cap(s, F)._replace(rights=RW)
    assert s.slots[(cn, F + 1)].parent == (cn, F) and s.slots[(cn, F)].children == ((cn, F + 1),)


def test_mint_sets_a_badge_once() -> None:
    s, _ = _ep()
    s = mint(s, F, F + 1, Right.WRITE, 0x55)
    assert cap(s, F + 1).badge == 0x55 and cap(s, F + 1).rights == Right.WRITE
    s = mint(s, F + 1, F + 2, ALL_RIGHTS, 0)
    assert cap(s, F + 2).badge == 0x55 and cap(s, F + 2).rights == Right.WRITE
    fails(s, Error.ILLEGAL_OPERATION, CN, Label.CNODE_MINT, F + 3, CN, F + 1, ALL_RIGHTS, 7)
    s = mint(s, RootSlot.TCB, F + 3, ALL_RIGHTS, 9)
    assert cap(s, F + 3).badge == 0 and cap(s, F + 3).type == CapType.TCB


def test_copy_errors_in_order() -> None:
    s, _ = _ep()
    C = Label.CNODE_COPY  # noqa: N806
    fails(s, Error.TRUNCATED_MESSAGE, CN, C, F + 1, CN, F)
    fails(s, Error.RANGE_ERROR, CN, C, 256, 0, 0, 0)
    fails(s, Error.DELETE_FIRST, CN, C, F, 0, 0, 0)
    fails(s, Error.FAILED_LOOKUP, CN, C, F + 1, 0, F, 0)
    fails(s, Error.INVALID_CAPABILITY, CN, C, F + 1, F, F, 0)
    fails(s, Error.RANGE_ERROR, CN, C, F + 1, CN, 300, 0)
    fails(s, Error.FAILED_LOOKUP, CN, C, F + 1, CN, F + 5, 0)
    fails(s, Error.ILLEGAL_OPERATION, CN, C, F + 1, CN, UT, ALL_RIGHTS)
    fails(s, Error.ILLEGAL_OPERATION, CN, C, F + 1, CN, RootSlot.VSPACE, ALL_RIGHTS)
    fails(s, Error.ILLEGAL_OPERATION, CN, C, F + 1, CN, RootSlot.PAGE_TABLE_L1, ALL_RIGHTS)


def test_copy_of_a_mapped_frame_is_unmapped() -> None:
    s = ok_call(booted(), CN, Label.CNODE_COPY, F, CN, RootSlot.IMAGE_FIRST, ALL_RIGHTS)
    assert cap(s, F).mapped is None and cap(s, RootSlot.IMAGE_FIRST).mapped is not None


def test_move_keeps_the_cdt_position() -> None:
    s, cn = _ep()
    s = ok_call(s, CN, Label.CNODE_COPY, F + 1, CN, F, ALL_RIGHTS)
    s = ok_call(s, CN, Label.CNODE_COPY, F + 2, CN, F, ALL_RIGHTS)
    s = ok_call(s, CN, Label.CNODE_MOVE, F + 9, CN, F + 1)
    assert (cn, F + 1) not in s.slots and s.slots[(cn, F)].children == ((cn, F + 9), (cn, F + 2))
    assert s.slots[(cn, F + 9)].parent == (cn, F)
    fails(s, Error.REVOKE_FIRST, CN, Label.CNODE_MOVE, F + 3, CN, F)
    fails(s, Error.DELETE_FIRST, CN, Label.CNODE_MOVE, F + 2, CN, F + 2)
    fails(s, Error.TRUNCATED_MESSAGE, CN, Label.CNODE_MOVE, F + 3, CN)


def test_mutate_masks_and_badges_while_moving() -> None:
    s, cn = _ep()
    s = ok_call(s, CN, Label.CNODE_COPY, F + 1, CN, F, ALL_RIGHTS)
    s = ok_call(s, CN, Label.CNODE_MUTATE, F + 2, CN, F + 1, Right.READ, 3)
    assert cap(s, F + 2).rights == Right.READ and cap(s, F + 2).badge == 3
    assert s.slots[(cn, F)].children == ((cn, F + 2),)
    fails(s, Error.ILLEGAL_OPERATION, CN, Label.CNODE_MUTATE, F + 3, CN, F + 2, ALL_RIGHTS, 4)
    fails(s, Error.REVOKE_FIRST, CN, Label.CNODE_MUTATE, F + 3, CN, F, ALL_RIGHTS, 4)
    s = ok_call(s, CN, Label.CNODE_MUTATE, F + 3, CN, F + 2, ALL_RIGHTS, 0)
    assert cap(s, F + 3).rights == Right.READ and cap(s, F + 3).badge == 3


def test_delete_and_revoke() -> None:
    s, cn = _ep()
    s = ok_call(s, CN, Label.CNODE_DELETE, F + 1)
    fails(s, Error.RANGE_ERROR, CN, Label.CNODE_DELETE, 256)
    s = ok_call(s, CN, Label.CNODE_COPY, F + 1, CN, F, ALL_RIGHTS)
    s = ok_call(s, CN, Label.CNODE_COPY, F + 2, CN, F + 1, ALL_RIGHTS)
    fails(s, Error.REVOKE_FIRST, CN, Label.CNODE_DELETE, F)
    fails(s, Error.REVOKE_FIRST, CN, Label.CNODE_REVOKE, F)
    me = s.current
    s = ok_call(s, CN, Label.CNODE_REVOKE, F + 1)
    assert reply_of(s, me) == (Error.OK, (0,)) and (cn, F + 2) not in s.slots
    s = ok_call(s, CN, Label.CNODE_COPY, F + 2, CN, F, ALL_RIGHTS)
    s = ok_call(s, CN, Label.CNODE_REVOKE, F)
    assert reply_of(s, me) == (Error.OK, (1,)) and (cn, F + 2) not in s.slots
    s = ok_call(s, CN, Label.CNODE_REVOKE, F)
    assert reply_of(s, me) == (Error.OK, (0,)) and (cn, F + 1) not in s.slots
    s = ok_call(s, CN, Label.CNODE_REVOKE, F)
    assert reply_of(s, me) == (Error.OK, (0,))
    s = ok_call(s, CN, Label.CNODE_REVOKE, F + 40)
    assert reply_of(s, me) == (Error.OK, (0,))
    obj = cap(s, F).obj
    s = ok_call(s, CN, Label.CNODE_DELETE, F)
    assert obj not in s.objects and (cn, F) not in s.slots and s.slots[(cn, UT)].children == ()
    fails(s, Error.RANGE_ERROR, CN, Label.CNODE_REVOKE, 1 << 12)
    fails(s, Error.TRUNCATED_MESSAGE, CN, Label.CNODE_REVOKE)


def test_revoke_of_an_untyped_destroys_its_objects_one_by_one() -> None:
    s = retype(booted(), ObjectType.ENDPOINT, F, count=2)
    me = s.current
    s = ok_call(s, CN, Label.CNODE_REVOKE, UT)
    assert reply_of(s, me) == (Error.OK, (1,)) and len([o for o in s.objects if o == cap(s, F).obj]) == 1
    s = ok_call(s, CN, Label.CNODE_REVOKE, UT)
    assert reply_of(s, me) == (Error.OK, (0,))


def test_mutate_cannot_shrink_the_rights_of_a_mapping() -> None:
    s = booted()
    fails(s, Error.ILLEGAL_OPERATION, CN, Label.CNODE_MUTATE, F, CN, RootSlot.IMAGE_FIRST, Right.READ, 0)
    s = ok_call(s, CN, Label.CNODE_MUTATE, F, CN, RootSlot.IMAGE_FIRST, ALL_RIGHTS, 0)
    assert cap(s, F).mapped is not None
