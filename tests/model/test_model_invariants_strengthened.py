"""The clauses the proofs added to the spec's invariants (see proofs/README.md, "Changes to the
spec's invariants"): each is violated by a state that breaks only it, and a neighbouring state
that the clause allows passes. The invariants were not inductive without them: a state
satisfying them all could step into one that breaks one.
"""

from __future__ import annotations

from mlk.abi import msginfo
from mlk.abi.labels import Label
from mlk.abi.objects import CapType, EndpointState, IrqState, NotificationState, ObjectType, ThreadState
from mlk.abi.rights import ALL_RIGHTS
from mlk.abi.syscalls import Syscall
from mlk.model.events import syscall_event
from mlk.model.invariants import violations
from mlk.model.kernel import step
from mlk.model.state import WORD_MASK, Cap, CNode, Endpoint, FaultInfo, Notification, Slot, State, TState
from tests.model.crosshair_contracts import BASE
from tests.model.model_fixtures import CN, UT, F, booted, cap, retype, root_cnode
from tests.model.test_model_invariants import EP, ROOT, T, _obj, _tcb, _with_cap

NTFN_SLOT = 130
FRAME_A, FRAME_B = 16, 17
TOO_BIG = WORD_MASK + 1


def test_receiver_holds_no_reply_right() -> None:
    """A thread blocked receiving holds no reply right (Recv discards it first): a Call it then
    receives gives it the caller's, which must not overwrite another one."""
    waiting = _tcb(BASE, ROOT, state=TState(ThreadState.BLOCKED_ON_REPLY, T))
    receiving = _obj(
        _tcb(waiting, T, state=TState(ThreadState.BLOCKED_ON_RECEIVE, EP), reply=ROOT),
        EP,
        Endpoint(EndpointState.RECEIVING, (T,)),
    )
    assert "valid_reply_caps" in violations(receiving)
    ntfn = cap(BASE, NTFN_SLOT).obj
    node = BASE.objects[ntfn]
    assert isinstance(node, Notification)
    on_ntfn = _obj(
        _tcb(waiting, T, state=TState(ThreadState.BLOCKED_ON_NOTIFICATION, ntfn), reply=ROOT),
        ntfn,
        node._replace(state=NotificationState.WAITING, queue=(T,)),
    )
    assert "valid_reply_caps" not in violations(on_ntfn)


def test_cap_rights_and_badge_are_in_range() -> None:
    assert "valid_caps" in violations(_with_cap(BASE, F, cap(BASE, F)._replace(rights=ALL_RIGHTS + 1)))
    assert "valid_caps" in violations(_with_cap(BASE, F, cap(BASE, F)._replace(badge=TOO_BIG)))
    assert "valid_caps" not in violations(_with_cap(BASE, F, cap(BASE, F)._replace(badge=WORD_MASK)))


def test_words_that_reach_registers_are_words() -> None:
    send = TState(ThreadState.BLOCKED_ON_SEND, EP, TOO_BIG, call=True)
    assert "valid_objs" in violations(_tcb(BASE, T, state=send))
    assert "valid_objs" in violations(_tcb(BASE, T, fault=FaultInfo(1, TOO_BIG, 0, 0)))
    ntfn = cap(BASE, NTFN_SLOT).obj
    node = BASE.objects[ntfn]
    assert isinstance(node, Notification)
    active = NotificationState.ACTIVE
    assert "valid_objs" in violations(_obj(BASE, ntfn, node._replace(state=active, word=TOO_BIG)))
    assert "valid_objs" not in violations(_obj(BASE, ntfn, node._replace(state=active, word=WORD_MASK)))


def test_line_badge_is_a_word() -> None:
    line = next(k for k, v in BASE.irqs.items() if v.state == IrqState.SIGNAL)
    irqs = {**BASE.irqs, line: BASE.irqs[line]._replace(badge=TOO_BIG)}
    assert "valid_irq_handlers" in violations(BASE._replace(irqs=irqs))


def test_two_capabilities_never_record_one_entry() -> None:
    """Both frame capabilities recorded the same entry and there were as many entries as mapped
    capabilities, yet an entry went unrecorded: the counts alone did not say one to one."""
    a, b = cap(BASE, FRAME_A), cap(BASE, FRAME_B)
    same_frame = _with_cap(BASE, FRAME_B, b._replace(obj=a.obj, mapped=a.mapped))
    assert "mappings_match_caps" in violations(same_frame)


