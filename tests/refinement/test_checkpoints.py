"""Checkpoints during a run: at boot, every N transitions, at chosen records and on a thread's
request, each at a record boundary and compared in full with the spec's state; and taking them
never changes the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlk import qemu
from mlk.abi import layout
from mlk.abi.syscalls import Reg, Syscall
from mlk.abi.trace import RecordType
from mlk.kernel_aarch64 import build as kbuild
from mlk.model import gen
from mlk.model.state import State
from mlk.refinement import capture, checker, checkpoints, mutants, scenarios, tracefile
from mlk.refinement.difftest.program import ROOT_PRIORITY, STEP_REGS, Op, Program, Step, Thread
from mlk.refinement.difftest.run import Session
from mlk.refinement.snapshot import Checkpoint, Memory
from mlk.refinement.spec_trace import machine_values, spec_records

from .runs import long_run

_ENTRIES = (RecordType.SYSCALL, RecordType.TICK, RecordType.IRQ, RecordType.FAULT)


def _boundaries(trace: tracefile.Trace) -> set[int]:
    """Record numbers where a transition starts, and that of END: where checkpoints may fall."""
    return {r.seq for r in trace.records if r.kind in _ENTRIES} | {trace.records[-1].seq + 1}


@pytest.fixture(scope="module")
def sched(tmp_path_factory: pytest.TempPathFactory) -> kbuild.BuildResult:
    work: Path = tmp_path_factory.mktemp("sched")
    return kbuild.build(work / "build", overrides={**scenarios.SCENARIOS["sched"], "TRACE": 1})


@pytest.mark.qemu
def test_checkpoints_never_change_the_run(sched: kbuild.BuildResult, tmp_path: Path) -> None:
    """The SCHED scenario (ticks, preemption) gives the same stream byte for byte with a
    checkpoint at every transition, with only the boot and final ones, and with no harness."""
    region = scenarios.checkpoint_region(sched)
    every = capture.capture(sched.elf, tmp_path / "every", region=region, metadata={},
                            schedule=capture.Schedule(every=1))  # fmt: skip
    none = capture.capture(sched.elf, tmp_path / "none", region=region, metadata={}, schedule=capture.Schedule())
    (tmp_path / "plain").mkdir()
    plain = qemu.run(qemu.QemuOptions(kernel=sched.elf, cwd=tmp_path / "plain"), timeout=60, echo=False)
    assert plain.status == 0
    stream = every.trace.read_bytes()
    assert stream == none.trace.read_bytes() == (tmp_path / "plain" / "trace.bin").read_bytes()
    trace = tracefile.decode(stream)
    ticks = sum(r.kind is RecordType.TICK for r in trace.records)
    transitions = sum(r.kind in _ENTRIES for r in trace.records)
    assert ticks > 30
    # The boot, one at the end of every transition but the halting one, and the final one.
    assert [c.kind for c in every.checkpoints] == ["boot"] + ["every"] * (transitions - 1) + ["final"]
    assert [c.kind for c in none.checkpoints] == ["boot", "final"]
    assert {c.seq for c in every.checkpoints} == _boundaries(trace)


@pytest.mark.qemu
def test_chosen_and_periodic_checkpoints_fall_on_boundaries_and_refine(tmp_path: Path) -> None:
    outcome = scenarios.refine("hello", tmp_path, schedule=capture.Schedule(every=10, at=(7, 40, 41)))
    assert outcome.passed, outcome.divergence.render() if outcome.divergence else outcome.message
    run = json.loads((tmp_path / "run" / capture.RUN_FILE).read_text())
    trace = tracefile.decode((tmp_path / "run" / "trace.bin").read_bytes())
    kinds = [c["kind"] for c in run["checkpoints"]]
    seqs = [c["seq"] for c in run["checkpoints"]]
    assert kinds[0] == "boot" and seqs[0] == 1 and kinds[-1] == "final" and "every" in kinds
    chosen = {s for k, s in zip(kinds, seqs, strict=True) if k in ("at", "every")}
    boundaries = _boundaries(trace)
    assert {min(b for b in boundaries if b >= a) for a in (7, 40, 41)} <= chosen
    assert set(seqs) <= boundaries and seqs == sorted(seqs)
    assert run["replay"] == "mlk refine --scenario hello --checkpoint-every 10 --checkpoint-at 7 --checkpoint-at 40 " \
        "--checkpoint-at 41"  # fmt: skip


@pytest.mark.qemu
def test_a_wrong_word_at_a_periodic_checkpoint_is_a_divergence_there(tmp_path: Path) -> None:
    """The checker compares every checkpoint, not only the last: a priority corrupted in the
    memory of one periodic checkpoint is reported at that checkpoint's record, as that field."""
    config = {**scenarios.SCENARIOS["hello"], "TRACE": 1}
    built = kbuild.build(tmp_path / "build", overrides=config)
    run = capture.capture(built.elf, tmp_path / "run", region=scenarios.checkpoint_region(built), metadata={},
                          schedule=capture.Schedule(every=10))  # fmt: skip
    trace = tracefile.decode(run.trace.read_bytes())
    initial = scenarios.initial_state(trace, built)
    root = initial.current
    chosen = run.checkpoints[2]
    assert chosen.kind == "every"
    data = bytearray(chosen.memory.data)
    at = root + layout.TCB.offset("priority") - chosen.memory.base
    data[at : at + 8] = (7).to_bytes(8, "little")
    broken = [*run.checkpoints]
    memory = Memory(chosen.memory.base, bytes(data))
    broken[2] = Checkpoint(chosen.index, chosen.seq, chosen.kind, chosen.offset, memory)
    outcome, _ = checkpoints.check_run("hello", trace, initial, broken, run.status, console_tail="", replay="r",
                                       started=0.0)  # fmt: skip
    divergence = outcome.divergence
    assert divergence is not None, outcome.summary()
    assert divergence.aspect == "kernel state at the periodic checkpoint" and divergence.record == chosen.seq
    assert [d.path for d in divergence.diffs] == [f"objects[{root:#x}].priority"]
    assert "checkpoint 2" in divergence.observed


