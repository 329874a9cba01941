"""Benchmark: how fast the spec replays a long random run (``mlk bench spec``).

The refinement checker replays every kernel trace through :func:`~mlk.model.kernel.step`, so its
throughput bounds how long traces can be checked. This draws a run of random events from boot
(:class:`~mlk.model.gen.EventGen`, mostly valid system calls), then times replaying it: only the
``step`` calls are timed, not the drawing of events. It prints the figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import time

from mlk.model.boot import boot, qemu_virt
from mlk.model.events import Event
from mlk.model.gen import EventGen
from mlk.model.kernel import step

#: Events the idle thread may run in a row before a recorded run starts over from boot.
IDLE_LIMIT = 50


def record(seed: int, steps: int) -> list[list[Event]]:
    """Runs of ``steps`` events in all, drawn with ``seed``, each run from boot. A run ends when
    the machine halted or the idle thread has been running for :data:`IDLE_LIMIT` events (every
    thread blocked or gone: nothing interesting would happen any more), and the next one starts
    from boot."""
    gen = EventGen(random.Random(seed), hostile=0.02)
    runs: list[list[Event]] = [[]]
    state = boot(qemu_virt())
    idle = 0
    for _ in range(steps):
        event = gen.event(state)
        runs[-1].append(event)
        state = step(state, event)[0]
        idle = idle + 1 if state.current == state.machine.idle_tcb else 0
        if idle >= IDLE_LIMIT or state.halted is not None:
            runs.append([])
            state = boot(qemu_virt())
            idle = 0
    return runs


def replay(runs: list[list[Event]]) -> float:
    """Seconds it takes to replay ``runs``, each from boot (booting is not timed)."""
    total = 0.0
    for events in runs:
        state = boot(qemu_virt())
        start = time.perf_counter()
        for event in events:
            state = step(state, event)[0]
        total += time.perf_counter() - start
    return total


def main(argv: list[str] | None = None) -> int:
    """Print transitions per second of the replay (best of ``--repeat`` runs)."""
    parser = argparse.ArgumentParser(prog="mlk bench spec", description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000, help="events in the run")
    parser.add_argument("--seed", type=int, default=1, help="seed of the run")
    parser.add_argument("--repeat", type=int, default=3, help="replays; the best one counts")
    args = parser.parse_args(argv)
    runs = record(args.seed, args.steps)
    kinds: dict[str, int] = {}
    for event in (e for events in runs for e in events):
        kinds[type(event).__name__] = kinds.get(type(event).__name__, 0) + 1
    best = min(replay(runs) for _ in range(args.repeat))
    print(f"spec replay: {args.steps} transitions in {len(runs)} runs from boot (seed {args.seed}), {best:.3f} s")
    print(f"  {args.steps / best:,.0f} transitions/s, {best / args.steps * 1e6:.2f} us/transition")
    print("  events: " + ", ".join(f"{name} {count}" for name, count in sorted(kinds.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
