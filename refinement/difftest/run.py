"""Running a program: one build per session, the program written into a copy of the image, a
deterministic QEMU run, and the refinement check of its trace and final memory.

:class:`Session` builds the INTERP scenario with the trace on once (the build is cached in its
work directory: the same sources give the same build id and the build is skipped), then each
:meth:`Session.run` patches the program into the image and ELF bytes (no assembler run), captures
the run (:mod:`mlk.refinement.capture`) and checks it exactly as ``mlk refine`` checks a built-in
scenario (:func:`mlk.refinement.checkpoints.check_run`): lockstep from the spec's boot state with
the program's boot threads, with the decoded kernel memory compared with the spec's state at the
boot, every :data:`CHECKPOINT_EVERY` transitions, where a thread asks (``DebugCheckpoint``) and at
the end (also after a halt with a non-zero status).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from mlk import qemu
from mlk.abi import layout
from mlk.abi.platform import Platform
from mlk.kernel_aarch64 import build as kbuild
from mlk.kernel_aarch64.config import Scenario
from mlk.model.state import ObjId, State
from mlk.refinement import capture, checkpoints, mutants, report, scenarios, tracefile
from mlk.refinement.difftest.program import ROOT_PRIORITY, Program, Symbols, Thread, write_image

#: The build configuration of every differential test.
CONFIG = {"SCENARIO": int(Scenario.INTERP), "TRACE": 1}
#: Seconds a program may run: programs are short, so a run this long is a hang.
TIMEOUT = 10.0
#: Offset of the image in the ELF file (:func:`mlk.kernel_aarch64.elf.write_elf`'s one segment).
ELF_IMAGE_OFFSET = 0x1000
#: Memory the checkpoints save beyond the boot objects (objects retyped from untyped memory).
_CHECKPOINT_MARGIN = 1 << 20
#: A checkpoint every this many transitions, besides the boot and the final one (programs are
#: short: most take one or two).
CHECKPOINT_EVERY = 16


@dataclass(frozen=True)
class Result:
    """A checked run: the outcome, and (when the trace could be decoded) the trace and the spec's
    state it started from, for coverage."""

    outcome: report.Outcome
    trace: tracefile.Trace | None
    initial: State | None


class Session:
    """The built INTERP kernel and the runs made with it, all under ``work``."""

    def __init__(
        self, work: Path, source_dir: Path = kbuild.SOURCE_DIR, schedule: capture.Schedule | None = None
    ) -> None:
        self.work = work
        self.schedule = schedule or capture.Schedule(every=CHECKPOINT_EVERY)
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
        elf[ELF_IMAGE_OFFSET : ELF_IMAGE_OFFSET + len(image)] = image
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
        threads = scenarios.boot_threads(built)

        def error(kind: str, message: str) -> Result:
            outcome = report.Outcome(name, str(run_dir / "qemu" / capture.CONTAINER_FILE), error=kind, message=message,
                                     seconds=time.monotonic() - start)  # fmt: skip
            return Result(outcome, None, None)

        metadata = {"scenario": "difftest", "config": CONFIG, "build_id": built.build_id, "replay": replay,
                    "boot_threads": [t.to_json() for t in threads], "program": program.to_json()}  # fmt: skip
        try:
            run = capture.capture(built.elf, run_dir / "qemu", region=self.region, metadata=metadata, timeout=TIMEOUT,
                                  schedule=self.schedule)  # fmt: skip
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
        initial = scenarios.initial_state_with(trace, threads)
        outcome, _ = checkpoints.check_run(
            name, trace, initial, run.checkpoints, run.status, console_tail=run.console_tail(), replay=replay,
            started=start, trace_path=str(run.container), zero_halt=False,
        )  # fmt: skip
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


def mutant_session(mutant: mutants.Mutant, work: Path) -> Session:
    """A session under ``work`` on the kernel with ``mutant`` applied (to a copy of the sources in
    ``work/asm``): ``mlk difftest --mutant`` and the tests search and replay programs on it."""
    return Session(work, source_dir=mutants.apply(mutant, work / "asm"))
