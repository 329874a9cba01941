"""``mlk difftest --mode asm``: generated assembly programs, each a guarded keystone build, checked
by the refinement checker and by their own register-level and fault-report checks.

A hand-built program makes every kind of fault on purpose and passes; the CI budget (a fixed
seed, small: a build per program) passes; the corpus replays; and the search finds and shrinks
two kernel bugs the built-in scenarios miss (a register swapped on return to user space, a
dropped fault address).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlk.abi import msginfo
from mlk.abi.labels import Label
from mlk.abi.objects import PAGE_BITS, ROOT_IMAGE_VADDR, ObjectType, RootSlot
from mlk.abi.platform import KernelWindow, Pl011, Platform
from mlk.abi.rights import Right
from mlk.abi.syscalls import Reg, Syscall
from mlk.cli import main
from mlk.refinement import mutants
from mlk.refinement.difftest import answers, asmcli, asmprog, asmrun, corpus, gen, search
from mlk.refinement.difftest.asmprog import (
    GPRS,
    AsmOp,
    AsmProgram,
    AsmStep,
    AsmThread,
    expected_entries,
    from_json,
    source,
)
from mlk.refinement.difftest.run import Result
from mlk.refinement.difftest.speccov import SpecCoverage

pytestmark = pytest.mark.qemu

#: The CI budget of this mode: programs per test run (each one a kernel build), and its seed.
CI_EXAMPLES = 8
CI_SEED = 4


def _regs(seed: int, **at: int) -> tuple[int, ...]:
    regs = [(seed * 0x9E37_79B9_7F4A_7C15 + r * 0x1234_5678_9ABC_DEF1) % 2**64 for r in range(GPRS)]
    for name, value in at.items():
        regs[int(name[1:])] = value
    return tuple(regs)


def _call(seed: int, sysno: int, x0: int = 0, sp: int | None = None) -> AsmStep:
    return AsmStep(AsmOp.SYSCALL, _regs(seed, x0=x0, x8=sysno), 0, sp)


#: One thread per fault kind (the root task's ends the run: it halts after its own checks).
EVERY_FAULT = AsmProgram((
    AsmThread(255, (_call(1, Syscall.DEBUG_PUTCHAR, 0x41, sp=0x7), AsmStep(AsmOp.SPIN, _regs(2), 70_000),
                    _call(3, Syscall.YIELD), _call(4, Syscall.DEBUG_CHECKPOINT),
                    AsmStep(AsmOp.JUMP, _regs(5), ROOT_IMAGE_VADDR + (1 << PAGE_BITS) + 2))),
    AsmThread(200, (AsmStep(AsmOp.LOAD, _regs(6), KernelWindow.BASE + Platform.KERNEL_BASE),)),
    AsmThread(200, (AsmStep(AsmOp.STORE, _regs(7), 0x1000_0004),)),
    AsmThread(200, (AsmStep(AsmOp.SP_LOAD, _regs(8), 0x3),)),
    AsmThread(200, (AsmStep(AsmOp.JUMP, _regs(9), 0x1000_0000),)),
    AsmThread(200, (AsmStep(AsmOp.JUMP, _regs(10), 0x1000_0001),)),
    AsmThread(200, (AsmStep(AsmOp.UNDEF, _regs(11)),)),
))  # fmt: skip


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> asmrun.AsmSession:
    return asmrun.AsmSession(tmp_path_factory.mktemp("asm"))


def test_a_program_with_every_fault_passes_and_shows_every_entry(session: asmrun.AsmSession, tmp_path: Path) -> None:
    result = session.run(EVERY_FAULT, "every-fault", "", keep=tmp_path)
    assert result.outcome.passed, result.outcome.divergence.render() if result.outcome.divergence else \
        result.outcome.message  # fmt: skip
    assert result.trace is not None
    assert any(r.kind.name == "TICK" for r in result.trace.records)  # the spin was preempted, registers kept
    kinds = sorted(r.get("kind") for r in result.trace.records if r.kind.name == "FAULT")
    assert kinds == [1, 1, 1, 2, 2, 3, 4]  # 3 data, 2 instruction aborts (1 misaligned), undefined, PC alignment
    header = json.loads((tmp_path / "qemu" / "run.json").read_text())
    assert "requested" in [c["kind"] for c in header["checkpoints"]]
    built = session.build([EVERY_FAULT], tmp_path / "again")
    entries = [e for t in range(len(EVERY_FAULT.threads)) for e in expected_entries(EVERY_FAULT, t, built.symbols)]
    assert len(entries) == 4 + 6  # the root's three calls and jump, one fault per other thread


def _invoke(seed: int, label: Label, cptr: int, *mrs: int) -> AsmStep:
    args = {f"x{Reg.MR0 + i}": v for i, v in enumerate(mrs)}
    return AsmStep(AsmOp.SYSCALL, _regs(seed, x0=cptr, x1=msginfo.pack(label, len(mrs)), x8=Syscall.CALL, **args))


_HANDLER, _NTFN = RootSlot.FREE_FIRST, RootSlot.FREE_FIRST + 1
_EDGE = AsmStep(AsmOp.UART_EDGE, _regs(20), gen.UART_VADDR)
#: Device interrupts with every outcome, every register set at each edge: the UART line's handler
#: and a mapping of its frame; an edge (no notification: the line is only masked), an edge while
#: masked (pending), the Ack (the interrupt comes at its return); a notification for the line,
#: the Ack, an edge (it signals).
DEVICE_IRQS = AsmProgram((AsmThread(255, (
    _invoke(12, Label.IRQ_CONTROL_ISSUE, RootSlot.IRQ_CONTROL, Platform.UART0_IRQ, RootSlot.CNODE, _HANDLER),
    _invoke(13, Label.FRAME_MAP, RootSlot.CONSOLE_FRAME, RootSlot.VSPACE, gen.UART_VADDR, Right.READ | Right.WRITE),
    _EDGE, AsmStep(AsmOp.UART_EDGE, _regs(21), gen.UART_VADDR, 0x7), _invoke(14, Label.IRQ_HANDLER_ACK, _HANDLER),
    _invoke(15, Label.UNTYPED_RETYPE, RootSlot.UNTYPED_FIRST, ObjectType.NOTIFICATION, 0, RootSlot.CNODE, _NTFN, 1),
    _invoke(16, Label.IRQ_HANDLER_SET_NOTIFICATION, _HANDLER, _NTFN), _invoke(17, Label.IRQ_HANDLER_ACK, _HANDLER),
    _EDGE)),))  # fmt: skip


def test_uart_edges_make_every_device_interrupt_outcome_and_keep_every_register(
    session: asmrun.AsmSession, tmp_path: Path
) -> None:
    result = session.run(DEVICE_IRQS, "device-irqs", "", keep=tmp_path)
    assert result.outcome.passed, result.outcome.divergence.render() if result.outcome.divergence else \
        result.outcome.message  # fmt: skip
    assert result.trace is not None and result.initial is not None
    cov = SpecCoverage()
    cov.add(result.trace, result.initial)
    assert not {"device_irq", *(f"device_irq:{o}" for o in answers.DEVICE_IRQ_OUTCOMES)} & set(cov.missed())
    # The interrupt of an edge on an unmasked line comes between its second and third store (the
    # step's label), with the step's registers: x8 the mapping, x9 the mask bit.
    built = session.build([DEVICE_IRQS], tmp_path / "again")
    irqs = [r for r in result.trace.records if r.kind.name == "IRQ"]
    first = irqs[0].fields()
    assert first["r12"] == asmprog.user_address(built.symbols, "asm_p0_t0_s2"), irqs[0]
    assert (first["r8"], first["r9"], first["r0"]) == (gen.UART_VADDR, Pl011.INT_TX, _EDGE.regs[0])


def test_the_ci_budget_passes(session: asmrun.AsmSession) -> None:
    cov = SpecCoverage()
    stats = search.Stats()

    def record(_program: AsmProgram, result: Result) -> None:
        if result.trace is not None and result.initial is not None:
            cov.add(result.trace, result.initial)

    failure = asmrun.run_search(session, CI_EXAMPLES, CI_SEED, stats=stats, on_result=record)
    assert failure is None, f"{failure.program.render()}\n{failure.result.outcome.message}" if failure else ""
    assert stats.programs == CI_EXAMPLES
    assert "user_fault" in cov.transitions and stats.syscalls > 0, cov.render()
    # And a batch of programs favouring a device interrupt (the UART line set up, then edges).
    failure = asmrun.run_search(session, asmrun.BATCH, CI_SEED, stats=stats, on_result=record, device=True)
    assert failure is None, f"{failure.program.render()}\n{failure.result.outcome.message}" if failure else ""
    assert "device_irq" in cov.transitions, cov.render()
    print(f"asm CI budget: {stats.line()}; transitions reached: {', '.join(sorted(cov.transitions))}")


def _corpus() -> list[Path]:
    return sorted(asmrun.CORPUS_DIR.glob("*.json"))


@pytest.mark.parametrize("entry", _corpus(), ids=lambda p: p.stem)
def test_corpus_program_refines(entry: Path, session: asmrun.AsmSession) -> None:
    _data, program = corpus.read(entry, asmprog.from_json)
    result = session.run(program, entry.stem, corpus.replay_command(entry, asm=True))
    assert result.outcome.passed, result.outcome.message


@pytest.mark.parametrize(
    ("name", "kind"), [("restore-x22-x23-swapped", "RegisterCorrupted"), ("fault-address-dropped", "KernelEntry")]
)
def test_the_search_finds_and_shrinks_a_bug_the_scenarios_miss(name: str, kind: str, tmp_path: Path) -> None:
    sources = mutants.apply(asmcli.MUTANTS[name], tmp_path / "asm")
    found = asmrun.run_search(asmrun.AsmSession(tmp_path / "work", source_dir=sources), 30, 1)
    assert found is not None and search.failure_kind(found.result.outcome) == kind
    assert sum(len(t.steps) for t in found.program.threads) == 1, found.program.render()  # one step shows it


def test_json_round_trip_and_source_names_every_step() -> None:
    assert from_json(json.loads(json.dumps(EVERY_FAULT.to_json()))) == EVERY_FAULT
    text = source(EVERY_FAULT)
    assert "asm_p0_t0_s4:" in text and "asm_p0_t6_s0:" in text and "    svc #0" in text
    assert f"ldr x{int(Reg.SYSNO)}, ={Syscall.DEBUG_PUTCHAR:#x}" in text


def test_the_cli_replays_a_saved_program(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "every-fault.json"
    saved.write_text(json.dumps({"name": "every-fault", "program": EVERY_FAULT.to_json()}))
    assert main(["difftest", "--mode", "asm", "--replay", str(saved), "--work", str(tmp_path / "w")]) == 0
    assert "refines   every-fault" in capsys.readouterr().out