def test_a_checkpoint_inside_a_transition_is_an_error() -> None:
    start, events = long_run(5, 30)
    trace = tracefile.decode(tracefile.encode(1, spec_records(start, events), machine_values(gen.test_machine())))
    inside = next(r.seq for r in trace.records if r.kind in (RecordType.SCHED, RecordType.REGS))

    def agree(_state: State) -> list[checker.FieldDiff]:
        return []

    with pytest.raises(checker.MisplacedCheckpoint):
        checker.check(trace, start, state_checks=[checker.StateCheck(inside, "chosen checkpoint", agree)])
    boundary = next(r.seq for r in trace.records[5:] if r.kind in _ENTRIES)
    assert checker.check(trace, start, state_checks=[checker.StateCheck(boundary, "chosen checkpoint", agree)]).refines


def _call(sysno: int, x0: int = 0) -> Step:
    regs = [0] * STEP_REGS
    regs[Reg.SYSNO], regs[Reg.CPTR] = sysno, x0
    return Step(Op.SYSCALL, tuple(regs))


@pytest.mark.qemu
def test_a_thread_asks_for_a_checkpoint_with_debug_checkpoint(tmp_path: Path) -> None:
    session = Session(tmp_path, schedule=capture.Schedule())
    program = Program((Thread(ROOT_PRIORITY, (_call(Syscall.DEBUG_PUTCHAR, 0x41), _call(Syscall.DEBUG_CHECKPOINT),
                                              _call(Syscall.DEBUG_PUTCHAR, 0x42))),))  # fmt: skip
    result = session.run(program, "request", "")
    assert result.outcome.passed, result.outcome.message
    run = json.loads((tmp_path / "run" / "qemu" / capture.RUN_FILE).read_text())
    assert [c["kind"] for c in run["checkpoints"]] == ["boot", "requested", "final"]
    assert result.trace is not None
    after = next(r for r in result.trace.records if r.seq == run["checkpoints"][1]["seq"])
    before = [r for r in result.trace.records if r.seq < after.seq and r.kind is RecordType.SYSCALL]
    assert before[-1].get(f"r{int(Reg.SYSNO)}") == Syscall.DEBUG_CHECKPOINT
    assert after.kind is RecordType.SYSCALL and after.get(f"r{int(Reg.CPTR)}") == 0x42


@pytest.mark.qemu
def test_a_mutant_only_periodic_checkpoints_catch(tmp_path: Path) -> None:
    """``retype-endpoint-sending`` leaves the CAPS scenario's final state right (its endpoints are
    gone by then): only a checkpoint while they exist sees it (the mutant gate runs with the
    default period, tests/refinement/test_mutants.py)."""
    sources = mutants.apply(mutants.BY_NAME["retype-endpoint-sending"], tmp_path / "asm")
    assert scenarios.refine("caps", tmp_path / "final", source_dir=sources, schedule=capture.Schedule()).passed
    caught = scenarios.refine("caps", tmp_path / "every", source_dir=sources)
    assert caught.divergence is not None and caught.divergence.aspect == "kernel state at the periodic checkpoint"


@pytest.mark.qemu
@pytest.mark.parametrize("name", ["root-x0-off-by-one", "root-x1-unset"])
def test_a_wrong_boot_register_is_caught_at_the_boot_checkpoint(name: str, tmp_path: Path) -> None:
    """The spec's initial context of the root task (x0 = its untyped capabilities, x1 = its image
    frames) is compared before its first instruction: before the boot checkpoint, only a program
    that happened to use x0 or x1 could show such a bug (x1 went unnoticed by every scenario)."""
    sources = mutants.apply(mutants.BY_NAME[name], tmp_path / "asm")
    caught = scenarios.refine("hello", tmp_path / "hello", source_dir=sources)
    divergence = caught.divergence
    assert divergence is not None, caught.summary()
    assert divergence.aspect == "kernel state at the boot checkpoint" and divergence.record == 1
    register = "x0" if name == "root-x0-off-by-one" else "x1"
    root = next(t for t in json.loads((tmp_path / "hello" / "run" / capture.RUN_FILE).read_text())["checkpoints"])
    assert root["kind"] == "boot"
    (diff,) = divergence.diffs
    assert diff.path.startswith("objects[") and diff.path.endswith(f"].ctx.{register}")
