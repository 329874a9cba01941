"""The self-describing trace file: the kernel's stream verbatim with the run's build id, QEMU
command line, kernel ELF and checkpoints; checked, explained and replayed from the file alone."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from mlk import qemu
from mlk.abi import layout
from mlk.abi.trace import RecordType
from mlk.cli import main
from mlk.model import gen
from mlk.refinement import capture, container, offline, scenarios
from mlk.refinement.snapshot import Checkpoint, Memory
from mlk.refinement.spec_trace import machine_values, spec_records
from mlk.refinement.tracefile import encode

from .runs import long_run

HEADER = {"build_id": "00000000000000fe", "replay": "mlk refine --scenario x",
          "replay_command": ["qemu", "-kernel", "k"]}  # fmt: skip


def _stream() -> bytes:
    start, events = long_run(3, 40)
    return encode(0xFE, spec_records(start, events), machine_values(gen.test_machine()))


def _checkpoint(index: int = 0) -> Checkpoint:
    return Checkpoint(index, 1, "boot", 128, Memory(0x4000_0000, bytes(range(256)) * 64))


def test_a_trace_file_keeps_the_stream_verbatim_and_its_parts() -> None:
    stream = _stream()
    data = container.encode(HEADER, stream, b"\x7fELF-bytes", [_checkpoint(), _checkpoint(1)])
    assert container.is_container(data) and not container.is_container(stream)
    assert stream in data  # the kernel's bytes, not re-encoded
    found = container.decode(data)
    assert found.header == HEADER and found.stream == stream and found.elf == b"\x7fELF-bytes"
    assert found.build_id == 0xFE and [c.index for c in found.checkpoints] == [0, 1]
    assert found.checkpoints[0].memory == _checkpoint().memory
    assert "rebuild and rerun: mlk refine --scenario x" in found.replay_lines(Path("t.mlkt"))


def _chunk(tag: bytes, payload: bytes) -> bytes:
    return struct.pack("<4sIQ", tag, 0, len(payload)) + payload + bytes(-len(payload) % 8)


_START = struct.pack("<8sII", container.MAGIC, container.FORMAT, 0)
_HEAD = _chunk(b"HEAD", json.dumps(HEADER).encode())


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (lambda d: d[:-5], "stops inside"),
        (lambda d: d[:20], "stops inside a chunk header"),
        (lambda d: _START + _HEAD + _chunk(b"WHAT", b""), "unknown chunk"),
        (lambda d: _START + _chunk(b"KERN", b"") + _HEAD, "HEAD must come first"),
        (lambda d: _START + _HEAD, "no header or no kernel stream"),
        (lambda d: _START + _HEAD + _chunk(b"KERN", b"") + _chunk(b"KERN", b""), "a second kernel stream"),
        (lambda d: _START + _HEAD + _chunk(b"KERN", b"") + _chunk(b"CKPT", struct.pack("<Q", 2) + b"{}"),
         "checkpoint chunk"),
        (lambda d: _START + _HEAD + _chunk(b"KELF", b"not zlib") + _chunk(b"KERN", b""), "ELF cannot be read"),
        (lambda d: struct.pack("<8sII", container.MAGIC, 9, 0), "format 9"),
    ],
)  # fmt: skip
def test_a_damaged_trace_file_is_an_error_never_a_pass(data: object, why: str, tmp_path: Path) -> None:
    good = container.encode(HEADER, _stream(), None, [_checkpoint()])
    bad = data(good)  # type: ignore[operator]
    with pytest.raises(container.ContainerError, match=why):
        container.decode(bad)
    path = tmp_path / "t.mlkt"
    path.write_bytes(bad)
    assert main(["refine", "--trace", str(path), "--json", str(tmp_path / "r.json")]) == 2
    assert json.loads((tmp_path / "r.json").read_text())["traces"][0]["error"] == "ContainerError"


def test_the_recorded_build_id_must_be_the_streams(tmp_path: Path) -> None:
    path = tmp_path / "t.mlkt"
    path.write_bytes(container.encode({**HEADER, "build_id": "00000000000000ff"}, _stream(), None, []))
    assert main(["refine", "--trace", str(path), "--json", str(tmp_path / "r.json")]) == 2
    assert json.loads((tmp_path / "r.json").read_text())["traces"][0]["error"] == "BuildIdMismatch"
    assert offline.refine_file(path, build_id=0xFF).error == "BuildIdMismatch"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SCHED scenario run (ticks, boot threads, the wake-up environment, checkpoints)."""
    work: Path = tmp_path_factory.mktemp("sched")
    assert scenarios.refine("sched", work).passed
    return work / "run"


