"""``mlk bench difftest``: differential testing's speed, end to end.

Generates, runs in QEMU and checks ``--examples`` programs with a fixed seed and prints programs
per minute and system calls per second end to end, for the script interpreter's mode (the build
is made once, before the clock starts) and for generated assembly (``--mode asm``: a guarded
keystone build per batch of :data:`~mlk.refinement.difftest.asmrun.BATCH` programs, inside the
clock, its share printed), and the machine's load average before and after (the figures of a
shared machine mean little without it). It asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from mlk.refinement.difftest import asmrun, search
from mlk.refinement.difftest.run import Session


def main(argv: list[str]) -> int:
    """Run the benchmark; always 0."""
    p = argparse.ArgumentParser(prog="mlk bench difftest", description=__doc__.split("\n\n")[0])
    p.add_argument("--examples", type=int, default=200, metavar="N", help="programs to run (default 200)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="the generator's seed (default 1)")
    p.add_argument("--mode", choices=("interp", "asm", "both"), default="both",
                   help="the program mode (default both, one after the other)")  # fmt: skip
    args = p.parse_args(argv)
    print(f"load average before: {_load()}")
    if args.mode in ("interp", "both"):
        _interp(args.examples, args.seed)
    if args.mode in ("asm", "both"):
        _asm(args.examples, args.seed)
    print(f"load average after: {_load()}")
    return 0


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" ({os.cpu_count()} CPUs)"


def _interp(examples: int, seed: int) -> None:
    """The script interpreter's mode: one build, a QEMU run per program."""
    with tempfile.TemporaryDirectory(prefix="mlk-difftest-bench-") as tmp:
        session = Session(Path(tmp))
        session.boot_state([])  # the machine's calibration run, outside the clock
        stats = search.Stats()
        failure = search.search(session, examples, seed, stats=stats)
        print(f"mlk bench difftest: {stats.line()}")
        print(f"  per program: {1000 * stats.seconds / max(stats.programs, 1):.1f} ms end to end "
              f"(generate, write the image, boot QEMU, run, decode, check the trace and the final memory)")  # fmt: skip
        if failure is not None:
            print(f"  (the run stopped at a failure: {failure.result.outcome.summary()})")


def _asm(examples: int, seed: int) -> None:
    """``--mode asm``: a kernel build per batch of programs, so the build's share is printed too."""
    with tempfile.TemporaryDirectory(prefix="mlk-difftest-bench-") as tmp:
        session = asmrun.AsmSession(Path(tmp))
        session.boot_state([])  # a build and run of the empty program, outside the clock
        builds, build_seconds = session.builds, session.build_seconds
        stats = search.Stats()
        failure = asmrun.run_search(session, examples, seed, stats=stats)
        built = session.builds - builds
        print(f"mlk bench difftest --mode asm: {stats.line()}")
        per_build = (session.build_seconds - build_seconds) / max(built, 1)
        print(f"  per program: {1000 * stats.seconds / max(stats.programs, 1):.1f} ms end to end; {built} guarded "
              f"keystone builds of up to {asmrun.BATCH} programs, {1000 * per_build:.0f} ms each")  # fmt: skip
        if failure is not None:
            print(f"  (the run stopped at a failure: {failure.result.outcome.summary()})")
