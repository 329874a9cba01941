"""Running a program: one build per session, the program written into a copy of the image, a
deterministic QEMU run, and the refinement check of its trace and final memory.

:class:`Session` builds the INTERP scenario with the trace on once (the build is cached in its
work directory: the same sources give the same build id and the build is skipped), then each
:meth:`Session.run` patches the program into the image and ELF bytes (no assembler run), captures
the run (:mod:`mlk.refinement.capture`) and checks it exactly as ``mlk refine`` checks a built-in
scenario: lockstep from the spec's boot state with the program's boot threads, then the decoded
final memory against the spec's final state (a run halted with a non-zero status ends through a
semihosting exit, which leaves no memory to compare: its trace is still checked in full).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from mlk import qemu
from mlk.abi import layout
from mlk.abi.platform import Platform
from mlk.abi.trace import SINK_FILE
from mlk.kernel_aarch64 import build as kbuild
from mlk.kernel_aarch64.config import Scenario
from mlk.model.state import ObjId, State, Tcb
from mlk.refinement import abstraction, capture, checker, report, scenarios, tracefile
from mlk.refinement.difftest.program import ROOT_PRIORITY, Program, Symbols, Thread, write_image

#: The build configuration of every differential test.
CONFIG = {"SCENARIO": int(Scenario.INTERP), "TRACE": 1}
#: Seconds a program may run: programs are short, so a run this long is a hang.
TIMEOUT = 10.0
#: Offset of the image in the ELF file (:func:`mlk.kernel_aarch64.elf.write_elf`'s one segment).
_ELF_IMAGE_OFFSET = 0x1000
#: Memory the final checkpoint saves beyond the boot objects (objects retyped from untyped memory).
_CHECKPOINT_MARGIN = 1 << 20


@dataclass(frozen=True)
class Result:
    """A checked run: the outcome, and (when the trace could be decoded) the trace and the spec's
    state it started from, for coverage."""

    outcome: report.Outcome
    trace: tracefile.Trace | None
    initial: State | None


class Session:
    """The built INTERP kernel and the runs made with it, all under ``work``."""

    def __init__(self, work: Path, source_dir: Path = kbuild.SOURCE_DIR) -> None:
        self.work = work
        self.built = kbuild.build(work / "build", source_dir=source_dir, overrides=CONFIG)
        sym = self.built.symbols
        self.symbols = Symbols(sym["_start"], sym["boot_threads"], sym["interp_thread"], sym["interp_scripts"])
        self.image = self.built.image.read_bytes()
        self.elf = self.built.elf.read_bytes()
        end = scenarios.boot_objects_base(self.built) + layout.BootObject.END + _CHECKPOINT_MARGIN
        self.region = (Platform.RAM_BASE, end - Platform.RAM_BASE)
        self._machine_trace: tracefile.Trace | None = None

    def install(self, program: Program, run_dir: Path) -> kbuild.BuildResult:
        """Write ``program`` into copies of the image and ELF in ``run_dir``; the build as a
        :class:`~mlk.kernel_aarch64.build.BuildResult` naming the copies."""
        run_dir.mkdir(parents=True, exist_ok=True)
        image = bytearray(self.image)
        write_image(image, program, self.symbols)
        elf = bytearray(self.elf)
        elf[_ELF_IMAGE_OFFSET : _ELF_IMAGE_OFFSET + len(image)] = image
        (run_dir / "kernel.bin").write_bytes(image)
        (run_dir / "kernel.elf").write_bytes(elf)
        return dataclasses.replace(
            self.built, out_dir=run_dir, elf=run_dir / "kernel.elf", image=run_dir / "kernel.bin"
        )

    def run(self, program: Program, name: str, replay: str, *, keep: Path | None = None) -> Result:
        """Run ``program`` and check it; ``name`` and ``replay`` label the outcome. The run's
        files go to ``keep`` (default: the session's scratch directory, reused by the next run)."""
        start = time.monotonic()
        run_dir = keep or self.work / "run"
        built = self.install(program, run_dir / "image")

        def error(kind: str, message: str) -> Result:
            outcome = report.Outcome(name, str(run_dir / "qemu" / SINK_FILE), error=kind, message=message,
                                     seconds=time.monotonic() - start)  # fmt: skip
            return Result(outcome, None, None)

        metadata = {"scenario": "difftest", "config": CONFIG, "build_id": built.build_id, "replay": replay}
        try:
            run = capture.capture(built.elf, run_dir / "qemu", region=self.region, metadata=metadata, timeout=TIMEOUT)
        except capture.CaptureError as exc:
            return error(type(exc).__name__, str(exc))
        except qemu.QemuMissing as exc:
            return error("QemuMissing", str(exc))
        try:
            trace = tracefile.decode(run.trace.read_bytes(), build_id=int(built.build_id, 16))
        except OSError:
            return error("NoTrace", f"the kernel wrote no trace; console:\n{run.console_tail()}")
        except tracefile.TraceError as exc:
            return error(type(exc).__name__, f"{exc}; console:\n{run.console_tail()}")
        initial = scenarios.initial_state(trace, built)
        try:
            verdict = checker.check(trace, initial, replay=replay)
        except tracefile.TraceError as exc:  # e.g. a transition cut short by a kernel panic
            cut = error(type(exc).__name__, f"{exc}; console:\n{run.console_tail()}")
            return Result(cut.outcome, trace, initial)
        divergence = verdict.divergence
        kind: str | None = None
        message: str | None = None
        if divergence is None:
            final = verdict.final_state
            if final.halted is None:
                kind, message = "NoHalt", f"the kernel stopped without the spec's halt; console:\n{run.console_tail()}"
            elif final.halted != run.status:
                kind, message = (
                    "QemuCrash",
                    f"QEMU exited with status {run.status}; the trace halts with {final.halted}",
                )
            elif run.memory is None:
                # A non-zero halt status leaves QEMU through semihosting: no final memory to compare.
                if final.halted == 0:
                    kind, message = "NoCheckpoint", "no memory checkpoint was taken at power-off"
            else:
                known = tuple(a for a, o in final.objects.items() if isinstance(o, Tcb))
                try:
                    diffs = abstraction.compare(final, abstraction.decode(run.memory, final.machine, known_tcbs=known))
                except abstraction.Inconsistent as exc:
                    diffs = [checker.FieldDiff("kernel memory", "a state the spec can be in", str(exc))]
                if diffs:
                    divergence = abstraction.divergence(trace, diffs, replay, checker.DEFAULT_WINDOW)
        outcome = report.Outcome(name, str(run.trace), verdict.transitions, verdict.records, divergence,
                                 error=kind, message=message, seconds=time.monotonic() - start)  # fmt: skip
        return Result(outcome, trace, initial)

    def boot_state(self, priorities: list[int]) -> tuple[State, list[ObjId]]:
        """The spec's boot state (what the checker starts from) for a program whose boot threads
        have ``priorities``, and the TCB addresses of its threads, root task first. The machine is
        read once, from the trace of an empty program."""
        if self._machine_trace is None:
            result = self.run(Program((Thread(ROOT_PRIORITY, ()),)), "machine", "")
            if result.trace is None:
                raise RuntimeError(f"the empty program did not run: {result.outcome.summary()}")
            self._machine_trace = result.trace
        skeleton = Program(tuple(Thread(p, ()) for p in (ROOT_PRIORITY, *priorities)))
        built = self.install(skeleton, self.work / "gen")
        tids = [scenarios.thread_address(built, i) for i in range(len(skeleton.threads))]
        return scenarios.initial_state(self._machine_trace, built), tids
