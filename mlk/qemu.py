"""Running the kernel in QEMU: the one place where the QEMU command line is composed.

The machine is ``qemu-system-aarch64 -M virt -cpu cortex-a72`` with the kernel ELF given to
``-kernel``, the PL011 console on standard input and output, and semihosting enabled so that a
non-zero exit status of the guest becomes QEMU's exit status. Deterministic runs add
``-icount shift=0,sleep=off``: one instruction per nanosecond of virtual time, so timer interrupts
fall on the same instruction on every run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from mlk.abi.layout import RAM_SIZE

QEMU_BINARY = "qemu-system-aarch64"
#: Exit status of ``mlk run`` when the guest was killed for exceeding its time limit.
TIMEOUT_STATUS = 124
#: Exit status when QEMU is not installed.
MISSING_QEMU_STATUS = 127
#: The id of the shared RAM backend (:attr:`QemuOptions.ram_file`).
RAM_BACKEND = "mlk-ram"


class QemuMissing(Exception):
    """``qemu-system-aarch64`` is not on the PATH."""

    def __str__(self) -> str:
        return (
            f"{QEMU_BINARY} not found on PATH: install Debian's package qemu-system-arm "
            "(apt-get install qemu-system-arm), or run the README's set-up command"
        )


@dataclass(frozen=True)
class QemuOptions:
    """What varies between runs of the kernel in QEMU."""

    kernel: Path
    deterministic: bool = True
    gdb_port: int | None = None
    #: Boot at EL2 (``virtualization=on``), to exercise the kernel's drop to EL1.
    el2: bool = False
    memory_mb: int = RAM_SIZE >> 20
    extra: tuple[str, ...] = field(default=())
    #: QEMU's working directory (semihosting opens the kernel's trace file there); ``None``: ours.
    cwd: Path | None = None
    #: Back the guest's RAM with this file, shared (``memory-backend-file``, ``share=on``), so that
    #: the refinement harness reads the kernel's memory while the guest waits at a checkpoint and
    #: after QEMU has exited. Invisible to the guest: the same RAM at the same addresses.
    ram_file: Path | None = None


def find_qemu() -> str:
    """The path of ``qemu-system-aarch64``; raises :class:`QemuMissing` when there is none."""
    path = shutil.which(QEMU_BINARY)
    if path is None:
        raise QemuMissing
    return path


def command(opts: QemuOptions, binary: str = QEMU_BINARY) -> list[str]:
    """The full QEMU command line for ``opts``."""
    machine = "virt,virtualization=on" if opts.el2 else "virt"
    cmd = [
        binary,
        "-M", machine,
        "-cpu", "cortex-a72",
        "-m", str(opts.memory_mb),
        "-smp", "1",
        "-nographic",
        "-nic", "none",
        "-monitor", "none",
        "-serial", "stdio",
        "-semihosting-config", "enable=on,target=native",
        "-kernel", str(opts.kernel),
    ]  # fmt: skip
    if opts.deterministic:
        cmd += ["-icount", "shift=0,sleep=off"]
    if opts.gdb_port is not None:
        cmd += ["-gdb", f"tcp::{opts.gdb_port}", "-S"]
    if opts.ram_file is not None:
        cmd += [
            "-object", f"memory-backend-file,id={RAM_BACKEND},size={opts.memory_mb}M,mem-path={opts.ram_file},share=on",
            "-machine", f"memory-backend={RAM_BACKEND}",
        ]  # fmt: skip
    return cmd + list(opts.extra)


def guest_command(cmd: Sequence[str]) -> list[str]:
    """``cmd`` without the options that only let a harness observe the guest (the shared RAM
    file): the command that replays the same guest run on its own."""
    out: list[str] = []
    skip = False
    for i, word in enumerate(cmd):
        if skip:
            skip = False
            continue
        nxt = cmd[i + 1] if i + 1 < len(cmd) else ""
        if (word == "-object" and nxt.startswith(f"memory-backend-file,id={RAM_BACKEND},")) or (
            word == "-machine" and nxt == f"memory-backend={RAM_BACKEND}"
        ):
            skip = True
            continue
        out.append(word)
    return out


@dataclass(frozen=True)
class RunResult:
    """The outcome of one guest run."""

    status: int
    timed_out: bool
    console: bytes
    #: What QEMU itself wrote to its standard error (warnings, errors), kept apart from the console.
    stderr: bytes
    seconds: float
    command: tuple[str, ...]


def _pump(src: BinaryIO, sinks: Sequence[BinaryIO], buffer: bytearray) -> None:
    while chunk := src.read1(4096):  # type: ignore[attr-defined]
        buffer.extend(chunk)
        for sink in sinks:
            sink.write(chunk)
            sink.flush()


def _feed(src: BinaryIO, end: bytes, dst: BinaryIO) -> None:
    """Copy ``src`` to QEMU's standard input as it arrives, then ``end``; stop quietly when QEMU
    has gone (its end of the pipe is closed)."""
    try:
        while chunk := src.read1(4096):  # type: ignore[attr-defined]
            dst.write(chunk)
            dst.flush()
        dst.write(end)
        dst.flush()
    except (BrokenPipeError, ValueError, OSError):
        pass


def run(
    opts: QemuOptions,
    *,
    timeout: float | None = None,
    console_log: Path | None = None,
    echo: bool = True,
    stdin: int | BinaryIO | None = subprocess.DEVNULL,
    console_input: BinaryIO | None = None,
    input_end: bytes = b"",
) -> RunResult:
    """Boot the kernel and wait for the guest to stop (or for ``timeout`` seconds).

    The console output is echoed to our standard output when ``echo`` is set, kept in the result,
    and written as it arrives to ``console_log``, so that nothing is lost when the guest hangs or
    QEMU dies. A guest that outlives ``timeout`` is killed and reported with ``timed_out``.

    The console's input (the UART's receive side, QEMU's standard input) is ``stdin`` as given to
    :class:`subprocess.Popen` (nothing by default; ``None``: ours, e.g. a terminal, which QEMU puts
    in raw mode), or, when ``console_input`` is given, the bytes read from it as they come, then
    ``input_end``. QEMU takes a byte only when the UART has room for it, so none is lost.
    """
    cmd = command(opts, find_qemu())
    sinks: list[BinaryIO] = []
    if echo:
        sinks.append(sys.stdout.buffer)
    log: BinaryIO | None = None
    if console_log is not None:
        console_log.parent.mkdir(parents=True, exist_ok=True)
        log = console_log.open("wb")
        sinks.append(log)
    buffer = bytearray()
    start = time.monotonic()
    errors = bytearray()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if console_input is not None else stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            cwd=opts.cwd)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    pumps = [
        threading.Thread(target=_pump, args=(proc.stdout, sinks, buffer), daemon=True),
        threading.Thread(target=_pump, args=(proc.stderr, [sys.stderr.buffer] if echo else [], errors), daemon=True),
    ]
    if console_input is not None:
        assert proc.stdin is not None
        threading.Thread(target=_feed, args=(console_input, input_end, proc.stdin), daemon=True).start()
    for pump in pumps:
        pump.start()
    # The timeout is a timer that kills the guest, and the wait blocks: Popen.wait(timeout=...)
    # polls with sleeps of up to 50 ms: measured, a process of 70 ms took 117 ms to wait for.
    expired = threading.Event()

    def expire() -> None:
        if proc.returncode is None:  # not reaped yet: its process group is still its own
            expired.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

    timer = threading.Timer(timeout, expire) if timeout is not None else None
    try:
        if timer is not None:
            timer.start()
        proc.wait()
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    finally:
        if timer is not None:
            timer.cancel()
        for pump in pumps:
            pump.join(timeout=5)
        if log is not None:
            log.close()
    seconds = time.monotonic() - start
    return RunResult(proc.returncode, expired.is_set(), bytes(buffer), bytes(errors), seconds, tuple(cmd))
