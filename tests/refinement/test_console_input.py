"""Console input paced by the trace: each chunk goes to QEMU only once the stream shows the guest
ready for it (no QEMU here: the stream is written by hand)."""

from __future__ import annotations

import select
import threading
from pathlib import Path
from typing import BinaryIO

from mlk.abi.trace import ABI_VERSION, MACHINE_FIELDS, RecordType
from mlk.refinement import console, tracefile


def _halt(record: tracefile.Record) -> bool:
    return record.kind is RecordType.HALT


def _available(typed: BinaryIO, seconds: float) -> bytes:
    """What arrives on ``typed`` within ``seconds`` (the pipe stays open while chunks wait)."""
    out = b""
    while select.select([typed], [], [], seconds)[0]:
        chunk = typed.read1(4096)  # type: ignore[attr-defined]
        if not chunk:
            break
        out += chunk
    return out


def test_each_chunk_waits_for_one_more_ready_record(tmp_path: Path) -> None:
    trace = tmp_path / "trace.bin"
    seq = 0

    def append(kind: RecordType, *values: int) -> None:
        nonlocal seq
        with trace.open("ab") as f:
            f.write(tracefile.encode_record(kind, seq, seq, values))
        seq += 1

    append(RecordType.BOOT, 0, ABI_VERSION, *(0,) * len(MACHINE_FIELDS))
    stop = threading.Event()
    typed = console.start(console.ConsoleInput((b"one", b"two", b"three"), _halt), trace, stop)
    try:
        assert _available(typed, 0.2) == b""  # nothing ready yet
        append(RecordType.OUTPUT, 0x41)
        assert _available(typed, 0.2) == b""  # not the record it waits for
        append(RecordType.HALT, 0)
        assert _available(typed, 0.5) == b"one"
        append(RecordType.HALT, 0)
        append(RecordType.HALT, 0)  # two at once: one chunk each, the next waits for a third
        assert _available(typed, 0.5) == b"two"
        append(RecordType.HALT, 0)
        assert _available(typed, 0.5) == b"three"
        assert typed.read() == b""  # the input ends after its last chunk
    finally:
        stop.set()
        typed.close()


def test_stopping_ends_the_input(tmp_path: Path) -> None:
    stop = threading.Event()
    typed = console.start(console.ConsoleInput((b"never",), _halt), tmp_path / "missing.bin", stop)
    stop.set()
    assert typed.read() == b""
    typed.close()
