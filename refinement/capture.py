"""Capturing a kernel run in QEMU: its trace stream, its console, and its memory at checkpoints.

A run happens in its own directory (QEMU's working directory, where the kernel's semihosting
``SYS_OPEN`` creates :data:`mlk.abi.trace.SINK_FILE`), deterministically (``-icount
shift=0,sleep=off``). The guest's RAM is a shared file (:attr:`mlk.qemu.QemuOptions.ram_file`) that
the harness maps, so it reads the kernel's raw memory without any help from the kernel.

**Checkpoints** (design and measurements in ``refinement/README.md``). Before QEMU starts, the
harness creates the checkpoint channel in the run directory (the named pipes
:data:`mlk.abi.trace.CHECKPOINT_IN` and ``CHECKPOINT_OUT``). At every record boundary where its
objects are the spec's state the kernel counts down the harness's last order; when a checkpoint
is due it writes a notice (the record boundary) and waits in a semihosting ``SYS_READ`` for the
next order. Meanwhile the harness copies the kernel's memory region out of the RAM file: the guest
is stopped inside that call, at that exact instruction on every run. The first order makes the
boot checkpoint due (just before the root task's first instruction); a :class:`Schedule` adds
one every N transitions and at chosen record numbers; a thread adds one with ``DebugCheckpoint``;
the final checkpoint is the memory QEMU leaves when it exits. The kernel executes the same
instructions whether or not a checkpoint is due, so the trace is the same byte for byte with any
schedule, or with no harness at all.

QEMU was the other way to stop the guest: a gdbstub breakpoint on a hook symbol, or a QMP
``stop``. Measured: a stop at a gdbstub breakpoint lets QEMU's ``-icount sleep=off`` warp the
virtual clock to the next timer deadline (the next tick then falls right after the checkpoint:
the run changes), and QMP ``stop`` cannot stop at a chosen instruction.

Everything a run produced stays in its directory: ``trace.bin`` (the kernel's stream),
``console.log``, ``memory.bin`` (the final memory region), ``run.json`` (command line, build id,
checkpoints, outcome) and the self-describing trace file ``trace.mlkt``
(:mod:`mlk.refinement.container`: the stream verbatim, with that description, the kernel ELF and
the checkpoints' memory), written whatever happened. A guest that outlives its time limit is a
:class:`QemuTimeout`; QEMU dying by a signal is a :class:`QemuCrash`; both carry the console's last
lines and neither is ever a pass.
"""

from __future__ import annotations

import json
import mmap
import os
import select
import shutil
import struct
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlk import qemu
from mlk.abi.platform import Platform
from mlk.abi.trace import CHECKPOINT_IN, CHECKPOINT_NOTICE, CHECKPOINT_ORDER, CHECKPOINT_OUT, SINK_FILE
from mlk.refinement import console, container, tracefile
from mlk.refinement.snapshot import Checkpoint, Memory

CONSOLE_FILE = "console.log"
MEMORY_FILE = "memory.bin"
RUN_FILE = "run.json"
#: The self-describing trace file (:mod:`mlk.refinement.container`).
CONTAINER_FILE = "trace.mlkt"
#: Seconds a run may take (each built-in scenario takes well under one).
RUN_TIMEOUT = 60.0
#: Console lines quoted in an error.
CONSOLE_TAIL = 15
#: Where the shared RAM file goes: a memory file system when there is one.
_RAM_DIR = Path("/dev/shm")
_NOTICE = struct.Struct(CHECKPOINT_NOTICE.struct_format())
_ORDER = struct.Struct(CHECKPOINT_ORDER.struct_format())
#: An order's ``seq`` that is never reached, and a countdown that never reaches zero.
NEVER = (1 << 64) - 1
_NO_COUNT = 0


class CaptureError(Exception):
    """QEMU did not run the kernel to its end; ``console_tail`` is the console's last lines."""

    def __init__(self, message: str, console_tail: str) -> None:
        super().__init__(f"{message}; the console's last lines:\n{console_tail}")
        self.console_tail = console_tail


class QemuTimeout(CaptureError):
    """The guest did not stop within its time limit and was killed."""


class QemuCrash(CaptureError):
    """QEMU itself died (killed by a signal, or failed to start the machine), or the checkpoint
    channel broke."""


