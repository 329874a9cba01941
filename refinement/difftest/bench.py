"""``mlk bench difftest``: differential testing's speed, end to end.

Generates, runs in QEMU and checks ``--examples`` programs with a fixed seed (the build is made
once, before the clock starts) and prints programs per minute and system calls per second, and
how the time divides between generating, running and checking; ``--mode asm`` the same for
generated assembly programs, with the build's share. It asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from mlk.refinement.difftest import asmrun, search
from mlk.refinement.difftest.run import Session


def main(argv: list[str]) -> int:
    """Run the benchmark; always 0."""
    p = argparse.ArgumentParser(prog="mlk bench difftest", description=__doc__.split("\n\n")[0])
    p.add_argument("--examples", type=int, default=200, metavar="N", help="programs to run (default 200)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="the generator's seed (default 1)")
    p.add_argument("--mode", choices=("interp", "asm"), default="interp", help="the program mode (default interp)")
    args = p.parse_args(argv)
    if args.mode == "asm":
        return _asm(args.examples, args.seed)
    with tempfile.TemporaryDirectory(prefix="mlk-difftest-bench-") as tmp:
        session = Session(Path(tmp))
        session.boot_state([])  # the machine's calibration run, outside the clock
        stats = search.Stats()
        failure = search.search(session, args.examples, args.seed, stats=stats)
        print(f"mlk bench difftest: {stats.line()}")
        print(f"  per program: {1000 * stats.seconds / max(stats.programs, 1):.1f} ms end to end "
              f"(generate, write the image, boot QEMU, run, decode, check the trace and the final memory)")  # fmt: skip
        if failure is not None:
            print(f"  (the run stopped at a failure: {failure.result.outcome.summary()})")
    return 0


def _asm(examples: int, seed: int) -> int:
    """``--mode asm``: a kernel build per program, so the build's share is printed too."""
    with tempfile.TemporaryDirectory(prefix="mlk-difftest-bench-") as tmp:
        session = asmrun.AsmSession(Path(tmp))
        session.boot_state([])  # a build and run of the empty program, outside the clock
        builds, build_seconds = session.builds, session.build_seconds
        stats = search.Stats()
        failure = asmrun.run_search(session, examples, seed, stats=stats)
        built = session.builds - builds
        print(f"mlk bench difftest --mode asm: {stats.line()}")
        print(f"  per program: {1000 * stats.seconds / max(stats.programs, 1):.1f} ms end to end, of which "
              f"{1000 * (session.build_seconds - build_seconds) / max(built, 1):.1f} ms the guarded keystone build "
              f"({built} builds)")  # fmt: skip
        if failure is not None:
            print(f"  (the run stopped at a failure: {failure.result.outcome.summary()})")
    return 0
