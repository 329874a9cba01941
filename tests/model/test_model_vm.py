"""Frame Map/Unmap and Page Table Map/Unmap."""

from __future__ import annotations

from mlk.abi.errors import Error
from mlk.abi.labels import Label
from mlk.abi.objects import PAGE_BITS, ROOT_IMAGE_VADDR, VADDR_BITS, ObjectType, RootSlot
from mlk.abi.rights import ALL_RIGHTS, Right
from mlk.model.state import PageTable, Pte, VSpace
from tests.model.model_fixtures import CN, VS, F, booted, cap, fails, mint, ok_call, retype

RW = Right.READ | Right.WRITE
FREE_VA = ROOT_IMAGE_VADDR + (64 << PAGE_BITS)
L3 = RootSlot.PAGE_TABLE_L3


def test_frame_map_and_unmap() -> None:
    s = retype(booted(), ObjectType.FRAME, F)
    s = mint(s, F, F + 1, Right.READ | Right.GRANT)
    frame = cap(s, F).obj
    s = ok_call(s, F + 1, Label.FRAME_MAP, VS, FREE_VA, ALL_RIGHTS)
    leaf = s.objects[cap(s, L3).obj]
    assert isinstance(leaf, PageTable) and leaf.entries[64] == Pte(frame, Right.READ)
    assert cap(s, F + 1).mapped == (cap(s, VS).obj, FREE_VA)
    fails(s, Error.INVALID_CAPABILITY, F + 1, Label.FRAME_MAP, VS, FREE_VA, RW)
    fails(s, Error.DELETE_FIRST, F, Label.FRAME_MAP, VS, FREE_VA, RW)
    s = ok_call(s, F + 1, Label.FRAME_UNMAP)
    assert 64 not in s.objects[cap(s, L3).obj].entries and cap(s, F + 1).mapped is None  # type: ignore[union-attr]
    s = ok_call(s, F + 1, Label.FRAME_UNMAP)
    s = ok_call(s, F, Label.FRAME_MAP, VS, FREE_VA, Right.WRITE | Right.READ)
    assert s.objects[cap(s, L3).obj].entries[64] == Pte(frame, RW)  # type: ignore[union-attr]


def test_frame_map_errors_in_order() -> None:
    s = retype(booted(), ObjectType.FRAME, F)
    M = Label.FRAME_MAP  # noqa: N806
    fails(s, Error.TRUNCATED_MESSAGE, F, M, VS, FREE_VA)
    fails(s, Error.INVALID_CAPABILITY, RootSlot.IMAGE_FIRST, M, 0, 1, 0)
    fails(s, Error.FAILED_LOOKUP, F, M, F + 5, 1, 0)
    fails(s, Error.INVALID_CAPABILITY, F, M, CN, 1, 0)
    fails(s, Error.ALIGNMENT_ERROR, F, M, VS, FREE_VA + 8, 0)
    fails(s, Error.INVALID_ARGUMENT, F, M, VS, 1 << VADDR_BITS, 0)
    fails(s, Error.INVALID_ARGUMENT, F, M, VS, FREE_VA, Right.WRITE | Right.GRANT)
    fails(s, Error.FAILED_LOOKUP, F, M, VS, 1 << 30, RW)
    fails(s, Error.DELETE_FIRST, F, M, VS, ROOT_IMAGE_VADDR, RW)


def test_page_tables_take_the_next_missing_level() -> None:
    s = retype(booted(), ObjectType.VSPACE, F)
    s = retype(s, ObjectType.PAGE_TABLE, F + 1, count=4)
    s = retype(s, ObjectType.FRAME, F + 5)
    va = (5 << 39) | (6 << 30) | (7 << 21) | (8 << PAGE_BITS)
    vs = cap(s, F).obj
    fails(s, Error.FAILED_LOOKUP, F + 5, Label.FRAME_MAP, F, va, RW)
    for i in range(3):
        s = ok_call(s, F + 1 + i, Label.PAGE_TABLE_MAP, F, va)
    assert [cap(s, F + 1 + i).mapped for i in range(3)] == [
        (vs, 5 << 39),
        (vs, (5 << 39) | (6 << 30)),
        (vs, va >> 21 << 21),
    ]
    assert s.objects[vs] == VSpace({5: Pte(cap(s, F + 1).obj, 0)}, 0)
    fails(s, Error.DELETE_FIRST, F + 4, Label.PAGE_TABLE_MAP, F, va)
    fails(s, Error.INVALID_CAPABILITY, F + 1, Label.PAGE_TABLE_MAP, F, va)
    fails(s, Error.INVALID_ARGUMENT, F + 4, Label.PAGE_TABLE_MAP, F, 1 << VADDR_BITS)
    fails(s, Error.FAILED_LOOKUP, F + 4, Label.PAGE_TABLE_MAP, F + 20, va)
    fails(s, Error.TRUNCATED_MESSAGE, F + 4, Label.PAGE_TABLE_MAP, F)
    s = ok_call(s, F + 5, Label.FRAME_MAP, F, va, RW)
    fails(s, Error.DELETE_FIRST, F + 3, Label.PAGE_TABLE_UNMAP)
    fails(s, Error.DELETE_FIRST, CN, Label.CNODE_DELETE, F + 3)
    fails(s, Error.DELETE_FIRST, CN, Label.CNODE_DELETE, F)
    s = ok_call(s, CN, Label.CNODE_DELETE, F + 5)
    s = ok_call(s, F + 3, Label.PAGE_TABLE_UNMAP)
    assert cap(s, F + 3).mapped is None and s.objects[cap(s, F + 2).obj] == PageTable({})
    s = ok_call(s, F + 3, Label.PAGE_TABLE_UNMAP)
    s = ok_call(s, CN, Label.CNODE_DELETE, F + 2)
    assert s.objects[cap(s, F + 1).obj] == PageTable({})


def test_deleting_a_mapped_frame_unmaps_it() -> None:
    s = retype(booted(), ObjectType.FRAME, F)
    s = ok_call(s, CN, Label.CNODE_COPY, F + 1, CN, F, ALL_RIGHTS)
    s = ok_call(s, F + 1, Label.FRAME_MAP, VS, FREE_VA, RW)
    s = ok_call(s, CN, Label.CNODE_DELETE, F + 1)
    assert 64 not in s.objects[cap(s, L3).obj].entries  # type: ignore[union-attr]
    assert cap(s, F).obj in s.objects


def test_a_vspace_in_use_cannot_be_destroyed() -> None:
    s = retype(booted(), ObjectType.VSPACE, F)
    s = retype(s, ObjectType.TCB, F + 1)
    s = ok_call(s, F + 1, Label.TCB_CONFIGURE, 0, 0, F)
    fails(s, Error.DELETE_FIRST, CN, Label.CNODE_DELETE, F)
    s = ok_call(s, F + 1, Label.TCB_CONFIGURE, 0, 0, 0)
    s = ok_call(s, CN, Label.CNODE_DELETE, F)
