"""The entry point: classification of events (it agrees with the step), the registry, determinism
and totality."""

from __future__ import annotations

import random
import sys
from collections import Counter
from types import CodeType, FrameType

from mlk.abi import msginfo
from mlk.abi.labels import Label
from mlk.abi.objects import NUM_PRIORITIES, ObjectType
from mlk.abi.syscalls import CONTEXT_REGS, MSG_REGS, Reg, Syscall
from mlk.model import invocation
from mlk.model.events import Event, FaultEvent, SyscallEvent, normal_ctx, syscall_event
from mlk.model.gen import EventGen, pairs, reachable_state
from mlk.model.invocation import OPERATIONS
from mlk.model.kernel import TRANSITIONS, cap_fault, classify, step
from mlk.model.state import INACTIVE, State, Tcb
from tests.model.model_fixtures import F, booted, ok_call, retype, sc, spawn, tcb


def test_generator_drives_every_transition() -> None:
    seen: Counter[str] = Counter()
    for seed in range(40):
        gen = EventGen(random.Random(seed))
        s = booted()
        for _ in range(300):
            event = gen.event(s)
            seen[classify(s, event)] += 1
            s = step(s, event)[0]
    assert set(seen) <= set(TRANSITIONS)
    assert set(TRANSITIONS) - set(seen) <= {"idle"}


def test_idle_ignores_calls_and_faults() -> None:
    s = booted(debug=False)
    s, _ = sc(s, Syscall.DEBUG_PUTCHAR)
    assert s.current == s.machine.idle_tcb
    for event in (syscall_event(Syscall.YIELD), FaultEvent(1, 2, 3, (0,) * CONTEXT_REGS)):
        assert classify(s, event) == "idle"
        new, result = step(s, event)
        assert new.objects == s.objects and result.regs == () and result.running == s.current


def test_runs_are_deterministic() -> None:
    assert reachable_state(7, 200) == reachable_state(7, 200)
    assert [e for _, e in pairs(3, 50)] == [e for _, e in pairs(3, 50)]


def test_contexts_are_normalised() -> None:
    assert normal_ctx((1, 2**64 + 5)) == (1, 5) + (0,) * (CONTEXT_REGS - 2)
    s = booted()
    new, _ = step(s, SyscallEvent((0,) * 3))
    assert len(new.objects[s.current].ctx) == CONTEXT_REGS  # type: ignore[union-attr]


def test_pairs_are_reachable_and_classified() -> None:
    for state, event in pairs(11, 200, run_length=40):
        assert classify(state, event) in TRANSITIONS


def test_debug_checkpoint_changes_nothing_but_is_unknown_without_debug() -> None:
    s = booted()
    sysno_ctx = syscall_event(Syscall.DEBUG_CHECKPOINT, cptr=5).ctx
    assert classify(s, SyscallEvent(sysno_ctx)) == "debug_checkpoint"
    new, result = step(s, SyscallEvent(sysno_ctx))
    caller = s.objects[s.current]
    assert isinstance(caller, Tcb)
    assert new.objects == {**s.objects, s.current: caller._replace(ctx=sysno_ctx)}
    assert result.regs == () and result.output == b"" and result.running == s.current and new.queues == s.queues
    quiet = booted(debug=False)
    assert classify(quiet, SyscallEvent(sysno_ctx)) == "unknown_syscall"


def _functions_run(state: State, event: Event) -> set[CodeType]:
    """The code of every Python function that runs while ``state`` steps with ``event``."""
    ran: set[CodeType] = set()

    def profile(frame: FrameType, what: str, arg: object) -> None:
        if what == "call":
            ran.add(frame.f_code)

    sys.setprofile(profile)
    try:
        step(state, event)
    finally:
        sys.setprofile(None)
    return ran


def _agrees(state: State, event: Event) -> bool:
    """Whether :func:`classify` names what :func:`step` does: the transition's function runs
    (for an invocation whose message is too short for its operation, the common checks of
    :func:`invocation.invoke` stop it first), and a capability fault happens exactly when the
    transition is named ``cap_fault``."""
    name = classify(state, event)
    ran = _functions_run(state, event)
    expected = TRANSITIONS[name]
    if isinstance(event, SyscallEvent):
        info = event.ctx[Reg.MSGINFO]
        label = msginfo.LABEL.get(info)
        ops = {lab.name.lower(): (n, lab) for (_, lab), (n, _) in OPERATIONS.items()}
        if name in ops and min(msginfo.LENGTH.get(info), MSG_REGS) < ops[name][0] and label == ops[name][1]:
            expected = invocation.invoke
    return expected.__code__ in ran and (cap_fault.__code__ in ran) == (name == "cap_fault")


def test_classification_agrees_with_the_step() -> None:
    for seed in range(6):
        for state, event in pairs(seed, 150, run_length=150):
            assert _agrees(state, event), (seed, classify(state, event), event)


def test_waiting_on_another_threads_notification_is_a_capability_fault() -> None:
    """Regression: :func:`classify` named a wait on a notification bound to another thread
    ``notification_wait``, while :func:`step` makes it a capability fault."""
    s = retype(booted(), ObjectType.NOTIFICATION, F)
    s, _ = spawn(s, F + 1, NUM_PRIORITIES - 1)
    s = ok_call(s, F + 1, Label.TCB_BIND_NOTIFICATION, F)
    event = syscall_event(Syscall.RECV, cptr=F)
    assert classify(s, event) == "cap_fault" and _agrees(s, event)
    assert tcb(step(s, event)[0], s.current).state == INACTIVE
