"""Trace files checked and replayed away from the run that made them (``mlk refine --trace``).

A bare stream (``trace.bin``, or bytes from a board's serial line) carries only the kernel's
records: it is checked in lockstep from the spec's boot state of the machine in its ``BOOT``
record. A trace file (:mod:`mlk.refinement.container`) carries the run's description too, so it
is checked exactly as the run itself was: against the build id the harness recorded, from the
boot state with the scenario's boot threads, with the scenario's environment, with every memory
checkpoint compared, and with the end of the run required to be the spec's halt. From the file
alone, :func:`replay_lines` says how to replay the run and :func:`rerun` replays it: the
embedded kernel ELF under the recorded QEMU command line must give the same stream byte for byte.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mlk import qemu
from mlk.abi.trace import SINK_FILE
from mlk.refinement import checker, checkpoints, container, report, scenarios, tracefile

#: Seconds a rerun may take beyond ten times the recorded run's.
RERUN_SLACK = 30.0


def refine_file(
    path: Path,
    *,
    build_id: int | None = None,
    window: int = checker.DEFAULT_WINDOW,
    routine_for: Callable[[tracefile.Record], str | None] | None = None,
) -> report.Outcome:
    """Check the stream or trace file at ``path``; every failure is an outcome, never an
    exception. ``build_id``, when given, must be the stream's (and the trace file's)."""
    name = path.name
    start = time.monotonic()
    replay = f"mlk refine --trace {path}"

    def error(kind: str, message: str) -> report.Outcome:
        return report.Outcome(name, str(path), error=kind, message=message, seconds=time.monotonic() - start)

    try:
        data, found = container.load(path)
    except OSError as exc:
        return error("UnreadableTrace", f"cannot read {path}: {exc.strerror}")
    except container.ContainerError as exc:
        return error(type(exc).__name__, str(exc))
    recorded = found.build_id if found is not None else None
    if build_id is not None and recorded is not None and recorded != build_id:
        return error("BuildIdMismatch", f"the trace file records kernel build {recorded:016x}, not {build_id:016x}")
    try:
        trace = tracefile.decode(data, build_id=build_id if build_id is not None else recorded)
    except tracefile.TraceError as exc:
        return error(type(exc).__name__, str(exc))
    if found is None:
        verdict = checker.check(trace, checker.initial_state(trace), window=window, routine_for=routine_for,
                                replay=replay)  # fmt: skip
        return report.Outcome(name, str(path), verdict.transitions, verdict.records, verdict.divergence,
                              seconds=time.monotonic() - start)  # fmt: skip
    header = found.header
    threads, config = scenarios.described(header)
    outcome, _ = checkpoints.check_run(
        name, trace, scenarios.initial_state_with(trace, threads), found.checkpoints, int(header.get("status", -1)),
        console_tail=str(header.get("console_tail", "")), replay=replay, started=start,
        environment=scenarios.environment(config, threads), window=window, routine_for=routine_for,
        trace_path=str(path), zero_halt=header.get("scenario") != "difftest",
    )  # fmt: skip
    return outcome


def rerun(found: container.Container, work: Path | None = None) -> tuple[bool, str]:
    """Replay the run of trace file ``found`` from the file alone: its kernel ELF under its QEMU
    command line (the guest's part), in a fresh directory. Whether the new stream is the recorded
    one byte for byte, and a sentence saying so or where they differ."""
    command = found.header.get("replay_command")
    if found.elf is None or not command:
        return False, "the trace file holds no kernel ELF or no QEMU command line to replay"
    scratch = Path(tempfile.mkdtemp(prefix="mlk-rerun-", dir=work))
    try:
        elf = scratch / "kernel.elf"
        elf.write_bytes(found.elf)
        argv = [str(elf) if i > 0 and command[i - 1] == "-kernel" else word for i, word in enumerate(command)]
        argv[0] = qemu.find_qemu()
        limit = 10 * float(found.header.get("seconds", 1.0)) + RERUN_SLACK
        try:
            subprocess.run(argv, cwd=scratch, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=limit, check=False)  # fmt: skip
        except subprocess.TimeoutExpired:
            return False, f"the rerun did not stop within {limit:g} s"
        try:
            again = (scratch / SINK_FILE).read_bytes()
        except OSError:
            return False, "the rerun wrote no trace"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if again == found.stream:
        return True, f"the rerun wrote the same stream, byte for byte ({len(again)} bytes)"
    at = next((i for i, (a, b) in enumerate(zip(again, found.stream, strict=False)) if a != b),
              min(len(again), len(found.stream)))  # fmt: skip
    return False, f"the rerun's stream differs from byte {at} on ({len(again)} bytes, recorded {len(found.stream)})"
