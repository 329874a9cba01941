"""Running generated assembly programs (``mlk difftest --mode asm``): one guarded keystone build
per program, the refinement check of its run, and the register-level checks only this mode can
make; the search, its shrinking, and the regression corpus of this mode.

:class:`AsmSession` copies the kernel sources once and, per program, writes the program's
assembly over ``asm/user/asmprog.S`` in the copy and builds the ASM scenario with the trace on
(the whole guarded pipeline: preprocessing, the keystone guards, the child-process assembler,
the capstone cross-check). The run is checked exactly as ``mlk refine`` checks a scenario
(:func:`mlk.refinement.checkpoints.check_run`: lockstep, checkpoints at boot, periodically, on
request and at the end); then, since every register the program sets is known:

* each thread's ``SYSCALL`` and ``FAULT`` records must carry the registers the program had at
  that instruction (x0..x10, SP, PC) and each fault the kind, exception class, fault address and
  write bit of the fault the program made (:func:`mlk.refinement.difftest.asmprog.expected_entries`):
  the refinement check takes these as the spec's inputs and cannot judge them;
* a halt with a register-check status means the kernel changed a register the program checks
  (x11..x30 across a system call, every register across a spin, SP).

A failing program shrinks (:func:`minimize`: fewer threads, fewer steps, plainer steps) and is
saved to :data:`CORPUS_DIR`, which the test suite replays.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from mlk.abi.syscalls import Reg
from mlk.abi.trace import RecordType
from mlk.kernel_aarch64 import build as kbuild
from mlk.kernel_aarch64.config import Scenario
from mlk.kernel_aarch64.diagnostics import BuildError
from mlk.model.state import ObjId, State, Tcb
from mlk.refinement import capture, report, scenarios, tracefile
from mlk.refinement.difftest import asmgen, asmprog, corpus, run, search
from mlk.refinement.difftest.asmprog import CORRUPT_STATUS, GPRS, SP_INDEX, AsmOp, AsmProgram, AsmStep, AsmThread
from mlk.refinement.difftest.program import ROOT_PRIORITY
from mlk.refinement.difftest.run import CHECKPOINT_EVERY, Result

#: The build configuration of every program.
CONFIG = {"SCENARIO": int(Scenario.ASM), "TRACE": 1}
#: The regression corpus of this mode.
CORPUS_DIR = corpus.CORPUS_DIR.parent / "difftest-asm"
#: The file of the kernel sources a program replaces.
PROGRAM_FILE = Path("user") / "asmprog.S"


def entry_problems(program: AsmProgram, built: kbuild.BuildResult, trace: tracefile.Trace, k: int = 0) -> list[str]:
    """Where the kernel's records of each thread's entries differ from what the program (program
    ``k`` of the build) did."""
    problems: list[str] = []
    for t in range(len(program.threads)):
        tcb = scenarios.thread_address(built, t)
        records = [r for r in trace.records
                   if r.kind in (RecordType.SYSCALL, RecordType.FAULT) and r.get("thread") == tcb]  # fmt: skip
        expected = asmprog.expected_entries(program, t, built.symbols, k)
        if len(records) > len(expected) and expected[-1].kind:
            # A thread stopped by its fault and resumed (TCB Resume) takes the same fault again.
            expected += [expected[-1]] * (len(records) - len(expected))
        if len(records) > len(expected):
            problems.append(f"thread {t}: {len(records)} kernel entries, the program makes at most {len(expected)}")
        for entry, record in zip(expected, records, strict=False):
            problems += [f"thread {t}, {p}" for p in entry.compare(record.fields(), record.kind.name)]
    return problems


def corrupted_register(trace: tracefile.Trace) -> str | None:
    """The register a failed check named, when the run halted with a register-check status."""
    last = trace.records[-1] if trace.records else None
    if last is None or last.kind is not RecordType.HALT or last.get("status") < CORRUPT_STATUS:
        return None
    index = last.get("status") - CORRUPT_STATUS
    return "sp" if index == SP_INDEX else f"x{index}"


class AsmSession:
    """A copy of the kernel sources, the builds and runs of programs, all under ``work``."""

    def __init__(
        self, work: Path, source_dir: Path = kbuild.SOURCE_DIR, schedule: capture.Schedule | None = None
    ) -> None:
        self.work = work
        self.sources = work / "src"
        if self.sources.exists():
            shutil.rmtree(self.sources)
        shutil.copytree(source_dir, self.sources)
        self.schedule = schedule or capture.Schedule(every=CHECKPOINT_EVERY)
        self._skeletons: dict[int, tuple[State, list[ObjId]]] = {}
        self.builds = 0
        self.build_seconds = 0.0

    def build(self, programs: list[AsmProgram], out: Path) -> kbuild.BuildResult:
        """Assemble ``programs`` into one kernel build in ``out`` (:func:`.asmprog.batch_source`)."""
        start = time.monotonic()
        (self.sources / PROGRAM_FILE).write_text(asmprog.batch_source(programs))
        try:
            return kbuild.build(out, source_dir=self.sources, overrides=CONFIG)
        finally:
            self.builds += 1
            self.build_seconds += time.monotonic() - start

    def run(self, program: AsmProgram, name: str, replay: str, *, keep: Path | None = None) -> Result:
        """Build, run and check ``program`` (see the module documentation)."""
        return self.run_batch([program], name, replay, keep=keep)[0]

    def run_batch(
        self, programs: list[AsmProgram], name: str, replay: str, *, keep: Path | None = None
    ) -> list[Result]:
        """Build ``programs`` once, then run and check each (see the module documentation)."""
        start = time.monotonic()
        run_dir = keep or self.work / "run"
        try:
            built = self.build(programs, run_dir / "build")
        except (BuildError, asmprog.TooLarge) as exc:
            outcome = report.Outcome(name, "", error="BuildError", message=str(exc), seconds=time.monotonic() - start)
            return [Result(outcome, None, None) for _ in programs]
        image, elf = built.image.read_bytes(), built.elf.read_bytes()
        return [self._run(built, image, elf, program, k, name, replay, run_dir) for k, program in enumerate(programs)]

    def _run(self, build: kbuild.BuildResult, image: bytes, elf: bytes, program: AsmProgram, k: int, name: str,
             replay: str, run_dir: Path) -> Result:  # fmt: skip
        """Run and check program ``k`` of ``build`` (whose image and ELF bytes are ``image`` and
        ``elf``), installed in copies of them: :func:`.run.capture_and_check`, then the checks of
        its registers and kernel entries."""
        start = time.monotonic()
        patched = bytearray(image)
        asmprog.install(patched, program, k, build.symbols)
        built = run.install_copies(build, patched, elf, run_dir / "image")
        result = run.capture_and_check(built, program.to_json(), CONFIG, self.schedule, name, replay, run_dir, start)
        if not result.outcome.passed or result.trace is None:
            return result
        trace, initial = result.trace, result.initial
        register = corrupted_register(trace)
        if register is not None:
            message = f"the program found {register} changed by the kernel (a failed register check halted it)"
            return run.failed(name, run_dir, "RegisterCorrupted", f"{message}; replay: {replay}", start, trace, initial)
        problems = entry_problems(program, built, trace, k)
        if problems:
            message = "the kernel recorded entries the program did not make:\n  " + "\n  ".join(problems[:20])
            return run.failed(name, run_dir, "KernelEntry", f"{message}\nreplay: {replay}", start, trace, initial)
        return result

    def boot_state(self, priorities: list[int]) -> tuple[State, list[ObjId]]:
        """The spec's boot state for generating a program with boot threads at ``priorities``, and
        its threads' TCBs, from a build of an empty program with as many threads (the real
        program's are placed after its larger image: the checker uses the real ones)."""
        count = len(priorities)
        if count not in self._skeletons:
            skeleton = AsmProgram(tuple(AsmThread(p, ()) for p in (ROOT_PRIORITY, *priorities)))
            result = self.run(skeleton, "skeleton", "")
            if result.trace is None:
                raise RuntimeError(f"the empty program did not run: {result.outcome.summary()}")
            built = self.build([skeleton], self.work / "skeleton")
            tids = [scenarios.thread_address(built, i) for i in range(count + 1)]
            self._skeletons[count] = (scenarios.initial_state(result.trace, built), tids)
        state, tids = self._skeletons[count]
        objects = dict(state.objects)
        for tid, priority in zip(tids[1:], priorities, strict=True):
            tcb = objects[tid]
            assert isinstance(tcb, Tcb)
            objects[tid] = tcb._replace(priority=priority)
        queues: dict[int, tuple[ObjId, ...]] = {}
        for tid, priority in zip(tids[1:], priorities, strict=True):
            queues[priority] = (*queues.get(priority, ()), tid)
        return state._replace(objects=objects, queues=queues), tids


