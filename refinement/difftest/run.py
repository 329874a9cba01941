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
from typing import Any

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


def install_copies(built: kbuild.BuildResult, image: bytearray, elf: bytes, out: Path) -> kbuild.BuildResult:
    """Write ``image`` (the build's image with a program installed in it) and ``elf`` (the build's
    ELF bytes) with that image in its segment to ``out``; ``built`` naming the copies (the build id
    stays the one the trace carries)."""
    out.mkdir(parents=True, exist_ok=True)
    with_image = bytearray(elf)
    with_image[ELF_IMAGE_OFFSET : ELF_IMAGE_OFFSET + len(image)] = image
    (out / "kernel.bin").write_bytes(image)
    (out / "kernel.elf").write_bytes(with_image)
    return dataclasses.replace(built, out_dir=out, elf=out / "kernel.elf", image=out / "kernel.bin")


def failed(name: str, run_dir: Path, kind: str, message: str, started: float, trace: tracefile.Trace | None = None,
           initial: State | None = None) -> Result:  # fmt: skip
    """A run named ``name`` (its files in ``run_dir``, begun at ``started``) that failed with
    error ``kind``."""
    outcome = report.Outcome(name, str(run_dir / "qemu" / capture.CONTAINER_FILE), error=kind, message=message,
                             seconds=time.monotonic() - started)  # fmt: skip
    return Result(outcome, trace, initial)


def capture_and_check(
    built: kbuild.BuildResult, program: dict[str, Any], config: dict[str, int], schedule: capture.Schedule,
    name: str, replay: str, run_dir: Path, started: float,
) -> Result:  # fmt: skip
    """Run ``built`` (a build with a program installed: ``program`` is its JSON form, kept in the
    run's metadata with ``config``, the build configuration) in QEMU, capture its trace and
    checkpoints (``schedule``) in ``run_dir``, decode the trace and check it as ``mlk refine``
    checks a scenario (:func:`mlk.refinement.checkpoints.check_run`) from the spec's boot state with
    the image's boot threads, and the memory up to the boot objects and a margin for the objects
    programs create. ``name`` and ``replay`` label the outcome. Both program kinds run this way."""
    threads = scenarios.boot_threads(built)
    end = scenarios.boot_objects_base(built) + layout.BootObject.END + _CHECKPOINT_MARGIN
    metadata = {"scenario": "difftest", "config": config, "build_id": built.build_id, "replay": replay,
                "boot_threads": [t.to_json() for t in threads], "program": program}  # fmt: skip
    try:
        run = capture.capture(built.elf, run_dir / "qemu", region=(Platform.RAM_BASE, end - Platform.RAM_BASE),
                              metadata=metadata, timeout=TIMEOUT, schedule=schedule)  # fmt: skip
    except capture.CaptureError as exc:
        return failed(name, run_dir, type(exc).__name__, str(exc), started)
    except qemu.QemuMissing as exc:
        return failed(name, run_dir, "QemuMissing", str(exc), started)
    try:
        trace = tracefile.decode(run.trace.read_bytes(), build_id=int(built.build_id, 16))
    except OSError:
        return failed(name, run_dir, "NoTrace", f"the kernel wrote no trace; console:\n{run.console_tail()}", started)
    except tracefile.TraceError as exc:
        return failed(name, run_dir, type(exc).__name__, f"{exc}; console:\n{run.console_tail()}", started)
    initial = scenarios.initial_state_with(trace, threads)
    outcome, _ = checkpoints.check_run(
        name, trace, initial, run.checkpoints, run.status, console_tail=run.console_tail(), replay=replay,
        started=started, trace_path=str(run.container), zero_halt=False,
    )  # fmt: skip
    return Result(outcome, trace, initial)


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
        self._machine_trace: tracefile.Trace | None = None

    def install(self, program: Program, run_dir: Path) -> kbuild.BuildResult:
        """Write ``program`` into copies of the image and ELF in ``run_dir``; the build as a
        :class:`~mlk.kernel_aarch64.build.BuildResult` naming the copies."""
        image = bytearray(self.image)
        write_image(image, program, self.symbols)
        return install_copies(self.built, image, self.elf, run_dir)

    def run(self, program: Program, name: str, replay: str, *, keep: Path | None = None) -> Result:
        """Run ``program`` and check it (:func:`capture_and_check`); ``name`` and ``replay`` label
        the outcome. The run's files go to ``keep`` (default: the session's scratch directory,
        reused by the next run)."""
        start = time.monotonic()
        run_dir = keep or self.work / "run"
        built = self.install(program, run_dir / "image")
        return capture_and_check(built, program.to_json(), CONFIG, self.schedule, name, replay, run_dir, start)

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
