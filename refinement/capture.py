"""Capturing a kernel run in QEMU: its trace stream, its console and a final memory checkpoint.

A run happens in its own directory (QEMU's working directory, where the kernel's semihosting
``SYS_OPEN`` creates :data:`mlk.abi.trace.SINK_FILE`), deterministically (``-icount
shift=0,sleep=off``). QEMU starts with the CPU stopped and a QMP server on a Unix socket; a client
thread sends ``cont``, waits for the guest to power off (``-no-shutdown`` keeps the stopped machine
then), saves the kernel's raw memory with ``pmemsave`` and ends QEMU with ``quit``. The console
goes to ``console.log`` as it arrives, and ``run.json`` records the QEMU command line, the build
id and the outcome, so that every run can be replayed exactly. Whatever happens, the directory
keeps what was captured.

QMP is spoken directly (a JSON object per line over the socket): the harness needs four commands
and one event, synchronously, and the QEMU project's asyncio client (``qemu.qmp``) would add a
dependency and an event loop for that.

A guest that outlives its time limit is a :class:`QemuTimeout`; QEMU dying by a signal is a
:class:`QemuCrash`. Both carry the console's last lines. Neither is ever a pass.
"""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlk import qemu
from mlk.abi.trace import SINK_FILE

CONSOLE_FILE = "console.log"
MEMORY_FILE = "memory.bin"
RUN_FILE = "run.json"
#: Seconds a run may take (each built-in scenario takes well under one).
RUN_TIMEOUT = 60.0
#: Console lines quoted in an error.
CONSOLE_TAIL = 15


class CaptureError(Exception):
    """QEMU did not run the kernel to its end; ``console_tail`` is the console's last lines."""

    def __init__(self, message: str, console_tail: str) -> None:
        super().__init__(f"{message}; the console's last lines:\n{console_tail}")
        self.console_tail = console_tail


class QemuTimeout(CaptureError):
    """The guest did not stop within its time limit and was killed."""


class QemuCrash(CaptureError):
    """QEMU itself died (killed by a signal, or failed to start the machine)."""


@dataclass(frozen=True)
class Memory:
    """A snapshot of physical memory ``[base, base + len(data))``."""

    base: int
    data: bytes

    def word(self, address: int) -> int:
        """The little-endian 64-bit word at physical ``address``; ``KeyError`` outside the snapshot."""
        offset = address - self.base
        if not 0 <= offset <= len(self.data) - 8:
            raise KeyError(f"{address:#x} is outside the memory checkpoint")
        return int.from_bytes(self.data[offset : offset + 8], "little")


@dataclass(frozen=True)
class Capture:
    """What one run left behind."""

    run_dir: Path
    command: tuple[str, ...]
    #: QEMU's exit status (the guest's, for a semihosting exit).
    status: int
    seconds: float
    #: Kernel memory when the guest had powered off, or ``None`` (it exited through semihosting).
    memory: Memory | None

    @property
    def trace(self) -> Path:
        """The trace file (may be missing if the kernel never opened it)."""
        return self.run_dir / SINK_FILE

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


class _Qmp:
    """A minimal synchronous QMP client: one JSON object per line each way."""

    def __init__(self, path: Path, deadline: float) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        while True:
            try:
                self.sock.connect(str(path))
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        self.file = self.sock.makefile("rwb")
        self.events: list[str] = []
        self._read()  # the greeting
        self.execute("qmp_capabilities")

    def _read(self) -> dict[str, Any]:
        line = self.file.readline()
        if not line:
            raise ConnectionError("QEMU closed the QMP connection")
        message: dict[str, Any] = json.loads(line)
        return message

    def execute(self, command: str, **arguments: Any) -> Any:
        """Run ``command``; its return value. Events that arrive meanwhile are kept."""
        self.file.write(json.dumps({"execute": command, "arguments": arguments}).encode() + b"\n")
        self.file.flush()
        while True:
            message = self._read()
            if "event" in message:
                self.events.append(message["event"])
            elif "error" in message:
                raise RuntimeError(f"QMP {command}: {message['error'].get('desc')}")
            elif "return" in message:
                return message["return"]

    def wait_event(self, name: str) -> None:
        """Block until event ``name`` arrives (or the connection closes: ``ConnectionError``)."""
        while name not in self.events:
            message = self._read()
            if "event" in message:
                self.events.append(message["event"])

    def close(self) -> None:
        """Close the connection."""
        self.file.close()
        self.sock.close()


def _checkpoint(sock: Path, deadline: float, region: tuple[int, int], out: Path, errors: list[str]) -> None:
    """The QMP side of a run: start the CPU, wait for power-off, save ``region``, quit."""
    try:
        client = _Qmp(sock, deadline)
    except OSError as exc:
        errors.append(f"cannot connect to QEMU's QMP socket: {exc}")
        return
    try:
        client.execute("cont")
        client.wait_event("SHUTDOWN")
        base, size = region
        client.execute("pmemsave", val=base, size=size, filename=str(out))
        client.execute("quit")
    except ConnectionError:
        pass  # QEMU ended by itself (a semihosting exit) or was killed: no checkpoint
    except RuntimeError as exc:
        errors.append(str(exc))
    finally:
        client.close()


def capture(
    elf: Path,
    run_dir: Path,
    *,
    region: tuple[int, int],
    metadata: dict[str, Any],
    timeout: float = RUN_TIMEOUT,
) -> Capture:
    """Run the kernel ``elf`` in ``run_dir`` (emptied first) and keep its trace, console and the
    physical memory ``region`` (base, size) as it was when the guest powered off.

    ``metadata`` (scenario, configuration, ...) goes into ``run.json`` with the command line.
    Raises :class:`QemuTimeout` or :class:`QemuCrash`; :class:`mlk.qemu.QemuMissing` without QEMU.
    """
    if run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True)
    sock_dir = Path(tempfile.mkdtemp(prefix="mlk-qmp-"))  # short: Unix socket paths are limited
    sock = sock_dir / "qmp.sock"
    opts = qemu.QemuOptions(
        kernel=elf.resolve(), deterministic=True, cwd=run_dir, qmp_socket=sock, no_shutdown=True, start_paused=True
    )
    memory_file = run_dir / MEMORY_FILE
    errors: list[str] = []
    client = threading.Thread(
        target=_checkpoint, args=(sock, time.monotonic() + timeout, region, memory_file.resolve(), errors), daemon=True
    )
    client.start()
    try:
        run = qemu.run(opts, timeout=timeout, console_log=run_dir / CONSOLE_FILE, echo=False)
    finally:
        client.join(timeout=5)
        shutil.rmtree(sock_dir, ignore_errors=True)
    record = {
        **metadata,
        "command": list(run.command),
        "cwd": str(run_dir.resolve()),
        "status": run.status,
        "timed_out": run.timed_out,
        "seconds": round(run.seconds, 3),
        "qmp_errors": errors,
        "qemu_stderr": run.stderr.decode(errors="replace"),
    }
    (run_dir / RUN_FILE).write_text(json.dumps(record, indent=2) + "\n")
    tail = _tail(run_dir / CONSOLE_FILE, CONSOLE_TAIL)
    if run.timed_out:
        raise QemuTimeout(f"the guest did not stop within {timeout:g} s and was killed", tail)
    if run.status < 0:
        raise QemuCrash(f"QEMU died by signal {-run.status}", tail)
    if errors:
        raise QemuCrash(f"QEMU's monitor failed: {'; '.join(errors)}", tail)
    memory = Memory(region[0], memory_file.read_bytes()) if memory_file.is_file() else None
    return Capture(run_dir, run.command, run.status, run.seconds, memory)
