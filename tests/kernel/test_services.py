"""The first services (the default build's root task, init): the console service owns the UART
and serves typed messages; a client's lines reach it by IPC, and text typed into ``mlk run``
reaches the echo client through it and comes back."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlk.abi import msginfo, services
from mlk.abi.labels import Label
from mlk.abi.platform import Platform
from mlk.abi.services import CONSOLE, ChildSlot, Status
from mlk.abi.syscalls import MSG_REGS, Reg, Syscall
from mlk.abi.trace import RecordType
from mlk.refinement import scenarios, tracefile

pytestmark = pytest.mark.qemu

WRITE, READ = CONSOLE.operations
_BOOT_LINE = "instructions from reset to the root task's first instruction\n"
#: What the test types into ``mlk run``.
TYPED = b"hello, console\nthis comes back\n"


def mlk_run(out: Path, typed: bytes) -> subprocess.CompletedProcess[bytes]:
    """``mlk run`` of the default build with ``typed`` on its standard input (a pipe)."""
    return subprocess.run(
        [sys.executable, "-m", "mlk.cli", "run", "--out", str(out), "--deterministic", "--timeout", "60"],
        input=typed, capture_output=True, timeout=180, check=False,
    )  # fmt: skip


def _mrs(record: tracefile.Record) -> tuple[int, ...]:
    return tuple(record.get(f"r{Reg.MR0 + i}") for i in range(MSG_REGS))


@dataclass(frozen=True)
class Traffic:
    """The console traffic a trace shows: each write request's bytes and each read reply's bytes,
    by the thread that sent or received them, in order."""

    writes: list[tuple[int, bytes]]
    reads: list[tuple[int, bytes]]

    def written(self, thread: int | None = None) -> bytes:
        return b"".join(data for t, data in self.writes if thread in (None, t))


def console_traffic(trace: tracefile.Trace) -> Traffic:
    """Decode the clients' Calls on their console capability (with :func:`services.decode`) and the
    replies that their reads got (the registers the kernel wrote for the reader, REGS)."""
    writes: list[tuple[int, bytes]] = []
    reads: list[tuple[int, bytes]] = []
    root = next(r.get("thread") for r in trace.records if r.kind is RecordType.SYSCALL)
    awaiting: set[int] = set()
    for record in trace.records:
        if record.kind not in (RecordType.SYSCALL, RecordType.REGS):
            continue
        thread = record.get("thread")
        if record.kind is RecordType.REGS and thread in awaiting:
            awaiting.discard(thread)
            label, _, data = services.decode(READ.reply, record.get(f"r{Reg.MSGINFO}"), _mrs(record))
            assert label == Status.OK
            reads.append((thread, data))
        if record.kind is not RecordType.SYSCALL or thread == root:
            continue
        info = record.get(f"r{Reg.MSGINFO}")
        if record.get(f"r{Reg.SYSNO}") != Syscall.CALL or record.get(f"r{Reg.CPTR}") != ChildSlot.CONSOLE:
            continue
        if msginfo.LABEL.get(info) == WRITE.label:
            writes.append((thread, services.decode(WRITE.request, info, _mrs(record))[2]))
        elif msginfo.LABEL.get(info) == READ.label:
            awaiting.add(thread)
    return Traffic(writes, reads)


@pytest.fixture(scope="module")
def services_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[tracefile.Trace, str]:
    """The SERVICES refinement scenario's trace and console (it gets scenarios.INPUTS)."""
    work = tmp_path_factory.mktemp("services")
    outcome = scenarios.refine("services", work)
    assert outcome.passed, outcome.divergence.render() if outcome.divergence else outcome.message
    trace = tracefile.decode((work / "run" / "trace.bin").read_bytes())
    return trace, (work / "run" / "console.log").read_text()


def test_mlk_run_prints_the_banner_then_the_clients_lines(tmp_path: Path) -> None:
    run = mlk_run(tmp_path, b"")
    assert run.returncode == 0, run.stderr.decode()
    out = run.stdout.decode()
    assert out.startswith("Hello from MyLittleKernel! build ")
    lines = out.split(_BOOT_LINE, 1)[1].splitlines()
    assert lines[0].startswith("printer: ") and lines[-1].startswith("echo: end of input")
    assert all(line.startswith(("printer: ", "echo: ")) for line in lines)