@dataclass(frozen=True)
class AsmFailure:
    """A minimal failing program and how it failed."""

    program: AsmProgram
    result: Result

    def to_json(self, name: str, origin: str) -> dict[str, Any]:
        """The corpus entry."""
        return {"name": name, "found_by": origin, "failure": search.failure_kind(self.result.outcome),
                "summary": self.result.outcome.summary(), "program": self.program.to_json()}  # fmt: skip


def minimize(
    session: AsmSession, program: AsmProgram, found_in_batch: Result, stats: search.Stats
) -> tuple[AsmProgram, Result]:
    """Remove boot threads, then single steps, then the registers and SP changes steps do not
    need, while the program, built alone, still fails as in ``found_in_batch`` (its run in the
    build of a batch; when it does not fail alone, it is kept whole with that run). (This is the mode's only shrinking:
    Hypothesis's own would build a kernel for every one of its hundreds of attempts.)"""

    kind = search.failure_kind(found_in_batch.outcome)

    def still_fails(candidate: AsmProgram) -> Result | None:
        result = session.run(candidate, "difftest", "")
        stats.programs += 1
        stats.syscalls += candidate.syscalls
        return result if search.failure_kind(result.outcome) == kind else None

    best = session.run(program, "difftest", "")
    if search.failure_kind(best.outcome) != kind:
        return program, found_in_batch  # it fails only in the layout of the build it was found in
    program, best = search.drop_threads_and_steps(program, best, still_fails)
    for t in range(len(program.threads)):
        for s in range(len(program.threads[t].steps)):
            thread = program.threads[t]
            plain = _plain(thread.steps[s])
            if plain == thread.steps[s]:
                continue
            steps = (*thread.steps[:s], plain, *thread.steps[s + 1 :])
            candidate = AsmProgram((*program.threads[:t], AsmThread(thread.priority, steps), *program.threads[t + 1 :]))
            found = still_fails(candidate)
            if found is not None:
                program, best = candidate, found
    return program, best


