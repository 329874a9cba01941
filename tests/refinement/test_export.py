"""``mlk trace``: JSON lines and Perfetto timelines from a trace stream."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlk.abi.labels import FaultLabel
from mlk.abi.syscalls import Reg, Syscall
from mlk.abi.trace import RecordType
from mlk.cli import main
from mlk.refinement import export
from mlk.refinement.tracefile import decode, encode

A, B = 0x4020_1000, 0x4020_2000


def ctx(sysno: int = 0) -> tuple[int, ...]:
    regs = [0] * 13
    regs[Reg.SYSNO] = sysno
    return tuple(regs)


BODY = [
    (RecordType.SYSCALL, (A, *ctx(Syscall.CALL))),
    (RecordType.REGS, (B, *ctx())),
    (RecordType.REGS, (A, *ctx())),
    (RecordType.SCHED, (B,)),
    (RecordType.IRQ, (33, B, *ctx())),
    (RecordType.SCHED, (B,)),
    (RecordType.FAULT, (B, int(FaultLabel.DATA_ABORT), 0x9200_0045, 0xDEAD, *ctx())),
    (RecordType.SCHED, (A,)),
]


def test_jsonl_has_one_object_per_record() -> None:
    records = decode(encode(7, BODY)).records
    lines = export.to_jsonl(records).splitlines()
    assert len(lines) == len(BODY)
    first = json.loads(lines[0])
    assert first["type"] == "SYSCALL" and first["thread"] == A and first["seq"] == 1 and first["time"] == 100


def test_perfetto_has_tracks_slices_flows_and_instants() -> None:
    events = export.to_perfetto(decode(encode(7, BODY)).records)["traceEvents"]
    names = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert names == {f"thread {A:#x}", f"thread {B:#x}", "interrupts"}  # the IRQ slice has its own track
    assert any(e["ph"] == "X" and e["name"] == "CALL" for e in events)
    starts = [e for e in events if e["ph"] == "s"]
    finishes = [e for e in events if e["ph"] == "f"]
    assert len(starts) == len(finishes) == 1  # the Call delivered to B; A's own REGS is no message
    assert starts[0]["id"] == finishes[0]["id"]
    assert any(e["ph"] == "i" and e["s"] == "g" and e["name"] == "IRQ 33" for e in events)
    assert any(e["ph"] == "i" and e["name"] == "fault DATA_ABORT" for e in events)
    running = [e for e in events if e["ph"] == "X" and e["name"] == "running"]
    assert len(running) == 3


def test_cli_converts_a_damaged_trace_up_to_the_damage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = encode(7, BODY)
    path = tmp_path / "run.trace"
    path.write_bytes(data[:-40])  # cut inside the last records: no END
    assert main(["trace", str(path), "--format", "perfetto"]) == 1
    err = capsys.readouterr().err
    assert "stops" in err and "the records before it were converted" in err
    timeline = json.loads((tmp_path / "run.trace.perfetto.json").read_text())
    assert any(e.get("name") == "CALL" for e in timeline["traceEvents"])


def test_cli_converts_a_sound_trace(tmp_path: Path) -> None:
    path = tmp_path / "run.trace"
    path.write_bytes(encode(7, BODY))
    assert main(["trace", str(path), "-o", str(tmp_path / "out.jsonl")]) == 0
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == len(BODY) + 2  # with BOOT and END


def test_cli_reports_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", str(tmp_path / "nope.trace")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_mlk_bench_refine_prints_figures(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["bench", "refine", "--transitions", "2000", "--run-length", "500", "--checkpoint-scenario", "hello"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "records/s" in out and "transitions/s" in out
    assert "capture cost (hello):" in out and "per record" in out
    assert "checkpoints (hello," in out and "ms each to decode and compare" in out
