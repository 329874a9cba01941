"""Capture from QEMU: every built-in scenario refines the spec end to end, and a run that goes
wrong is an error with the console's last lines, never a pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlk.abi import layout
from mlk.abi.platform import Boot
from mlk.abi.trace import RecordType
from mlk.kernel_aarch64 import build as kbuild
from mlk.kernel_aarch64 import config as kconfig
from mlk.refinement import capture, scenarios, tracefile

pytestmark = pytest.mark.qemu


@pytest.mark.parametrize("name", list(scenarios.SCENARIOS))
def test_scenario_refines_the_spec(name: str, tmp_path: Path) -> None:
    outcome = scenarios.refine(name, tmp_path)
    assert outcome.passed, outcome.divergence.render() if outcome.divergence else outcome.message
    assert outcome.transitions > 0
    run = json.loads((tmp_path / "run" / capture.RUN_FILE).read_text())
    assert run["scenario"] == name and "-icount" in run["command"] and run["replay"] == f"mlk refine --scenario {name}"
    trace = tracefile.decode((tmp_path / "run" / "trace.bin").read_bytes(), build_id=int(run["build_id"], 16))
    kernel_data = trace.machine["kernel_base"] + layout.KERNEL_DATA_OFFSET
    assert trace.machine["idle_tcb"] == kernel_data + layout.IDLE_TCB_OFFSET
    assert trace.records[-1].kind is RecordType.HALT


def _hook_build(tmp_path: Path, hook: kconfig.TestHook) -> tuple[kbuild.BuildResult, tuple[int, int]]:
    built = kbuild.build(tmp_path / "build", overrides={"TRACE": 1, "TEST_HOOK": hook})
    return built, (built.symbols["_start"], 0x1000)


def test_a_hanging_guest_is_a_timeout_with_the_console(tmp_path: Path) -> None:
    built, region = _hook_build(tmp_path, kconfig.TestHook.SPIN)
    with pytest.raises(capture.QemuTimeout) as caught:
        capture.capture(built.elf, tmp_path / "run", region=region, metadata={}, timeout=2)
    assert "Hello from MyLittleKernel!" in caught.value.console_tail
    assert json.loads((tmp_path / "run" / capture.RUN_FILE).read_text())["timed_out"]
    with pytest.raises(tracefile.TruncatedTrace):  # kept, and never mistaken for a complete trace
        tracefile.decode((tmp_path / "run" / "trace.bin").read_bytes())


def test_a_panic_still_ends_the_trace(tmp_path: Path) -> None:
    built, region = _hook_build(tmp_path, kconfig.TestHook.UNDEF_EL1)
    run = capture.capture(built.elf, tmp_path / "run", region=region, metadata={})
    assert run.status == Boot.PANIC_STATUS and "KERNEL PANIC" in run.console_tail()
    trace = tracefile.decode(run.trace.read_bytes(), build_id=int(built.build_id, 16))
    assert trace.records == ()  # BOOT and END: no transition, and no HALT


def test_a_kernel_that_stops_without_halting_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(scenarios.SCENARIOS, "hello", {"TEST_HOOK": kconfig.TestHook.UNDEF_EL1})
    outcome = scenarios.refine("hello", tmp_path)
    assert not outcome.passed and outcome.error == "NoHalt"
