"""Shared helpers of the kernel tests: build a scenario and boot it deterministically."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlk import qemu
from mlk.kernel_aarch64 import build as kbuild

#: Seconds a scenario may run before the test fails (each takes well under one).
RUN_TIMEOUT = 30.0


@dataclass(frozen=True)
class Booted:
    """A scenario's build and the outcome of booting it."""

    built: kbuild.BuildResult
    run: qemu.RunResult

    @property
    def console(self) -> str:
        """The console output as text."""
        return self.run.console.decode(errors="replace")


def build_scenario(out: Path, **config: int) -> kbuild.BuildResult:
    """Build the kernel with the given configuration switches into ``out``."""
    return kbuild.build(out, overrides=config)


def boot_scenario(out: Path, **config: int) -> Booted:
    """Build with ``config`` and boot under ``-icount`` (deterministic), with a timeout."""
    built = build_scenario(out, **config)
    run = qemu.run(qemu.QemuOptions(kernel=built.elf, deterministic=True), timeout=RUN_TIMEOUT, echo=False)
    assert not run.timed_out, run.console.decode(errors="replace")
    return Booted(built, run)
