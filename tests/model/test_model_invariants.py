"""Each invariant holds on reachable states and is violated by a state broken in its way.

The second half shows that no invariant is vacuous: for each, one small corruption of a valid
state makes exactly that predicate (among possibly others) fail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mlk.abi.objects import NUM_PRIORITIES, CapType, ObjectType, RootSlot, ThreadState
from mlk.abi.platform import Platform
from mlk.abi.rights import Right
from mlk.model.gen import reachable_state
from mlk.model.invariants import INVARIANTS, violations
from mlk.model.state import (
    INACTIVE,
    RUNNING,
    Cap,
    CNode,
    Frame,
    KObject,
    PageTable,
    Pte,
    Slot,
    State,
    Tcb,
    TState,
)
from tests.model.crosshair_contracts import BASE
from tests.model.model_fixtures import F, cap, root_cnode, tcb

CN = root_cnode(BASE)
ROOT = BASE.current
T = cap(BASE, F + 1).obj
EP = cap(BASE, F).obj


def _obj(s: State, oid: int, obj: KObject) -> State:
    return s._replace(objects={**s.objects, oid: obj})


def _tcb(s: State, tid: int, **changes: Any) -> State:
    return _obj(s, tid, tcb(s, tid)._replace(**changes))


def _used(s: State, cnode: int, used: int) -> State:
    node = s.objects[cnode]
    assert isinstance(node, CNode)
    return _obj(s, cnode, node._replace(used=used))


def _slot(s: State, index: int, slot: Slot | None) -> State:
    slots = dict(s.slots)
    if slot is None:
        del slots[(CN, index)]
    else:
        slots[(CN, index)] = slot
    return s._replace(slots=slots)


def _with_cap(s: State, index: int, c: Cap) -> State:
    return _slot(s, index, s.slots[(CN, index)]._replace(cap=c))


KERNEL_FRAME = Platform.KERNEL_BASE + 0x1000
L3 = cap(BASE, RootSlot.PAGE_TABLE_L3).obj

CORRUPTIONS: dict[str, Callable[[State], State]] = {
    "valid_objs": lambda s: _tcb(s, T, time_slice=0),
    "valid_caps": lambda s: _with_cap(s, F + 4, Cap(CapType.FRAME, 0x1234_5000)),
    "valid_tcb_state": lambda s: _tcb(s, ROOT, bound=EP),
    "pspace_aligned": lambda s: _obj(s, EP + 8, s.objects[EP]),
    "pspace_distinct": lambda s: _obj(s, T + 0x100, s.objects[EP]),
    "sym_refs": lambda s: _tcb(s, ROOT, reply=T),
    "refcounts_exact": lambda s: _used(s, CN, 1),
    "if_live_then_nonz_cap": lambda s: _obj(s, 0x4010_0000, s.objects[EP]),
    "cdt_links": lambda s: _slot(s, F, s.slots[(CN, F)]._replace(children=())),
    "no_mloop": lambda s: _slot(s, F, s.slots[(CN, F)]._replace(parent=(CN, F + 7))),
    "descendants_inc": lambda s: _slot(s, F + 2, s.slots[(CN, F + 2)]._replace(parent=(CN, F))),
    "untyped_mdb": lambda s: _slot(s, F + 2, s.slots[(CN, F + 2)]._replace(parent=(CN, F))),
    "untyped_inc": lambda s: _slot(
        s, F + 20, Slot(Cap(CapType.UNTYPED, cap(s, RootSlot.UNTYPED_FIRST).obj, size_bits=12), None, ())
    ),
    "valid_reply_caps": lambda s: _tcb(s, T, reply=T),
    "valid_idle": lambda s: _tcb(s, s.machine.idle_tcb, state=RUNNING),
    "valid_irq_handlers": lambda s: s._replace(irqs={k: v for k, v in s.irqs.items() if k != Platform.UART0_IRQ}),
    "valid_queues": lambda s: _tcb(s, T, state=INACTIVE),
    "ct_not_in_q": lambda s: s._replace(queues={**s.queues, NUM_PRIORITIES - 1: (ROOT,)}),
    "valid_blocked": lambda s: s._replace(queues={}),
    "cur_tcb": lambda s: s._replace(current=EP),
    "sched_highest": lambda s: _tcb(s, ROOT, priority=100),
    "valid_global_refs": lambda s: _with_cap(
        _obj(s, KERNEL_FRAME, Frame(False)), F + 4, Cap(CapType.FRAME, KERNEL_FRAME)
    ),
    "rights_never_grow": lambda s: _with_cap(s, F, cap(s, F)._replace(rights=Right.READ)),
    "badge_never_changes": lambda s: _slot(
        _slot(s, F + 7, s.slots[(CN, F + 7)]._replace(children=((CN, F + 21),))),
        F + 21,
        Slot(cap(s, F + 7)._replace(badge=6), (CN, F + 7), ()),
    ),
    "no_kernel_mappings": lambda s: _obj(
        _obj(s, KERNEL_FRAME, Frame(False)),
        L3,
        PageTable({**s.objects[L3].entries, 300: Pte(KERNEL_FRAME, 1)}),  # type: ignore[union-attr]
    ),
    "mappings_match_caps": lambda s: _obj(
        s,
        L3,
        PageTable({**s.objects[L3].entries, 300: Pte(cap(s, F + 4).obj, 1)}),  # type: ignore[union-attr]
    ),
    "mapping_rights_within_cap": lambda s: _with_cap(
        s, RootSlot.IMAGE_FIRST, cap(s, RootSlot.IMAGE_FIRST)._replace(rights=Right.READ)
    ),
}


def test_every_invariant_has_a_corruption() -> None:
    assert set(CORRUPTIONS) == set(INVARIANTS)


def test_base_and_reachable_states_are_valid() -> None:
    assert violations(BASE) == []
    for seed in range(5):
        assert violations(reachable_state(seed, 150)) == []


@pytest.mark.parametrize("name", sorted(INVARIANTS))
def test_invariant_catches_its_corruption(name: str) -> None:
    broken = CORRUPTIONS[name](BASE)
    assert name in violations(broken)


def test_sample_objects() -> None:
    assert isinstance(BASE.objects[CN], CNode) and isinstance(BASE.objects[T], Tcb)
    assert tcb(BASE, T).state == TState(ThreadState.RUNNING) and ObjectType.TCB
