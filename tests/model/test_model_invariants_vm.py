"""The address-space invariants were strengthened for the proofs (``mappings_match_caps``): a
page-table capability is never a copy, and an unmapped page table is in no address space.

Without it the invariants were not inductive: a mapped, empty page table with an unmapped copy of
its capability satisfied them all, and mapping a frame into the table broke "an unmapped page
table has no entries" (through the copy). The spec never makes such a copy (``ipc.derive``
refuses page-table capabilities), so the strengthened invariant still holds of reachable states.
"""

from __future__ import annotations

from mlk.abi import msginfo
from mlk.abi.labels import Label
from mlk.abi.objects import PAGE_BITS, ObjectType
from mlk.abi.rights import Right
from mlk.abi.syscalls import Syscall
from mlk.model.events import syscall_event
from mlk.model.invariants import mappings_match_caps, violations
from mlk.model.kernel import step
from mlk.model.state import CNode, Slot, State
from tests.model.model_fixtures import F, booted, cap, ok_call, retype, root_cnode

VA = (5 << 39) | (6 << 30) | (7 << 21) | (8 << PAGE_BITS)


def _mapped_empty_table() -> State:
    """A VSpace (slot F) with page tables mapped at levels 1 to 3 (slots F+1..F+3, all empty but
    for the next level's entry) and an unmapped frame (slot F+5)."""
    s = retype(booted(), ObjectType.VSPACE, F)
    s = retype(s, ObjectType.PAGE_TABLE, F + 1, count=3)
    s = retype(s, ObjectType.FRAME, F + 5)
    for i in range(3):
        s = ok_call(s, F + 1 + i, Label.PAGE_TABLE_MAP, F, VA)
    assert violations(s) == []
    return s


def _with_table_copy(s: State, src: int, dst: int) -> State:
    """``s`` with an unmapped copy of the page-table capability in slot ``src`` put into the empty
    slot ``dst`` as its child (what ``derive`` refuses to make)."""
    cn = root_cnode(s)
    slots = dict(s.slots)
    parent = slots[(cn, src)]
    slots[(cn, src)] = parent._replace(children=(*parent.children, (cn, dst)))
    slots[(cn, dst)] = Slot(parent.cap._replace(mapped=None), (cn, src), ())
    node = s.objects[cn]
    assert isinstance(node, CNode)
    return s._replace(slots=slots, objects={**s.objects, cn: node._replace(used=node.used + 1)})


def test_a_copy_of_a_page_table_capability_breaks_mappings_match_caps() -> None:
    s = _with_table_copy(_mapped_empty_table(), F + 3, F + 10)
    assert not mappings_match_caps(s)
    assert violations(s) == ["mappings_match_caps"]


def test_without_the_strengthening_a_frame_map_would_break_it() -> None:
    """The state the old invariant allowed steps into one that breaks its own clause: the copy is
    unmapped and its table now has an entry."""
    s = _with_table_copy(_mapped_empty_table(), F + 3, F + 10)
    info = msginfo.pack(Label.FRAME_MAP, 3, 0)
    after, _ = step(s, syscall_event(Syscall.CALL, cptr=F + 5, msginfo=info, mrs=(F, VA, Right.READ)))
    table = after.objects[cap(after, F + 10).obj]
    assert cap(after, F + 10).mapped is None and table.entries  # type: ignore[union-attr]
    assert not mappings_match_caps(after)


def test_an_unmapped_capability_to_a_table_in_an_address_space_breaks_it() -> None:
    """A second, parentless capability to a mapped table (not a copy, but not the table's only
    capability): the table is in an address space while that capability says it is unmapped."""
    s = _mapped_empty_table()
    cn = root_cnode(s)
    twin = cap(s, F + 3)._replace(mapped=None)
    node = s.objects[cn]
    assert isinstance(node, CNode)
    s = s._replace(
        slots={**s.slots, (cn, F + 10): Slot(twin, None, ())},
        objects={**s.objects, cn: node._replace(used=node.used + 1)},
    )
    assert not mappings_match_caps(s)