@dataclass(frozen=True)
class Schedule:
    """The checkpoints a run takes besides the boot and the final one (and those its threads
    ask for): one every ``every`` transitions (0: none), and one at the first record boundary at
    or after each record number in ``at``."""

    every: int = 0
    at: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The JSON form, as the trace file's header keeps it."""
        return {"every": self.every, "at": list(self.at)}


@dataclass(frozen=True)
class Capture:
    """What one run left behind."""

    run_dir: Path
    command: tuple[str, ...]
    #: QEMU's exit status (the guest's, for a semihosting exit).
    status: int
    seconds: float
    #: Every checkpoint in order: the boot one first, the final one last (when QEMU exited).
    checkpoints: tuple[Checkpoint, ...] = ()

    @property
    def memory(self) -> Memory | None:
        """Kernel memory when QEMU exited (the final checkpoint), or ``None``."""
        last = self.checkpoints[-1] if self.checkpoints else None
        return last.memory if last is not None and last.kind == "final" else None

    @property
    def trace(self) -> Path:
        """The kernel's trace stream (may be missing if the kernel never opened it)."""
        return self.run_dir / SINK_FILE

    @property
    def container(self) -> Path:
        """The self-describing trace file: the stream with the run's description."""
        return self.run_dir / CONTAINER_FILE

    @property
    def console(self) -> Path:
        """The console log."""
        return self.run_dir / CONSOLE_FILE

    def console_tail(self, lines: int = CONSOLE_TAIL) -> str:
        """The console's last ``lines`` lines."""
        return _tail(self.console, lines)


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_bytes().decode(errors="replace")
    except OSError:
        return "(no console output)"
    return "\n".join(text.splitlines()[-lines:]) or "(no console output)"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class _Channel:
    """The harness's end of the checkpoint channel: answers every notice the kernel writes with
    the next order, after copying the memory region out of the RAM file."""

    def __init__(self, run_dir: Path, ram_file: Path, region: tuple[int, int], schedule: Schedule) -> None:
        self.run_dir = run_dir
        self.ram_file = ram_file
        self.region = region
        self.schedule = schedule
        self.at = sorted(set(schedule.at))
        for name in (CHECKPOINT_IN, CHECKPOINT_OUT):
            os.mkfifo(run_dir / name)
        # Read-write ends: neither open blocks, and the kernel's opens find a peer.
        self.orders = os.open(run_dir / CHECKPOINT_IN, os.O_RDWR)
        self.notices = os.open(run_dir / CHECKPOINT_OUT, os.O_RDWR)
        self.checkpoints: list[Checkpoint] = []
        self.errors: list[str] = []
        self.done = threading.Event()
        self._ram: mmap.mmap | None = None

    def snapshot(self) -> Memory | None:
        """The memory region as it is now in the RAM file (``None`` when there is no RAM file)."""
        base, size = self.region
        start = base - Platform.RAM_BASE
        if self._ram is None:
            try:
                fd = os.open(self.ram_file, os.O_RDONLY)
            except OSError:
                return None
            try:
                self._ram = mmap.mmap(fd, 0, prot=mmap.PROT_READ)
            finally:
                os.close(fd)
        return Memory(base, self._ram[start : start + size])

    def _next_at(self, seq: int) -> int:
        return next((a for a in self.at if a > seq), NEVER)

    def serve(self) -> None:
        """Answer notices until the run is over (:attr:`done`)."""
        pending = b""
        try:
            while not self.done.is_set():
                ready, _, _ = select.select([self.notices], [], [], 0.02)
                if not ready:
                    continue
                pending += os.read(self.notices, _NOTICE.size - len(pending))
                if len(pending) < _NOTICE.size:
                    continue
                seq, countdown, requested = _NOTICE.unpack(pending)
                pending = b""
                memory = self.snapshot()
                if memory is None:
                    self.errors.append("the checkpoint channel has no RAM file to read")
                    return
                first = not self.checkpoints
                by_count = countdown == 0 and not first
                kind = "boot" if first else "requested" if requested else "every" if by_count else "at"
                self.checkpoints.append(Checkpoint(len(self.checkpoints), seq, kind, _size(self.run_dir / SINK_FILE),
                                                   memory))  # fmt: skip
                keep = self.schedule.every if first or countdown == 0 else countdown
                os.write(self.orders, _ORDER.pack(keep or _NO_COUNT, self._next_at(seq)))
        except OSError as exc:
            self.errors.append(f"the checkpoint channel failed: {exc}")

    def close(self) -> None:
        """Release the mapping and remove the pipes: a kernel started again in this directory
        without a harness must find no channel (its opens would wait for a peer)."""
        os.close(self.orders)
        os.close(self.notices)
        for name in (CHECKPOINT_IN, CHECKPOINT_OUT):
            (self.run_dir / name).unlink(missing_ok=True)
        if self._ram is not None:
            self._ram.close()


