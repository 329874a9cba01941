"""Benchmark: the instructions of one IPC round trip, fast path against slow path (``mlk bench ipc``).

A round trip is a client's Call with one message register and the server's ReplyRecv echoing it
(the IPCBENCH scenario, ``kernel_aarch64/asm/user/ipcbench.S``). The kernel is built with its fast
paths (``FASTPATH=1``) and without (``FASTPATH=0``), each without and with the refinement trace,
and run in QEMU under ``-icount`` for two round counts. The PMU's count of instructions retired
from reset to the halt (``KSTATE.halt_instructions``, exact under ``-icount``) differs between the
two runs by exactly the added round trips, as long as the same number of timer ticks fell in both
(``KSTATE.ticks``, checked: a figure is reported as not exact otherwise). It prints figures and
asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mlk import qemu
from mlk.abi import layout
from mlk.kernel_aarch64 import build as kbuild
from mlk.kernel_aarch64.config import Scenario
from mlk.kernel_aarch64.diagnostics import BuildError
from mlk.refinement import capture, scenarios

#: User instructions per round trip in ipcbench.S: the client's loop (5) and the server's (4).
USER_INSTRUCTIONS = 9


@dataclass(frozen=True)
class Run:
    """One run: instructions retired from reset to the halt, and timer ticks."""

    instructions: int
    ticks: int


def measure(work: Path, rounds: int, *, fastpath: int, trace: int) -> Run:
    """Build and run IPCBENCH with ``rounds`` round trips; what the final memory says."""
    config = {"SCENARIO": int(Scenario.IPCBENCH), "BENCH_ROUNDS": rounds, "FASTPATH": fastpath, "TRACE": trace}
    name = f"fp{fastpath}-trace{trace}-{rounds}"
    built = kbuild.build(work / name, overrides=config)
    start = built.symbols["_start"]
    end = scenarios.boot_objects_base(built) + layout.BootObject.END
    run = capture.capture(built.elf, work / f"{name}-run", region=(start, end - start), metadata=config)
    if run.memory is None or run.status != 0:
        raise capture.CaptureError(f"{name}: the benchmark did not halt with status 0", run.console_tail())
    kstate = built.symbols["kstate"]
    return Run(run.memory.word(kstate + layout.KSTATE.offset("halt_instructions")),
               run.memory.word(kstate + layout.KSTATE.offset("ticks")))  # fmt: skip


def round_trip(work: Path, rounds: int, *, fastpath: int, trace: int) -> tuple[float, bool]:
    """Instructions per round trip from runs of ``rounds`` and ``2 * rounds`` round trips, and
    whether the figure is exact (the same number of ticks fell in both runs)."""
    one = measure(work, rounds, fastpath=fastpath, trace=trace)
    two = measure(work, 2 * rounds, fastpath=fastpath, trace=trace)
    return (two.instructions - one.instructions) / rounds, one.ticks == two.ticks


def _figure(value: float) -> str:
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"


def main(argv: list[str] | None = None) -> int:
    """Print the instructions of an IPC round trip, fast and slow path, without and with the trace."""
    parser = argparse.ArgumentParser(prog="mlk bench ipc", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=25, help="round trips of the shorter run (default 25)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    print(f"IPC round trip (Call + ReplyRecv, one message register), instructions retired under -icount, "
          f"from runs of {args.rounds} and {2 * args.rounds} round trips; {USER_INSTRUCTIONS} of them are "
          f"the user loops':")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="mlk-bench-ipc-") as tmp:
        for trace in (0, 1):
            figures = {}
            for fastpath in (1, 0):
                try:
                    figures[fastpath] = round_trip(Path(tmp), args.rounds, fastpath=fastpath, trace=trace)
                except (capture.CaptureError, qemu.QemuMissing, BuildError) as exc:
                    print(f"  not measured: {exc}")
                    return 1
            label = "with the trace (TRACE=1)" if trace else "kernel as shipped (TRACE=0)"
            fast, fast_exact = figures[1]
            slow, slow_exact = figures[0]
            note = "" if fast_exact and slow_exact else "  (not exact: a timer tick fell in one run only)"
            print(f"  {label}: fast path {_figure(fast)}, slow path {_figure(slow)}, "
                  f"saved {_figure(slow - fast)} ({100 * (slow - fast) / slow:.0f}%){note}")  # fmt: skip
    return 0
