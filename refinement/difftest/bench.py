"""``mlk bench difftest``: differential testing's speed, end to end.

Generates, runs in QEMU and checks ``--examples`` programs with a fixed seed (the build is made
once, before the clock starts) and prints programs per minute and system calls per second, and
how the time divides between generating, running and checking. It asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from mlk.refinement.difftest import search
from mlk.refinement.difftest.run import Session


def main(argv: list[str]) -> int:
    """Run the benchmark; always 0."""
    p = argparse.ArgumentParser(prog="mlk bench difftest", description=__doc__.split("\n\n")[0])
    p.add_argument("--examples", type=int, default=200, metavar="N", help="programs to run (default 200)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="the generator's seed (default 1)")
    args = p.parse_args(argv)
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
