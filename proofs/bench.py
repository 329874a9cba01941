"""``mlk bench proofs``: the whole proof suite's wall time, cache cold, and its slowest obligations.

Runs every obligation of :func:`mlk.proofs.catalogue.obligations` without the cache on ``--jobs``
processes and prints the wall time, the target (:data:`TARGET_SECONDS`) and the ten slowest
obligations. Exit status 0 when all are proved within the target, 1 otherwise, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import os
import time

from mlk.proofs import catalogue, runner
from mlk.proofs.obligation import Status
from mlk.proofs.terms import z3_version

#: The wall time the whole suite should stay under on the 2-core reference machine.
TARGET_SECONDS = 60.0
SLOWEST_SHOWN = 10


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark with ``argv``; return the exit status."""
    parser = argparse.ArgumentParser(prog="mlk bench proofs", description=__doc__)
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=60.0)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    obligations = catalogue.obligations()
    start = time.perf_counter()
    outcomes = runner.run(obligations, jobs=args.jobs, timeout=args.timeout)
    wall = time.perf_counter() - start
    proved = sum(o.status == Status.PROVED for o in outcomes)
    print(f"Z3 {z3_version()}, {args.jobs} jobs, cache cold")
    print(f"{len(outcomes)} obligations, {proved} proved, wall time {wall:.1f} s (target < {TARGET_SECONDS:.0f} s)")
    security = [o for o in outcomes if o.name.startswith("security/")]
    print(
        f"security obligations: {len(security)}, {sum(o.status == Status.PROVED for o in security)} proved, "
        f"{sum(o.seconds for o in security):.1f} s of prover time (all: {sum(o.seconds for o in outcomes):.1f} s)"
    )
    print(f"{SLOWEST_SHOWN} slowest:")
    for o in sorted(outcomes, key=lambda o: -o.seconds)[:SLOWEST_SHOWN]:
        print(f"  {o.seconds:7.2f} s  {o.status:8}  {o.name}")
    return 0 if proved == len(outcomes) and wall < TARGET_SECONDS else 1
