"""Typing into a captured run's console, paced by the kernel's trace.

QEMU hands a byte of its standard input to the UART whenever the UART has room, from its I/O
thread: when that happens, counted in guest instructions, depends on the host, so no input can
arrive at the same instruction on every run (QEMU 7.2's record/replay, the one mechanism meant for
this, did not deliver standard input to the guest in record mode when measured here). What a
harness can fix is the *path* the guest takes: :class:`ConsoleInput` sends each chunk of text only
once the trace shows the guest ready for it, e.g. a driver blocked waiting for its device's
interrupt, so that the chunk's first byte must come in through the interrupt. The trace then
still differs from run to run in where that interrupt falls (how many ticks the idle thread took
meanwhile), and every run is checked whole.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mlk.refinement import tracefile

#: Seconds between two looks at the trace while a chunk waits.
POLL_SECONDS = 0.002


@dataclass(frozen=True)
class ConsoleInput:
    """Text typed into a run's console: ``chunks`` in order, the first once the trace holds a
    record that ``ready`` accepts, each further one once the trace holds one more such record
    than when the chunk before it was sent."""

    chunks: tuple[bytes, ...]
    ready: Callable[[tracefile.Record], bool]

    @property
    def text(self) -> bytes:
        """Everything typed."""
        return b"".join(self.chunks)


def _ready_count(trace: Path, ready: Callable[[tracefile.Record], bool]) -> int:
    """How many records of the stream written so far ``ready`` accepts."""
    try:
        data = trace.read_bytes()
    except OSError:
        return 0
    count = 0
    try:
        for record in tracefile.scan(data):
            count += ready(record)
    except tracefile.TraceError:
        pass  # the stream is still being written: its end is cut
    return count


def _type(console: ConsoleInput, trace: Path, sink: int, stop: threading.Event) -> None:
    try:
        seen = 0
        for chunk in console.chunks:
            while (count := _ready_count(trace, console.ready)) <= seen:
                if stop.wait(POLL_SECONDS):
                    return
            seen = count
            os.write(sink, chunk)
    except OSError:
        pass  # QEMU has gone
    finally:
        os.close(sink)


def start(console: ConsoleInput, trace: Path, stop: threading.Event) -> BinaryIO:
    """Start typing ``console`` as the stream at ``trace`` allows; the file QEMU's standard input
    is to read from (it ends after the last chunk). ``stop`` ends the typing early."""
    source, sink = os.pipe()
    threading.Thread(target=_type, args=(console, trace, sink, stop), daemon=True).start()
    return os.fdopen(source, "rb")

