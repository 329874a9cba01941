"""``mlk-prove`` (also ``mlk prove``): discharge the proof obligations and report.

Exit status: 0 when every selected obligation is proved (with ``--mutants``: every mutant is
refuted); 1 when an obligation is refuted (a mutant survives); 2 when an obligation is unknown
(Z3's *unknown* or the time limit), on a usage error, or when ``--only`` selects nothing.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mlk.proofs import catalogue, hints, report, runner, search, secproofs
from mlk.proofs.cache import DEFAULT_DIR, Cache, source_digest
from mlk.proofs.mutants import MUTANTS
from mlk.proofs.mutants import by_name as mutant_by_name
from mlk.proofs.obligation import Obligation, Outcome, Status
from mlk.proofs.terms import z3_version

USAGE_STATUS = 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mlk-prove", description="Prove the spec's invariants and security properties with Z3."
    )
    p.add_argument(
        "--only",
        metavar="PATTERN",
        action="append",
        default=[],
        help="run only obligations whose name matches the glob or regular expression (repeatable)",
    )
    p.add_argument(
        "--jobs", "-j", type=int, default=os.cpu_count() or 1, help="parallel prover processes (default: all cores)"
    )
    p.add_argument(
        "--timeout", type=float, default=60.0, help="seconds per obligation before it is unknown (default 60)"
    )
    p.add_argument("--json", type=Path, metavar="FILE", help="write a JSON report")
    p.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report")
    p.add_argument("--cache-dir", type=Path, default=DEFAULT_DIR, help=f"result cache (default {DEFAULT_DIR})")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    p.add_argument(
        "--list", action="store_true", help="list the selected obligations and what is not encoded, then exit"
    )
    p.add_argument(
        "--no-hints", action="store_true", help="ignore the record of how an earlier run proved each goal (hints.json)"
    )
    p.add_argument(
        "--write-hints", action="store_true", help="write the record (hints.json) from this run's outcomes"
    )
    p.add_argument(
        "--calibrate",
        action="store_true",
        help="try every attempt on every goal and record the cheapest (with --write-hints; slower)",
    )
    p.add_argument("--pending", action="store_true", help="also run the obligations of transitions not yet proved")
    p.add_argument("--mutants", action="store_true", help="check that every seeded spec bug is refuted")
    p.add_argument("--mutant", metavar="NAME", help="run the obligations against one seeded bug")
    return p


def matches(name: str, patterns: Sequence[str]) -> bool:
    """Whether obligation ``name`` is selected by ``patterns`` (glob, else regular expression;
    no patterns select everything)."""
    if not patterns:
        return True
    for pattern in patterns:
        if fnmatch.fnmatchcase(name, pattern):
            return True
        try:
            if re.search(pattern, name):
                return True
        except re.error:
            continue
    return False


def _status(outcomes: Sequence[Outcome]) -> int:
    statuses = {o.status for o in outcomes}
    if Status.REFUTED in statuses:
        return 1
    if Status.UNKNOWN in statuses:
        return 2
    return 0


def load_hints(no_hints: bool) -> dict[str, hints.Hint]:
    """The record of :mod:`mlk.proofs.hints` (none with ``no_hints``, or when it cannot be read:
    the proofs do not depend on it, so a warning names the cause and the run goes on)."""
    if no_hints:
        return {}
    try:
        return hints.load()
    except hints.HintsError as exc:
        print(f"mlk-prove: warning: hints ignored: {exc}", file=sys.stderr)
        return {}


def _run(
    console: Console, obligations: list[Obligation], args: argparse.Namespace, cache: Cache | None
) -> list[Outcome]:
    cached = {o.name: hit for o in obligations if cache and (hit := cache.get(o.name))}
    todo = [o for o in obligations if o.name not in cached]
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        auto_refresh=False,
        transient=True,
    ) as progress:
        task = progress.add_task("proving", total=len(todo))

        def done(outcome: Outcome) -> None:
            progress.update(task, advance=1, description=f"{outcome.status}: {outcome.name}")
            progress.refresh()

        fresh = runner.run(
            todo,
            jobs=args.jobs,
            timeout=args.timeout,
            on_done=done,
            hints=load_hints(args.no_hints),
            calibrate=args.calibrate,
        )
    by_name = {o.name: o for o in fresh} | cached
    if cache:
        for outcome in fresh:
            cache.put(outcome)
        cache.save()
    return [by_name[o.name] for o in obligations]


def _mutants(console: Console, args: argparse.Namespace) -> int:
    selected = [m for m in MUTANTS if matches(m.name, args.only)]
    if not selected:
        console.print("no mutant matches --only")
        return USAGE_STATUS
    targets = []
    for m in selected:
        obligation = next(o for o in catalogue.obligations(m.kernel, pending=True) if o.name == m.target)
        # each mutant is its own kernel: its process builds the one step it needs (preparing all of
        # every mutant's steps would take longer than the search)
        targets.append(replace(obligation, name=f"{m.name}:{m.target}", search_first=True, prepare=None))
    search.pool()
    outcomes = runner.run(targets, jobs=args.jobs, timeout=args.timeout)
    tab = Table(title="Seeded spec bugs")
    for column in ("mutant", "obligation", "result", "broken conjunct", "time"):
        tab.add_column(column)
    survived = 0
    for m, outcome in zip(selected, outcomes, strict=True):
        killed = outcome.status == Status.REFUTED
        survived += not killed
        tab.add_row(
            m.name,
            m.target,
            "[green]refuted[/]" if killed else f"[red]{outcome.status}[/]",
            outcome.conjunct or "",
            f"{outcome.seconds:.2f} s",
        )
    console.print(tab)
    for m, outcome in zip(selected, outcomes, strict=True):
        console.rule(f"{m.name}: {m.doc}")
        console.print(
            f"refuted: {m.target}  conjunct: {outcome.conjunct}"
            if outcome.counterexample
            else f"NOT refuted: {outcome.status} {outcome.reason or ''}",
            markup=False,
        )
        if outcome.counterexample:
            console.print(outcome.counterexample, markup=False, highlight=False)
    console.print(f"{len(selected) - survived} of {len(selected)} mutants refuted")
    if args.json:
        report.write_json(args.json, outcomes, {"z3": z3_version(), "mutants": True})
    if args.junit:
        report.write_junit(args.junit, outcomes)
    return 0 if survived == 0 else 1


def _print_pending(console: Console) -> None:
    pending = catalogue.pending_transitions()
    console.print(
        "not yet proved (encoded and tested against the spec; run with --pending): transitions " + ", ".join(pending)
        if pending
        else "not yet proved: no transition (the preservation obligations of every one run by default)"
    )
    if secproofs.PENDING:
        console.print("security obligations not yet proved (run with --pending): " + ", ".join(secproofs.PENDING))
    for item in catalogue.NOT_ENCODED_PROPERTIES:
        console.print(f"not yet encoded (not proved): {item}")


def main(argv: list[str] | None = None) -> int:
    """Run ``mlk-prove`` with ``argv`` (default: the command line); return the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else USAGE_STATUS
    if args.jobs < 1 or args.timeout <= 0:
        print("mlk-prove: --jobs and --timeout must be positive", file=sys.stderr)
        return USAGE_STATUS
    if args.calibrate and not args.write_hints:
        print("mlk-prove: --calibrate is for --write-hints (it records the cheapest attempts)", file=sys.stderr)
        return USAGE_STATUS
    if args.write_hints and (args.mutant or args.mutants):
        print("mlk-prove: --write-hints records the faithful encoding's proofs, not a mutant's", file=sys.stderr)
        return USAGE_STATUS
    console = Console(highlight=False)
    console.print(f"Z3 {z3_version()}")
    if args.mutants:
        return _mutants(console, args)
    mutant = None
    if args.mutant:
        try:
            mutant = mutant_by_name(args.mutant)
        except KeyError:
            print(f"mlk-prove: no mutant {args.mutant!r}", file=sys.stderr)
            return USAGE_STATUS
    everything = catalogue.obligations(mutant.kernel if mutant else None, pending=args.pending or bool(args.only))
    obligations = [replace(o, search_first=mutant is not None) for o in everything if matches(o.name, args.only)]
    if mutant is not None:
        search.pool()
    if args.list:
        for o in obligations:
            console.print(f"{o.name}  [dim](bound: {o.bound or 'none'})[/]")
        _print_pending(console)
        return 0
    if not obligations:
        print("mlk-prove: --only selects no obligation", file=sys.stderr)
        return USAGE_STATUS
    digest = source_digest()
    key = digest if mutant is None else f"{digest}-{mutant.name}"
    cache = None if args.no_cache else Cache(args.cache_dir, key)
    start = time.perf_counter()
    outcomes = _run(console, obligations, args, cache)
    wall = time.perf_counter() - start
    console.print(report.table(outcomes))
    report.print_failures(console, outcomes, args.mutant)
    if args.write_hints:
        hints.save(hints.updated(load_hints(False), outcomes))
        console.print(f"hints written to {hints.PATH}")
    counts = report.totals(outcomes)
    console.print(
        f"{len(outcomes)} obligations: {counts['proved']} proved, {counts['refuted']} refuted, "
        f"{counts['unknown']} unknown in {wall:.1f} s ({args.jobs} jobs)"
    )
    if not args.pending:
        _print_pending(console)
    meta: dict[str, object] = {
        "z3": z3_version(),
        "spec_digest": digest,
        "wall_seconds": round(wall, 3),
        "mutant": args.mutant,
        "not_encoded": {
            "transitions": catalogue.pending_transitions(),
            "properties": list(catalogue.NOT_ENCODED_PROPERTIES),
            "security": list(secproofs.PENDING),
        },
    }
    if args.json:
        report.write_json(args.json, outcomes, meta)
    if args.junit:
        report.write_junit(args.junit, outcomes)
    return _status(outcomes)


if __name__ == "__main__":
    sys.exit(main())
