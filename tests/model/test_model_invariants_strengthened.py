"""The clauses the proofs added to the spec's invariants (see proofs/README.md, "Changes to the
spec's invariants"): each is violated by a state that breaks only it, and a neighbouring state
that the clause allows passes. The invariants were not inductive without them: a state
satisfying them all could step into one that breaks one.
"""

from __future__ import annotations

from mlk.abi.objects import EndpointState, IrqState, NotificationState, ThreadState
from mlk.abi.rights import ALL_RIGHTS
from mlk.model.invariants import violations
from mlk.model.state import WORD_MASK, Endpoint, FaultInfo, Notification, TState
from tests.model.crosshair_contracts import BASE
from tests.model.model_fixtures import F, cap
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