def _plain(step: AsmStep) -> AsmStep:
    """``step`` with zero in every register it does not need (a system call keeps x0..x10) and
    no SP change: the simpler step a shrunk program tries."""
    keep = Reg.RECV_SLOT + 1 if step.op is AsmOp.SYSCALL else 0
    return AsmStep(step.op, (*step.regs[:keep], *(0,) * (GPRS - keep)), step.value, None)


class _Failed(Exception):
    """Raised inside the Hypothesis test to make a failing program shrink."""


#: Programs built together (:func:`.asmprog.batch_source`) and then run one by one: a build costs
#: several runs (measured on the loaded 2-core machine: 510 ms for the build of one program,
#: 300 ms for its run and check).
BATCH = 4


def run_search(
    session: AsmSession,
    examples: int,
    seed: int,
    *,
    exclude: frozenset[str] = asmgen.EXCLUDE,
    stats: search.Stats | None = None,
    on_result: Callable[[AsmProgram, Result], None] | None = None,
    batch: int = BATCH,
    device: bool | None = None,
) -> AsmFailure | None:
    """Run up to ``examples`` generated programs, ``batch`` to a build, favouring a device
    interrupt when ``device`` says so (:func:`.asmgen.programs`); the first failure, shrunk and
    minimized."""
    stats = stats or search.Stats()
    failures: list[tuple[AsmProgram, Result]] = []
    start = time.monotonic() - stats.seconds  # a Stats shared by several searches adds up
    batches = -(-examples // batch)
    ran = [0]

    @settings(max_examples=batches, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=(Phase.generate,),
              report_multiple_bugs=False, print_blob=False)  # fmt: skip
    @hypothesis_seed(seed)
    @given(st.lists(asmgen.programs(session.boot_state, exclude, device=device), min_size=batch, max_size=batch))
    def prop(programs: list[AsmProgram]) -> None:
        programs = programs[: examples - ran[0]]
        for program, result in zip(programs, session.run_batch(programs, "difftest", ""), strict=True):
            ran[0] += 1
            stats.programs += 1
            stats.syscalls += program.syscalls
            if on_result is not None:
                on_result(program, result)
            if not result.outcome.passed and search.expected_failure(result, exclude - asmgen.SELF_CHECKED):
                stats.gap_failures += 1
            elif not result.outcome.passed:
                failures.append((program, result))
                raise _Failed(search.failure_kind(result.outcome))

    try:
        prop()
    except _Failed:
        pass
    except Flaky as exc:
        raise RuntimeError(f"a failure did not replay: the kernel run is not deterministic ({exc})") from exc
    finally:
        stats.seconds = time.monotonic() - start
    if not failures:
        return None
    program, result = failures[-1]
    program, result = minimize(session, program, result, stats)
    stats.seconds = time.monotonic() - start
    return AsmFailure(program, result)


def save(failure: AsmFailure, where: Path, origin: str) -> Path:
    """Write ``failure`` to the corpus directory ``where`` (:func:`mlk.refinement.difftest.corpus.write`) under a name
    made of its failure; the path."""
    return corpus.write(where, search.kind_stem(failure.result.outcome), lambda name: failure.to_json(name, origin))
