"""Random spec states in the encoded domain, for the differential test and counterexample search.

:func:`random_state` builds a :class:`mlk.model.state.State` on the default machine whose objects
are the idle thread and ``threads`` threads of random state, priority and time slice; the
runnable ones are queued in random order except the running one, a highest-priority runnable
thread (or the idle thread when none is runnable). Such a state satisfies every invariant of
:mod:`mlk.proofs.invariants`; occasionally it is halted.
"""

from __future__ import annotations

import random

from mlk.abi.objects import NULL_CPTR, NUM_PRIORITIES, TIME_SLICE_TICKS, ThreadState
from mlk.abi.syscalls import CONTEXT_REGS
from mlk.model.boot import qemu_virt
from mlk.model.state import IDLE, INACTIVE, RUNNING, KObject, ObjId, State, Tcb, TState

#: Spacing of the generated threads' addresses (a TCB's size).
TCB_STRIDE = 1 << 10


def _tcb(state: TState, prio: int, time_slice: int) -> Tcb:
    return Tcb((0,) * CONTEXT_REGS, state, prio, time_slice, None, None, NULL_CPTR, None, None, None)


def random_state(rng: random.Random, threads: int, priorities: int = NUM_PRIORITIES) -> State:
    """A random state with ``threads`` threads of priorities below ``priorities``."""
    machine = qemu_virt()
    objects: dict[ObjId, KObject] = {machine.idle_tcb: _tcb(IDLE, 0, TIME_SLICE_TICKS)}
    base = machine.ram_base + (1 << 20)
    for k in range(threads):
        kind = rng.choice([RUNNING, RUNNING, INACTIVE, TState(ThreadState.BLOCKED_ON_REPLY)])
        objects[base + k * TCB_STRIDE] = _tcb(kind, rng.randrange(priorities), rng.randint(1, TIME_SLICE_TICKS))
    runnable = [oid for oid, t in objects.items() if isinstance(t, Tcb) and t.state == RUNNING]
    rng.shuffle(runnable)
    current = machine.idle_tcb
    if runnable:
        current = max(runnable, key=lambda oid: _prio(objects[oid]))
        runnable.remove(current)
    queues: dict[int, tuple[ObjId, ...]] = {}
    for oid in runnable:
        p = _prio(objects[oid])
        queues[p] = (*queues.get(p, ()), oid)
    halted = 0 if rng.random() < 0.05 else None
    return State(machine, objects, {}, queues, current, {}, halted)


def _prio(obj: KObject) -> int:
    assert isinstance(obj, Tcb)
    return obj.priority
