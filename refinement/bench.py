"""Benchmark: the refinement checker's throughput (``mlk bench refine``).

Draws random runs from boot with the spec's event generator, renders them as the trace streams a
correct kernel writes (:mod:`mlk.refinement.spec_trace`), then times decoding and checking them:
records per second and transitions per second, decoding and checking separately. It prints
figures and asserts nothing.

It also measures the kernel's capture cost: the instructions the kernel retires from ``_start`` to
``power_off`` (``KSTATE.halt_instructions``, counted by the PMU, exact under ``-icount``) in a
scenario built with and without the trace, divided by the records the traced run wrote. The
scenarios measured take no timer tick, so tracing cannot move where ticks fall and the difference
is exactly the cost of tracing (the checkpoint channel's poll at every transition included). Last,
what a checkpoint costs: in the run, and in the checker.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from mlk import qemu
from mlk.abi import layout
from mlk.kernel_aarch64 import build as kbuild
from mlk.kernel_aarch64.diagnostics import BuildError
from mlk.model.boot import boot, qemu_virt
from mlk.model.events import Event
from mlk.model.gen import EventGen
from mlk.model.kernel import step
from mlk.refinement import capture, checkpoints, scenarios
from mlk.refinement.checker import check, initial_state
from mlk.refinement.spec_trace import spec_trace
from mlk.refinement.tracefile import decode


def streams(seed: int, transitions: int, run_length: int) -> list[bytes]:
    """Trace streams with ``transitions`` transitions in all, runs of at most ``run_length``."""
    gen = EventGen(random.Random(seed), hostile=0.02)
    out: list[bytes] = []
    left = transitions
    while left > 0:
        start = state = boot(qemu_virt())
        events: list[Event] = []
        while len(events) < min(run_length, left) and state.halted is None:
            event = gen.event(state)
            events.append(event)
            state = step(state, event)[0]
        out.append(spec_trace(start, events, build_id=seed))
        left -= len(events)
    return out


#: Scenarios whose runs take no timer tick: their traced and untraced runs differ only by the trace.
COST_SCENARIOS = ("hello", "faults")


def capture_cost(name: str, work: Path) -> tuple[int, int]:
    """(extra instructions the trace costs, records written) for built-in scenario ``name``."""
    retired: dict[int, int] = {}
    records = 0
    for trace_on in (0, 1):
        config = {**scenarios.SCENARIOS[name], "TRACE": trace_on}
        built = kbuild.build(work / f"{name}-{trace_on}", overrides=config)
        start = built.symbols["_start"]
        end = scenarios.boot_objects_base(built) + layout.BootObject.END
        run = capture.capture(built.elf, work / f"{name}-{trace_on}-run", region=(start, end - start), metadata={})
        if run.memory is None:
            raise capture.CaptureError(f"{name}: no memory checkpoint", run.console_tail())
        retired[trace_on] = run.memory.word(built.symbols["kstate"] + layout.KSTATE.offset("halt_instructions"))
        if trace_on:
            records = len(decode(run.trace.read_bytes()).records) + 2  # with BOOT and END
    return retired[1] - retired[0], records


def checkpoint_cost(work: Path, name: str = "sched") -> str:
    """What checkpoints cost, measured on scenario ``name`` run with a checkpoint at every
    transition and with only the boot and final ones: QEMU wall time and the checker's time
    (decoding kernel memory and comparing it), each per checkpoint."""
    config = {**scenarios.SCENARIOS[name], "TRACE": 1}
    built = kbuild.build(work / "ckpt-build", overrides=config)
    region = scenarios.checkpoint_region(built)
    runs = {}
    for every in (0, 1):
        runs[every] = capture.capture(built.elf, work / f"ckpt-{every}", region=region, metadata={},
                                      schedule=capture.Schedule(every))  # fmt: skip
    trace = decode(runs[1].trace.read_bytes())
    initial = scenarios.initial_state(trace, built)
    env = scenarios.environment(config, scenarios.boot_threads(built))
    t0 = time.perf_counter()
    check(trace, initial, environment=env)
    t1 = time.perf_counter()
    env = scenarios.environment(config, scenarios.boot_threads(built))
    check(trace, initial, environment=env, state_checks=checkpoints.state_checks(runs[1].checkpoints))
    t2 = time.perf_counter()
    extra = len(runs[1].checkpoints) - len(runs[0].checkpoints)
    qemu_ms = 1000 * (runs[1].seconds - runs[0].seconds) / extra
    check_ms = 1000 * ((t2 - t1) - (t1 - t0)) / len(runs[1].checkpoints)
    size = region[1] >> 10
    return (f"checkpoints ({name}, {len(runs[1].checkpoints)} of {size} KiB): {qemu_ms:.2f} ms each in the run "
            f"(the kernel waits while the harness copies memory), {check_ms:.2f} ms each to decode and compare")


def main(argv: list[str] | None = None) -> int:
    """Print the checker's throughput."""
    parser = argparse.ArgumentParser(prog="mlk bench refine", description=__doc__)
    parser.add_argument("--transitions", type=int, default=100_000, help="transitions in all (default 100000)")
    parser.add_argument("--run-length", type=int, default=5_000, help="longest run from boot (default 5000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-capture", action="store_true", help="skip the kernel capture-cost measurement (QEMU)")
    parser.add_argument("--checkpoint-scenario", default="sched", choices=sorted(scenarios.SCENARIOS),
                        help="the scenario whose checkpoints are timed (default sched)")
    args = parser.parse_args(argv)
    data = streams(args.seed, args.transitions, args.run_length)
    size = sum(len(d) for d in data)
    t0 = time.perf_counter()
    traces = [decode(d) for d in data]
    t1 = time.perf_counter()
    verdicts = [check(t, initial_state(t)) for t in traces]
    t2 = time.perf_counter()
    records = sum(v.records for v in verdicts)
    transitions = sum(v.transitions for v in verdicts)
    failed = sum(not v.refines for v in verdicts)
    print(f"refinement checker: {len(data)} traces, {transitions} transitions, {records} records, {size / 1e6:.1f} MB")
    print(f"  decode:          {records / (t1 - t0):>12,.0f} records/s ({t1 - t0:.2f} s)")
    print(f"  check (lockstep): {records / (t2 - t1):>11,.0f} records/s, {transitions / (t2 - t1):,.0f} transitions/s")
    print(f"  end to end:      {records / (t2 - t0):>12,.0f} records/s")
    if failed:
        print(f"  {failed} traces did not refine the spec: the benchmark's own traces are wrong")
        return 1
    if args.no_capture:
        return 0
    with tempfile.TemporaryDirectory(prefix="mlk-bench-") as tmp:
        for name in COST_SCENARIOS:
            try:
                extra, count = capture_cost(name, Path(tmp))
            except (capture.CaptureError, qemu.QemuMissing, BuildError) as exc:
                print(f"  capture cost ({name}): not measured: {exc}")
                return 1
            print(
                f"  capture cost ({name}): {extra:,} instructions for {count} records, {extra / count:.0f} per record"
            )
        try:
            print(f"  {checkpoint_cost(Path(tmp), args.checkpoint_scenario)}")
        except (capture.CaptureError, qemu.QemuMissing, BuildError) as exc:
            print(f"  checkpoints: not measured: {exc}")
            return 1
    return 0
