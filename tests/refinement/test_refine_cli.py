"""``mlk refine --trace``: exit 0 only when every trace refines the spec; reports in JSON and JUnit;
a damaged trace is an error, never a pass."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mlk.abi.trace import LAYOUTS, RecordType
from mlk.cli import main
from mlk.model import gen
from mlk.refinement.spec_trace import machine_values, spec_records
from mlk.refinement.tracefile import encode

from .runs import long_run

BUILD = 0xFEED
BOOT = LAYOUTS[RecordType.BOOT].size


@pytest.fixture(scope="module")
def body() -> list[tuple[RecordType, tuple[int, ...]]]:
    start, events = long_run(11, 200)
    return spec_records(start, events)


def write(tmp_path: Path, name: str, body: list[tuple[RecordType, tuple[int, ...]]]) -> Path:
    path = tmp_path / name
    path.write_bytes(encode(BUILD, body, machine_values(gen.test_machine())))
    return path


def test_a_refining_trace_passes_with_reports(tmp_path: Path, body: list[tuple[RecordType, tuple[int, ...]]]) -> None:
    path = write(tmp_path, "good.trace", body)
    status = main(["refine", "--trace", str(path), "--build-id", f"{BUILD:x}",
                   "--json", str(tmp_path / "r.json"), "--junit", str(tmp_path / "r.xml")])  # fmt: skip
    assert status == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["totals"] == {"traces": 1, "refine": 1, "diverge": 0, "errors": 0}
    suite = ET.parse(tmp_path / "r.xml").getroot()
    assert suite.get("tests") == "1" and suite.get("failures") == "0" and suite.get("errors") == "0"


def test_a_divergence_fails_with_a_report_naming_the_routine(
    tmp_path: Path, body: list[tuple[RecordType, tuple[int, ...]]], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = [*body]
    i = next(i for i, (k, _) in enumerate(bad) if k is RecordType.SCHED and i > 20)
    bad[i] = (RecordType.SCHED, (bad[i][1][0] ^ 0x1000,))
    path = write(tmp_path, "bad.trace", bad)
    assert main(["refine", "--trace", str(path), "--junit", str(tmp_path / "r.xml")]) == 1
    out = capsys.readouterr().out
    assert "DIVERGENCE at record" in out and "next thread" in out
    assert f"replay: mlk refine --trace {path}" in out
    assert "kernel routine: handle_syscall (syscall.S:" in out
    failure = ET.parse(tmp_path / "r.xml").getroot().find("testcase/failure")
    assert failure is not None and "DIVERGENCE" in (failure.text or "")


@pytest.mark.parametrize(
    ("mangle", "error"),
    [
        (lambda d: d[:-8], "TruncatedTrace"),
        (lambda d: d[:200] + bytes([d[200] ^ 1]) + d[201:], "ChecksumMismatch"),
        (lambda d: d[:BOOT] + (99).to_bytes(4, "little") + d[BOOT + 4 :], "UnknownRecordType"),
    ],
)
def test_a_damaged_trace_is_an_error_not_a_pass(
    tmp_path: Path, body: list[tuple[RecordType, tuple[int, ...]]], mangle: object, error: str
) -> None:
    path = write(tmp_path, "t.trace", body)
    path.write_bytes(mangle(path.read_bytes()))  # type: ignore[operator]
    assert main(["refine", "--trace", str(path), "--json", str(tmp_path / "r.json")]) == 2
    (outcome,) = json.loads((tmp_path / "r.json").read_text())["traces"]
    assert outcome["error"] == error
    assert path.exists()


def test_another_build_is_an_error(tmp_path: Path, body: list[tuple[RecordType, tuple[int, ...]]]) -> None:
    path = write(tmp_path, "t.trace", body)
    assert main(["refine", "--trace", str(path), "--build-id", "1", "--json", str(tmp_path / "r.json")]) == 2
    (outcome,) = json.loads((tmp_path / "r.json").read_text())["traces"]
    assert outcome["error"] == "BuildIdMismatch"