@pytest.mark.qemu
def test_the_trace_file_holds_the_kernels_stream_and_describes_the_run(run: Path) -> None:
    found = container.decode((run / capture.CONTAINER_FILE).read_bytes())
    assert found.stream == (run / "trace.bin").read_bytes()
    header = found.header
    assert header["scenario"] == "sched" and len(header["build_id"]) == 16
    assert "-icount" in header["replay_command"] and "memory-backend-file" not in " ".join(header["replay_command"])
    assert any("memory-backend-file" in w for w in header["command"])  # as run, with the harness's RAM file
    assert found.elf == Path(header["command"][header["command"].index("-kernel") + 1]).read_bytes()
    kinds = [c.kind for c in found.checkpoints]
    assert kinds[0] == "boot" and kinds[-1] == "final" and "every" in kinds
    assert not (run / "checkpoint.in").exists()  # no channel left behind to block a rerun


@pytest.mark.qemu
def test_the_replay_command_comes_from_the_file_alone(run: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    alone = tmp_path / "elsewhere.mlkt"
    shutil.copy(run / capture.CONTAINER_FILE, alone)
    assert main(["refine", "--trace", str(alone), "--replay-command"]) == 0
    out = capsys.readouterr().out
    assert "rebuild and rerun: mlk refine --scenario sched" in out
    assert "qemu-system-aarch64 -M virt" in out and "-icount shift=0,sleep=off" in out
    assert f"mlk refine --trace {alone} --rerun" in out
    assert main(["refine", "--trace", str(alone), "--rerun"]) == 0
    assert "the same stream, byte for byte" in capsys.readouterr().out
    assert main(["refine", "--trace", str(run / "trace.bin"), "--replay-command"]) == 1  # a bare stream cannot say


@pytest.mark.qemu
def test_a_trace_file_is_checked_as_the_run_was(run: Path, tmp_path: Path) -> None:
    """Offline, a trace file refines with its boot threads, environment and checkpoints (the bare
    stream of the same run cannot even be started: its boot threads are unknown); a word changed
    in one checkpoint's memory is that checkpoint's divergence."""
    assert offline.refine_file(run / capture.CONTAINER_FILE).passed
    assert not offline.refine_file(run / "trace.bin").passed
    found = container.decode((run / capture.CONTAINER_FILE).read_bytes())
    chosen = next(c for c in found.checkpoints if c.kind == "every")
    data = bytearray(chosen.memory.data)
    thread = found.header["boot_threads"][0]["tcb"]
    data[thread + layout.TCB.offset("priority") - chosen.memory.base] ^= 0x40
    memory = Memory(chosen.memory.base, bytes(data))
    changed = [c if c is not chosen else Checkpoint(c.index, c.seq, c.kind, c.offset, memory)
               for c in found.checkpoints]  # fmt: skip
    path = tmp_path / "changed.mlkt"
    path.write_bytes(container.encode(found.header, found.stream, found.elf, changed))
    outcome = offline.refine_file(path)
    assert outcome.divergence is not None and outcome.divergence.aspect == "kernel state at the periodic checkpoint"
    assert outcome.divergence.record == chosen.seq
    assert [d.path for d in outcome.divergence.diffs] == [f"objects[{thread:#x}].priority"]


@pytest.mark.qemu
def test_mlk_trace_converts_a_trace_file(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    assert main(["trace", str(run / capture.CONTAINER_FILE), "-o", str(out)]) == 0
    first = json.loads(out.read_text().splitlines()[0])
    assert first["type"] == RecordType.BOOT.name


def test_a_rerun_that_differs_says_where(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A replay that does not give the recorded stream is reported with the first differing byte."""
    stream = _stream()
    found = container.Container({**HEADER, "seconds": 0.1}, stream, b"elf", ())

    def fake_run(argv: list[str], *, cwd: Path, **_: object) -> None:
        assert argv[argv.index("-kernel") + 1].endswith("kernel.elf")
        (cwd / "trace.bin").write_bytes(stream[:100] + bytes([stream[100] ^ 1]) + stream[101:])

    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setattr(qemu, "find_qemu", lambda: "qemu")
    same, how = offline.rerun(found)
    assert not same and "from byte 100 on" in how