def test_every_printed_byte_travelled_by_ipc(services_run: tuple[tracefile.Trace, str]) -> None:
    trace, console = services_run
    traffic = console_traffic(trace)
    printed = console.split(_BOOT_LINE, 1)[1].encode()
    assert traffic.written() == printed
    assert len({thread for thread, _ in traffic.writes}) == 2  # the printer and the echo client
    assert not any(r.kind is RecordType.OUTPUT for r in trace.records)  # no debug-console byte


def test_typed_text_reaches_the_echo_client_and_comes_back(services_run: tuple[tracefile.Trace, str]) -> None:
    trace, console = services_run
    traffic = console_traffic(trace)
    typed = scenarios.INPUTS["services"].text
    readers = {thread for thread, _ in traffic.reads}
    assert len(readers) == 1
    echo = readers.pop()
    assert b"".join(data for _, data in traffic.reads) == typed
    assert typed[:-1].decode() in console
    # the echo client wrote back exactly what it read, before its goodbye
    assert typed[:-1] in traffic.written(echo)
    # The input came only once the console waited for the UART's interrupt (scenarios.INPUTS), so
    # the interrupt reached the kernel and the console acknowledged it; no thread ever polled.
    irqs = [r for r in trace.records if r.kind is RecordType.IRQ and r.get("irq") == Platform.UART0_IRQ]
    assert irqs, "no UART interrupt reached the kernel"
    calls = [r for r in trace.records if r.kind is RecordType.SYSCALL]
    acks = [r for r in calls if r.get(f"r{Reg.CPTR}") == ChildSlot.IRQ_HANDLER
            and msginfo.LABEL.get(r.get(f"r{Reg.MSGINFO}")) == Label.IRQ_HANDLER_ACK]  # fmt: skip
    assert acks and acks[0].seq > irqs[0].seq
    assert not any(r.get(f"r{Reg.SYSNO}") == Syscall.YIELD for r in calls)


def test_text_typed_into_mlk_run_is_echoed(tmp_path: Path) -> None:
    run = mlk_run(tmp_path, TYPED)
    assert run.returncode == 0, run.stderr.decode()
    out = run.stdout.decode()
    prompt = out.index("echo: type a line")
    assert out.index(TYPED.decode(), prompt) < out.index("echo: end of input")


def _read_until(fd: int, marker: bytes, seen: bytearray, deadline: float) -> None:
    """Read the terminal's output into ``seen`` until it contains ``marker`` (or fail at ``deadline``)."""
    while marker not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"{marker!r} did not appear; output so far: {bytes(seen)!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:  # the terminal closed: mlk run has ended
                assert marker in seen, f"{marker!r} did not appear; output: {bytes(seen)!r}"


def test_typing_at_a_terminal_is_echoed(tmp_path: Path) -> None:
    """``mlk run`` on a terminal: QEMU puts it in raw mode, Enter sends a carriage return (the echo
    client writes a line feed) and Ctrl-D the end of input."""
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlk.cli", "run", "--out", str(tmp_path), "--deterministic", "--timeout", "60"],
        stdin=terminal, stdout=terminal, stderr=subprocess.PIPE,
    )  # fmt: skip
    os.close(terminal)
    seen = bytearray()
    deadline = time.monotonic() + 120
    try:
        _read_until(controller, b"(Ctrl-D ends)", seen, deadline)
        os.write(controller, b"typed at a terminal\r")
        _read_until(controller, b"typed at a terminal\r\n", seen, deadline)
        os.write(controller, bytes([services.END_OF_INPUT]))
        _read_until(controller, b"goodbye", seen, deadline)
        assert proc.wait(timeout=60) == 0
        assert seen.count(b"typed at a terminal") == 1  # the client's echo: the terminal echoes nothing
    finally:
        proc.kill()
        proc.wait()
        os.close(controller)
