"""Scheduling: priorities, FIFO queues, Yield, timer ticks and the idle thread."""

from __future__ import annotations

from mlk.abi.labels import FaultLabel, Label
from mlk.abi.objects import NUM_PRIORITIES, TIME_SLICE_TICKS, ObjectType, RootSlot, ThreadState
from mlk.abi.platform import Platform
from mlk.abi.syscalls import Syscall
from mlk.model.events import FaultEvent, IrqEvent, TickEvent
from mlk.model.state import TState
from tests.model.model_fixtures import F, booted, cap, ctx, ok_call, retype, run, sc, spawn, tcb

TOP = NUM_PRIORITIES - 1


def test_yield_rotates_within_a_priority() -> None:
    s, a = spawn(booted(), F, TOP)
    s, b = spawn(s, F + 1, TOP)
    root = s.current
    assert s.queues == {TOP: (a, b)}
    s, res = sc(s, Syscall.YIELD)
    assert s.current == a and res.running == a and s.queues == {TOP: (b, root)}
    s, _ = sc(s, Syscall.YIELD)
    assert s.current == b and s.queues == {TOP: (root, a)}


def test_yield_refills_the_time_slice() -> None:
    s = booted()
    root = s.current
    s, _ = run(s, TickEvent())
    assert tcb(s, root).time_slice == TIME_SLICE_TICKS - 1
    s, _ = sc(s, Syscall.YIELD)
    assert s.current == root and tcb(s, root).time_slice == TIME_SLICE_TICKS and s.queues == {}


def test_ticks_round_robin() -> None:
    s, a = spawn(booted(), F, TOP)
    root = s.current
    for left in range(TIME_SLICE_TICKS - 1, 0, -1):
        s, res = run(s, TickEvent())
        assert s.current == root and tcb(s, root).time_slice == left and res.regs == ()
    s, res = run(s, IrqEvent(Platform.TIMER_IRQ))
    assert s.current == a and res.running == a and s.queues == {TOP: (root,)}
    assert tcb(s, root).time_slice == TIME_SLICE_TICKS


def test_ticks_save_the_interrupted_context() -> None:
    s = booted()
    root = s.current
    regs = tuple(range(13))
    s, res = run(s, TickEvent(regs))
    assert ctx(s, root) == regs and res.regs == ()


def test_lower_priorities_wait_and_idle_runs_last() -> None:
    s, a = spawn(booted(), F, 1)
    root = s.current
    assert s.current == root and s.queues == {1: (a,)}
    s = ok_call(s, RootSlot.TCB, Label.TCB_SUSPEND)
    assert s.current == a and s.queues == {}
    s, _ = sc(s, Syscall.YIELD)
    assert s.current == a
    s = ok_call(s, F, Label.TCB_SUSPEND)
    assert s.current == s.machine.idle_tcb and s.queues == {}
    for event in (TickEvent(), IrqEvent(Platform.TIMER_IRQ), FaultEvent(FaultLabel.DATA_ABORT, 0, 0, (0,) * 13)):
        s2, res = run(s, event)
        assert s2.current == s.machine.idle_tcb and res.regs == ()
    s2, res = sc(s, Syscall.DEBUG_PUTCHAR, 65)
    assert res.output == b"" and s2.objects == s.objects


def test_woken_thread_of_higher_priority_preempts() -> None:
    s = retype(booted(), ObjectType.ENDPOINT, F + 5)
    root = s.current
    s, a = spawn(s, F, TOP)
    s, _ = sc(s, Syscall.YIELD)
    s, _ = sc(s, Syscall.RECV, F + 5)
    assert s.current == root
    s = ok_call(s, RootSlot.TCB, Label.TCB_SET_PRIORITY, 5)
    assert s.current == root
    s, res = sc(s, Syscall.SEND, F + 5)
    assert s.current == a and res.running == a and s.queues == {5: (root,)}
    assert tcb(s, a).state == TState(ThreadState.RUNNING)
    s = ok_call(s, F, Label.TCB_SET_PRIORITY, 5)
    assert s.current == a and s.queues == {5: (root,)}
    s, _ = sc(s, Syscall.YIELD)
    assert s.current == root and s.queues == {5: (a,)} and cap(s, F).obj == a
