"""Booting the kernel in QEMU through the real ``mlk`` command."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlk import qemu
from mlk.abi.platform import Boot, Platform

pytestmark = pytest.mark.qemu


def mlk(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlk.cli", *args], capture_output=True, text=True, timeout=timeout, env=env, check=False,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_boots_and_greets_with_its_build_id(tmp_path: Path) -> None:
    built = mlk("build", "--out", str(tmp_path))
    assert built.returncode == 0, built.stderr
    build_id = re.search(r"build id ([0-9a-f]{16})", built.stdout)
    assert build_id, built.stdout
    assert re.search(r"\(\d+ bytes image", built.stdout)
    run = mlk("run", "--out", str(tmp_path), "--deterministic", "--timeout", "30")
    assert run.returncode == 0, run.stderr
    assert f"Hello from MyLittleKernel! build {build_id.group(1)}" in run.stdout
    assert (tmp_path / "console.log").read_text() == run.stdout


def test_drops_from_el2_to_el1(tmp_path: Path) -> None:
    run = mlk("run", "--out", str(tmp_path), "--el2", "--deterministic", "--timeout", "30")
    assert run.returncode == 0, run.stderr
    assert "Hello from MyLittleKernel!" in run.stdout


def test_undefined_instruction_at_el1_panics_with_registers(tmp_path: Path) -> None:
    run = mlk("run", "--out", str(tmp_path), "--config", "TEST_HOOK=1", "--deterministic", "--timeout", "30")
    assert run.returncode == int(Boot.PANIC_STATUS)
    assert "KERNEL PANIC: unexpected exception: EL1h synchronous" in run.stdout
    esr = int(re.search(r"ESR_EL1  0x([0-9a-f]+)", run.stdout).group(1), 16)  # type: ignore[union-attr]
    elr = int(re.search(r"ELR_EL1  0x([0-9a-f]+)", run.stdout).group(1), 16)  # type: ignore[union-attr]
    assert "FAR_EL1" in run.stdout
    assert esr >> 26 == 0  # EC 0: unknown reason, i.e. an undefined instruction
    image = (tmp_path / "kernel.bin").read_bytes()
    assert int.from_bytes(image[elr - Platform.KERNEL_BASE :][:4], "little") == 0  # ELR is the UDF #0
    assert "stopped with status 112" in run.stderr


def test_hung_guest_is_killed_at_its_timeout_and_console_is_kept(tmp_path: Path) -> None:
    start = time.monotonic()
    run = mlk("run", "--out", str(tmp_path), "--config", "TEST_HOOK=2", "--deterministic", "--timeout", "3")
    assert run.returncode == qemu.TIMEOUT_STATUS
    assert time.monotonic() - start < 60
    assert "did not stop within 3 s and was killed" in run.stderr
    assert "Hello from MyLittleKernel!" in run.stdout
    assert "Hello from MyLittleKernel!" in (tmp_path / "console.log").read_text()


def test_non_zero_guest_status_reaches_the_caller(tmp_path: Path) -> None:
    run = mlk("run", "--out", str(tmp_path), "--config", "TEST_HOOK=3", "--config", "TEST_EXIT_STATUS=42",
              "--deterministic", "--timeout", "30")  # fmt: skip
    assert run.returncode == 42


def test_missing_qemu_names_the_debian_package(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path / "empty")}
    run = mlk("run", "--out", str(tmp_path), "--timeout", "5", env=env)
    assert run.returncode == qemu.MISSING_QEMU_STATUS
    assert "qemu-system-aarch64 not found" in run.stderr
    assert "qemu-system-arm" in run.stderr


def test_bad_configuration_is_a_build_error(tmp_path: Path) -> None:
    run = mlk("build", "--out", str(tmp_path), "--config", "NO_SUCH_KEY=1")
    assert run.returncode == 1
    assert "unknown build configuration key(s): NO_SUCH_KEY" in run.stderr
    usage = mlk("build", "--config", "nonsense")
    assert usage.returncode == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_gdb_stops_at_a_kernel_symbol(tmp_path: Path) -> None:
    port = _free_port()
    guest = subprocess.Popen(
        [sys.executable, "-m", "mlk.cli", "run", "--out", str(tmp_path), "--gdb", str(port), "--timeout", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        gdb = subprocess.run(
            ["gdb-multiarch", "-batch", "-nx", str(tmp_path / "kernel.elf"),
             "-ex", f"target remote :{port}", "-ex", "break kmain", "-ex", "continue",
             "-ex", "info symbol $pc", "-ex", "kill"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert "kmain in section .text" in gdb.stdout, gdb.stdout + gdb.stderr
    finally:
        guest.kill()
        guest.wait()
