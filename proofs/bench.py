"""``mlk bench proofs``: the whole proof suite's wall time, cache cold, and its slowest obligations.

Runs every obligation of :func:`mlk.proofs.catalogue.obligations` without the cache on ``--jobs``
processes (with the record of :mod:`mlk.proofs.hints`, unless ``--no-hints``) and prints the wall
time, the target (:data:`TARGET_SECONDS`), the machine's load average, the total of solver steps
(a count that does not depend on the load, unlike seconds) and the ten slowest obligations with
their steps, and the ten costliest by steps. Exit status 0 when all are proved within the target,
1 otherwise, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence

from mlk.proofs import catalogue, runner
from mlk.proofs.cli import load_hints
from mlk.proofs.obligation import Outcome, Status
from mlk.proofs.terms import z3_version

#: The wall time the whole suite should stay under on the 2-core reference machine.
TARGET_SECONDS = 60.0
SLOWEST_SHOWN = 10


def _load() -> str:
    """The load averages over 1, 5 and 15 minutes, as ``uptime`` prints them."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _rows(outcomes: Sequence[Outcome]) -> list[str]:
    return [f"  {o.seconds:7.2f} s  {o.steps / 1e6:7.2f} M steps  {o.status:8}  {o.name}" for o in outcomes]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark with ``argv``; return the exit status."""
    parser = argparse.ArgumentParser(prog="mlk bench proofs", description=__doc__)
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--no-hints", action="store_true", help="ignore the record of an earlier run (hints.json)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    obligations = catalogue.obligations()
    hints = load_hints(args.no_hints)
    load_before = _load()
    start = time.perf_counter()
    outcomes = runner.run(obligations, jobs=args.jobs, timeout=args.timeout, hints=hints)
    wall = time.perf_counter() - start
    proved = sum(o.status == Status.PROVED for o in outcomes)
    hinted = "with" if hints else "without"
    print(f"Z3 {z3_version()}, {args.jobs} jobs, cache cold, {hinted} hints")
    print(f"load average before: {load_before}; after: {_load()}")
    print(f"{len(outcomes)} obligations, {proved} proved, wall time {wall:.1f} s (target < {TARGET_SECONDS:.0f} s)")
    steps = sum(o.steps for o in outcomes)
    print(f"solver steps: {steps / 1e6:.1f} M; prover time {sum(o.seconds for o in outcomes):.1f} s")
    security = [o for o in outcomes if o.name.startswith("security/")]
    print(
        f"security obligations: {len(security)}, {sum(o.status == Status.PROVED for o in security)} proved, "
        f"{sum(o.seconds for o in security):.1f} s of prover time, {sum(o.steps for o in security) / 1e6:.1f} M steps"
    )
    print(f"{SLOWEST_SHOWN} slowest:")
    print("\n".join(_rows(sorted(outcomes, key=lambda o: -o.seconds)[:SLOWEST_SHOWN])))
    print(f"{SLOWEST_SHOWN} costliest in solver steps:")
    print("\n".join(_rows(sorted(outcomes, key=lambda o: -o.steps)[:SLOWEST_SHOWN])))
    return 0 if proved == len(outcomes) and wall < TARGET_SECONDS else 1