def _with_child_untyped(s: State, index: int, base: int, size_bits: int, parent_wm: int) -> State:
    """``s`` with an untyped capability of ``2**size_bits`` bytes at ``base`` in root slot
    ``index``, a childless child of the first untyped capability, whose watermark becomes
    ``parent_wm``."""
    cn = root_cnode(s)
    ut = s.slots[(cn, UT)]
    slots = dict(s.slots)
    slots[(cn, UT)] = ut._replace(cap=ut.cap._replace(watermark=parent_wm), children=(*ut.children, (cn, index)))
    slots[(cn, index)] = Slot(Cap(CapType.UNTYPED, base, size_bits=size_bits), (cn, UT), ())
    node = s.objects[cn]
    assert isinstance(node, CNode)
    return s._replace(slots=slots, objects={**s.objects, cn: node._replace(used=node.used + 1)})


def test_objects_in_an_untyped_region_lie_below_its_watermark() -> None:
    """An endpoint and a childless untyped region both carved from the first untyped region, the
    endpoint inside the region: every other invariant holds, but Retype from the region (which
    has no children, so it carves at its base) overwrites the live endpoint with a notification,
    whose capabilities still say endpoint. The clause: an object overlapping an untyped region
    lies below its watermark and its original capability descends from the region's."""
    s = retype(booted(), ObjectType.ENDPOINT, F)
    ep = cap(s, F).obj
    overlapping = _with_child_untyped(s, F + 1, ep, 5, 32)
    assert violations(overlapping) == ["untyped_mdb"]
    event = syscall_event(
        Syscall.CALL,
        cptr=F + 1,
        msginfo=msginfo.pack(Label.UNTYPED_RETYPE, 5),
        mrs=(ObjectType.NOTIFICATION, 0, CN, F + 2, 1),
    )
    after, _ = step(overlapping, event)
    assert cap(after, F + 2).obj == ep
    assert {"valid_caps", "if_live_then_nonz_cap"} <= set(violations(after))
    beside = _with_child_untyped(s, F + 1, ep + 32, 5, 64)
    assert violations(beside) == []
    assert violations(step(beside, event)[0]) == []


def test_nested_untyped_regions_lie_below_the_container_watermark() -> None:
    """A region nested in another lies below the container's watermark. (Along the derivation
    tree this follows from descendants_inc, child by child; stated for any two nested regions it
    is the one fact Retype's proof needs about untyped regions below its own.)"""
    s = booted()
    base = cap(s, UT).obj
    nested = _with_child_untyped(s, F, base, 6, 64)
    cn = root_cnode(s)
    child = nested.slots[(cn, F)]
    slots = dict(nested.slots)
    slots[(cn, F)] = child._replace(cap=child.cap._replace(watermark=16), children=((cn, F + 1),))
    slots[(cn, F + 1)] = Slot(Cap(CapType.UNTYPED, base + 32, size_bits=4), (cn, F), ())
    node = nested.objects[cn]
    assert isinstance(node, CNode)
    above = nested._replace(slots=slots, objects={**nested.objects, cn: node._replace(used=node.used + 1)})
    assert set(violations(above)) == {"descendants_inc", "untyped_inc"}
    slots[(cn, F)] = child._replace(cap=child.cap._replace(watermark=48), children=((cn, F + 1),))
    assert violations(above._replace(slots=slots)) == []


def test_the_idle_thread_lies_wholly_in_the_kernel_image() -> None:
    """The idle thread started inside the kernel image, but its TCB could reach past the image's
    end, where an untyped region may start (no capability designates kernel memory, and the idle
    thread has none): Retype from that region carves an endpoint over the idle thread's TCB."""
    s = booted()
    idle = s.machine.idle_tcb
    m = s.machine._replace(kernel_size=idle + 16 - s.machine.kernel_base)
    cn = root_cnode(s)
    slots = {**s.slots, (cn, F): Slot(Cap(CapType.UNTYPED, idle + 16, size_bits=4), None, ())}
    node = s.objects[cn]
    assert isinstance(node, CNode)
    short = s._replace(machine=m, slots=slots, objects={**s.objects, cn: node._replace(used=node.used + 1)})
    assert violations(short) == ["valid_idle"]
    event = syscall_event(
        Syscall.CALL, cptr=F, msginfo=msginfo.pack(Label.UNTYPED_RETYPE, 5), mrs=(ObjectType.ENDPOINT, 0, CN, F + 1, 1)
    )
    assert "pspace_distinct" in violations(step(short, event)[0])
