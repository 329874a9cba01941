"""The entry point: classification of events, the registry, determinism and totality."""

from __future__ import annotations

import random
from collections import Counter

from mlk.abi.syscalls import CONTEXT_REGS, Syscall
from mlk.model.events import FaultEvent, SyscallEvent, normal_ctx, syscall_event
from mlk.model.gen import EventGen, pairs, reachable_state
from mlk.model.kernel import TRANSITIONS, classify, step
from mlk.model.state import Tcb
from tests.model.model_fixtures import booted, sc


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