def capture(
    elf: Path,
    run_dir: Path,
    *,
    region: tuple[int, int],
    metadata: dict[str, Any],
    timeout: float = RUN_TIMEOUT,
    schedule: Schedule | None = None,
    console_input: console.ConsoleInput | None = None,
) -> Capture:
    """Run the kernel ``elf`` in ``run_dir`` (emptied first) and keep its trace, console and the
    physical memory ``region`` (base, size) at every checkpoint (see the module documentation).

    ``console_input``, when given, is typed into the console (the UART's receive side, QEMU's
    standard input) as the trace allows (:mod:`mlk.refinement.console`).
    ``metadata`` (scenario, configuration, build id, boot threads, replay command, ...) goes into
    ``run.json`` and the trace file's header. Raises :class:`QemuTimeout` or :class:`QemuCrash`
    (after keeping everything); :class:`mlk.qemu.QemuMissing` without QEMU.
    """
    schedule = schedule or Schedule()
    if run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True)
    ram_dir = Path(tempfile.mkdtemp(prefix="mlk-ram-", dir=_RAM_DIR if _RAM_DIR.is_dir() else None))
    ram_file = ram_dir / "ram"
    opts = qemu.QemuOptions(kernel=elf.resolve(), deterministic=True, cwd=run_dir, ram_file=ram_file)
    channel = _Channel(run_dir, ram_file, region, schedule)
    server = threading.Thread(target=channel.serve, daemon=True)
    server.start()
    typed = None if console_input is None else console.start(console_input, run_dir / SINK_FILE, channel.done)
    try:
        run = qemu.run(opts, timeout=timeout, console_log=run_dir / CONSOLE_FILE, echo=False, console_input=typed)
        channel.done.set()
        server.join(timeout=5)
        checkpoints = list(channel.checkpoints)
        if not run.timed_out and run.status >= 0:
            final = channel.snapshot()
            if final is not None:
                (run_dir / MEMORY_FILE).write_bytes(final.data)
                end = _end_seq(run_dir / SINK_FILE)
                checkpoints.append(Checkpoint(len(checkpoints), end, "final", _size(run_dir / SINK_FILE), final))
    finally:
        channel.done.set()
        channel.close()
        shutil.rmtree(ram_dir, ignore_errors=True)
        if typed is not None:
            typed.close()
    record = {
        **metadata,
        "command": list(run.command),
        "replay_command": qemu.guest_command(run.command),
        "console_input": None if console_input is None else console_input.text.decode("latin-1"),
        "cwd": str(run_dir.resolve()),
        "status": run.status,
        "timed_out": run.timed_out,
        "seconds": round(run.seconds, 3),
        "checkpoint_schedule": schedule.to_json(),
        "checkpoints": [{"index": c.index, "seq": c.seq, "kind": c.kind, "offset": c.offset} for c in checkpoints],
        "channel_errors": channel.errors,
        "qemu_stderr": run.stderr.decode(errors="replace"),
    }
    (run_dir / RUN_FILE).write_text(json.dumps(record, indent=2) + "\n")
    tail = _tail(run_dir / CONSOLE_FILE, CONSOLE_TAIL)
    container.write_run(run_dir / CONTAINER_FILE, {**record, "console_tail": tail}, elf, run_dir / SINK_FILE,
                        checkpoints)  # fmt: skip
    if run.timed_out:
        raise QemuTimeout(f"the guest did not stop within {timeout:g} s and was killed", tail)
    if run.status < 0:
        raise QemuCrash(f"QEMU died by signal {-run.status}", tail)
    if channel.errors:
        raise QemuCrash("; ".join(channel.errors), tail)
    return Capture(run_dir, run.command, run.status, run.seconds, tuple(checkpoints))


def _end_seq(trace: Path) -> int:
    """The sequence number of the stream's ``END`` record (the final checkpoint's boundary), or
    -1 when the stream has none."""
    try:
        return tracefile.end_seq(trace.read_bytes())
    except (OSError, tracefile.TraceError):
        return -1
