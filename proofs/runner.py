"""Discharging obligations in parallel, each in its own process with a hard time limit.

Every obligation runs in a forked child process (at most ``jobs`` at once). Z3 gets the time limit
itself; if the child has not answered shortly after it, the runner kills that child and reports
the obligation as unknown. A child that dies without answering is reported as unknown too: an
obligation is proved only by an *unsat* answer that reached the parent.

Before it forks any process the runner builds what the obligations share (their ``prepare``),
once, and records the obligations proved by frame (their ``framed``: about half of them), which
need no process. With a record of an earlier run (:mod:`mlk.proofs.hints`) the costliest obligations start first
and each goal's recorded attempt is made first. A fresh process per obligation makes each
obligation's solver steps independent of which obligations ran before it, hence of the
scheduling: Z3's steps for a query depend on what the same process solved before.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from mlk.proofs import hints as hint_record
from mlk.proofs.discharge import discharge
from mlk.proofs.obligation import Obligation, Outcome, Status

#: Seconds a child may run past its time limit before it is killed.
GRACE = 2.0


def _child(
    obligation: Obligation, timeout: float, hints: Mapping[str, str], calibrate: bool, conn: Connection
) -> None:
    try:
        outcome = discharge(obligation, timeout, hints, calibrate)
    except Exception as exc:  # reported as unknown, never as proved
        outcome = Outcome(obligation.name, Status.UNKNOWN, 0.0, obligation.bound, reason=f"error: {exc!r}")
    conn.send(outcome.to_json())
    conn.close()


def _framed(obligation: Obligation) -> bool:
    """Whether ``obligation`` is proved by frame, decided here without a prover process (no term
    is built: what it compares was prepared); any failure leaves it to a prover process."""
    if obligation.framed is None or obligation.search_first:
        return False
    try:
        return obligation.framed()
    except Exception:  # the prover process reports it
        return False


@dataclass
class _Running:
    obligation: Obligation
    process: multiprocessing.process.BaseProcess
    conn: Connection
    start: float


def run(
    obligations: Sequence[Obligation],
    *,
    jobs: int,
    timeout: float,
    on_start: Callable[[Obligation], None] = lambda _: None,
    on_done: Callable[[Outcome], None] = lambda _: None,
    hints: Mapping[str, hint_record.Hint] | None = None,
    calibrate: bool = False,
) -> list[Outcome]:
    """Discharge ``obligations`` with ``jobs`` processes, using the record ``hints`` (or making
    every attempt to ``calibrate`` it, :func:`mlk.proofs.discharge.discharge`); return the
    outcomes in input order."""
    ctx = multiprocessing.get_context("fork")
    record = hints or {}
    pending = list(reversed(hint_record.costliest_first(obligations, record)))
    running: dict[Connection, _Running] = {}
    outcomes: dict[str, Outcome] = {}

    def finish(item: _Running, outcome: Outcome) -> None:
        item.conn.close()
        item.process.join(timeout=1)
        outcomes[item.obligation.name] = outcome
        on_done(outcome)

    for obligation in obligations:
        if obligation.prepare is not None:
            # a failure here is the child's to report: it builds the query again
            with contextlib.suppress(Exception):
                obligation.prepare()
    for obligation in list(pending):
        if _framed(obligation):
            pending.remove(obligation)
            outcomes[obligation.name] = Outcome(obligation.name, Status.PROVED, 0.0, obligation.bound, method="frame")
            on_done(outcomes[obligation.name])
    while pending or running:
        while pending and len(running) < max(1, jobs):
            obligation = pending.pop()
            parent, child = ctx.Pipe(duplex=False)
            proofs = record[obligation.name].proofs if obligation.name in record else {}
            process = ctx.Process(target=_child, args=(obligation, timeout, proofs, calibrate, child), daemon=True)
            process.start()
            child.close()
            running[parent] = _Running(obligation, process, parent, time.perf_counter())
            on_start(obligation)
        now = time.perf_counter()
        deadline = min(item.start + timeout + GRACE for item in running.values())
        for conn in wait(list(running), timeout=max(0.0, deadline - now)):
            assert isinstance(conn, Connection)
            item = running.pop(conn)
            try:
                data = conn.recv()
                outcome = Outcome.from_json(data)
            except EOFError:
                outcome = Outcome(
                    item.obligation.name,
                    Status.UNKNOWN,
                    time.perf_counter() - item.start,
                    item.obligation.bound,
                    reason="prover process died",
                )
            finish(item, outcome)
        now = time.perf_counter()
        for conn, item in list(running.items()):
            if now > item.start + timeout + GRACE:
                item.process.kill()
                del running[conn]
                finish(
                    item,
                    Outcome(
                        item.obligation.name,
                        Status.UNKNOWN,
                        now - item.start,
                        item.obligation.bound,
                        reason=f"time limit of {timeout:g} s reached",
                    ),
                )
    return [outcomes[o.name] for o in obligations]
