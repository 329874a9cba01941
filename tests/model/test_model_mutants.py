"""Deliberately wrong variants of the spec (mutants), each shown to be caught by the tests.

A mutant replaces one named function of the spec (with ``monkeypatch``). For each, the listed unit
tests must fail, and where the mistake breaks an invariant or an outcome one of the state
machine's scenarios checks (``stateful``), a short run of the hypothesis state machine (fixed
seed, no shrinking) must fail too. Every mutant here is stateful today; measured over seeds 0..7,
each is caught for every seed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.stateful import run_state_machine_as_test

from mlk.abi.errors import Error
from mlk.model import cnode, cspace, delete, ipc, irq, sched, threads, untyped, vm
from mlk.model.errors import KernelError
from mlk.model.state import RUNNING, Cap, ObjId, SlotRef
from mlk.model.tx import Tx
from tests.model import (
    test_model_cnode,
    test_model_delete,
    test_model_ipc,
    test_model_irq,
    test_model_sched,
    test_model_tcb,
    test_model_untyped,
    test_model_vm,
)
from tests.model.stateful_machine import KernelMachine

QUICK = settings(
    max_examples=150,
    stateful_step_count=50,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _drop_dequeue(tx: Tx, tid: ObjId) -> None:
    """Queue removal dropped: a thread that stops running stays in its ready queue."""


def _lowest(tx: Tx) -> int | None:
    """Priority order reversed: the lowest non-empty priority runs first."""
    return min(tx.queues) if tx.queues else None


def _no_mask(cap: Cap, rights: int) -> Cap:
    """Rights not masked on Copy/Mint/Mutate."""
    return cap


def _overwrite(word: int, badge: int) -> int:
    """A signal overwrites the pending word instead of ORing the badge into it."""
    return badge


def _keep_reply(tx: Tx, tid: ObjId) -> None:
    """The reply right is left behind when a thread receives again."""


def _always_reset(cap: Cap, has_children: bool) -> int:
    """The untyped watermark is reset even while objects carved from it are alive."""
    return 0


def _delete_with_children(tx: Tx, ref: SlotRef) -> None:
    """Delete does not insist that the capability has no children."""
    if cspace.is_final(tx, ref) and delete.is_busy(tx, tx.slots[ref].cap):
        raise KernelError(Error.DELETE_FIRST)


def _ignore_cap_rights(requested: int, cap: Cap) -> int:
    """A frame is mapped with the requested rights, whatever its capability grants."""
    return requested & vm.MAPPING_RIGHTS


def _rebadge(cap: Cap, badge: int) -> Cap:
    """A badged capability can be minted with another badge."""
    return cap._replace(badge=badge) if cap.type in cnode.BADGED and badge else cap


def _copy_anything(cap: Cap) -> Cap | None:
    """Every capability may be copied, untyped and mapped frames included (mapping kept)."""
    return cap


def _no_wake(tx: Tx, tid: ObjId) -> None:
    """A woken thread is marked runnable but never queued."""
    tx.put_tcb(tid, tx.tcb(tid)._replace(state=RUNNING))


def _no_mask_irq(tx: Tx, line: int) -> None:
    """An interrupt is delivered without masking the line."""
    state = tx.irqs.get(line)
    if state is not None and state.ntfn is not None and state.state == 1:
        ipc.signal(tx, state.ntfn, state.badge)


class Mutant(NamedTuple):
    module: object
    name: str
    replacement: Callable[..., object]
    units: tuple[Callable[[], None], ...]
    stateful: bool


MUTANTS: dict[str, Mutant] = {
    "queue_removal_dropped": Mutant(sched, "dequeue", _drop_dequeue, (test_model_tcb.test_suspend_and_resume,), True),
    "priority_order_reversed": Mutant(
        sched, "highest", _lowest, (test_model_sched.test_lower_priorities_wait_and_idle_runs_last,), True
    ),
    "rights_not_masked": Mutant(
        cnode, "mask_rights", _no_mask, (test_model_cnode.test_copy_masks_rights_and_links_the_child,), True
    ),
    "badge_overwritten_not_ored": Mutant(
        ipc, "combine_badges", _overwrite, (test_model_ipc.test_notifications,), True
    ),
    "reply_right_left_behind": Mutant(
        threads, "discard_reply", _keep_reply, (test_model_ipc.test_receive_discards_a_pending_reply_right,), True
    ),
    "watermark_reset_with_children": Mutant(
        untyped,
        "first_free",
        _always_reset,
        (test_model_untyped.test_retype_places_objects_aligned_at_the_watermark,),
        True,
    ),
    "delete_ignores_children": Mutant(
        delete, "check_delete", _delete_with_children, (test_model_cnode.test_delete_and_revoke,), True
    ),
    "mapping_rights_not_masked": Mutant(
        vm, "mapping_rights", _ignore_cap_rights, (test_model_vm.test_frame_map_and_unmap,), True
    ),
    "badge_changed_after_mint": Mutant(
        cnode, "set_badge", _rebadge, (test_model_cnode.test_mint_sets_a_badge_once,), True
    ),
    "uncopyable_caps_copied": Mutant(
        ipc,
        "derive",
        _copy_anything,
        (test_model_cnode.test_copy_errors_in_order, test_model_cnode.test_copy_of_a_mapped_frame_is_unmapped),
        True,
    ),
    "woken_thread_not_queued": Mutant(
        sched, "wake", _no_wake, (test_model_tcb.test_suspend_and_resume, test_model_ipc.test_call_and_reply), True
    ),
    "interrupt_not_masked": Mutant(
        irq, "interrupt", _no_mask_irq, (test_model_irq.test_set_notification_and_delivery,), True
    ),
}


def _fails(check: Callable[[], None]) -> bool:
    try:
        check()
    except Exception:
        return True
    return False


def _stateful() -> None:
    run_state_machine_as_test(hypothesis_seed(0)(KernelMachine), settings=QUICK)


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_is_caught(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    mutant = MUTANTS[name]
    for unit in mutant.units:
        assert not _fails(unit), f"{unit.__name__} fails without the mutant"
    monkeypatch.setattr(mutant.module, mutant.name, mutant.replacement)
    for unit in mutant.units:
        assert _fails(unit), f"{unit.__name__} does not catch {name}"
    if mutant.stateful:
        assert _fails(_stateful), f"the state machine does not catch {name}"


def test_deletion_tests_are_sensitive() -> None:
    assert not _fails(test_model_delete.test_copies_go_before_the_original_which_destroys)
