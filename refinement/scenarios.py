"""The built-in refinement scenarios: build a kernel scenario with the trace on, run it in QEMU,
check its trace against the spec and its final memory against the spec's final state.

Each scenario is a kernel build configuration (:class:`mlk.kernel_aarch64.config.Scenario`). The
spec starts from the boot state of the machine in the trace's ``BOOT`` record, plus what a test
scenario's boot adds outside the spec: the extra threads of the image's ``boot_threads`` table
(:data:`mlk.abi.layout.BOOT_THREAD`), read from the built image, and, in SCHED, the kernel's
wake-up of the high-priority thread at tick ``SCHED_WAKE_TICK`` (a stand-in for an
interrupt-driven wake-up until notifications exist), applied before that tick's step.

:func:`refine` gives one :class:`~mlk.refinement.report.Outcome`: refines, diverges (the first
diverging record, or the fields where the decoded kernel memory differs from the spec's final
state), or an error (build error, QEMU crash or timeout, no trace, a damaged trace, a kernel that
stopped without the spec's halt). Only the first is a pass.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlk import qemu
from mlk.abi import layout
from mlk.abi.objects import (
    NULL_CPTR,
    OBJECT_SIZE_BITS,
    ROOT_IMAGE_VADDR,
    ROOT_MAX_UNTYPED,
    TIME_SLICE_TICKS,
    CapType,
    ObjectType,
    RootSlot,
)
from mlk.abi.platform import Platform
from mlk.abi.services import END_OF_INPUT, ChildSlot
from mlk.abi.syscalls import CONTEXT_REGS, ContextReg, Reg, Syscall
from mlk.abi.trace import RecordType
from mlk.kernel_aarch64 import build as kbuild
from mlk.kernel_aarch64.config import DEFAULTS, Scenario
from mlk.kernel_aarch64.diagnostics import BuildError
from mlk.model import boot, sched
from mlk.model.state import INACTIVE, RUNNING, Cap, CNode, ObjId, Slot, State, Tcb, VSpace
from mlk.model.tx import Tx
from mlk.refinement import capture, checker, checkpoints, console, report, tracefile

#: The built-in scenarios by name: their build configuration (the trace is always on).
SCENARIOS: dict[str, dict[str, int]] = {
    "hello": {"SCENARIO": Scenario.HELLO},
    "sched": {"SCENARIO": Scenario.SCHED},
    "faults": {"SCENARIO": Scenario.FAULTS},
    "caps": {"SCENARIO": Scenario.CAPS},
    "ipc": {"SCENARIO": Scenario.IPC},
    "ntfn": {"SCENARIO": Scenario.NTFN},
    "xfer": {"SCENARIO": Scenario.XFER},
    "tcbs": {"SCENARIO": Scenario.TCBS},
    "frames": {"SCENARIO": Scenario.FRAMES},
    "fastpath": {"SCENARIO": Scenario.FASTPATH},
    "faultipc": {"SCENARIO": Scenario.FAULTIPC},
    "services": {"SCENARIO": Scenario.SERVICES},
    "irqs": {"SCENARIO": Scenario.IRQS},
}


def _console_waits(record: tracefile.Record) -> bool:
    """The console service waits for the UART's interrupt: a Recv on its IRQ notification."""
    return (
        record.kind is RecordType.SYSCALL
        and record.get(f"r{Reg.SYSNO}") == Syscall.RECV
        and record.get(f"r{Reg.CPTR}") == ChildSlot.IRQ_NOTIFICATION
    )


#: What a built-in scenario types into its console (the UART's receive side), when anything: the
#: SERVICES scenario's echo client gets two lines, then the end of input, each only once the
#: console service waits for the UART's interrupt, so that it must wake through the interrupt.
INPUTS: dict[str, console.ConsoleInput] = {
    "services": console.ConsoleInput(
        (b"typed into the console\n", b"and a second line\n", bytes([END_OF_INPUT])), _console_waits
    ),
}

_TCB_BYTES = 1 << OBJECT_SIZE_BITS[ObjectType.TCB]
_BOOT_THREAD = struct.Struct(layout.BOOT_THREAD.struct_format())


def replay_command(name: str, schedule: capture.Schedule | None = None) -> str:
    """The one-line command that rebuilds and reruns scenario ``name`` (with ``schedule``'s
    checkpoints)."""
    words = [f"mlk refine --scenario {name}"]
    if schedule is not None:
        if schedule.every != CHECKPOINT_EVERY:
            words.append(f"--checkpoint-every {schedule.every}")
        words += [f"--checkpoint-at {seq}" for seq in schedule.at]
    return " ".join(words)


@dataclass(frozen=True)
class BootThread:
    """One entry of a scenario's ``boot_threads`` table, at user addresses, and its TCB."""

    pc: int
    sp: int
    priority: int
    start: layout.BootStart
    tcb: ObjId

    def to_json(self) -> dict[str, int]:
        """The JSON form the trace file's header keeps (:func:`boot_thread_from_json`)."""
        return {"pc": self.pc, "sp": self.sp, "priority": self.priority, "start": int(self.start), "tcb": self.tcb}


def boot_thread_from_json(data: dict[str, int]) -> BootThread:
    """The boot thread of :meth:`BootThread.to_json`'s form."""
    return BootThread(int(data["pc"]), int(data["sp"]), int(data["priority"]), layout.BootStart(data["start"]),
                      int(data["tcb"]))  # fmt: skip


def described(header: dict[str, Any]) -> tuple[list[BootThread], dict[str, int]]:
    """The boot threads and build configuration a trace file's header records of its run."""
    threads = [boot_thread_from_json(t) for t in header.get("boot_threads", [])]
    config = {str(k): int(v) for k, v in header.get("config", {}).items()}
    return threads, config


def boot_threads(built: kbuild.BuildResult) -> list[BootThread]:
    """The scenario's extra boot threads, read from the built image's ``boot_threads`` table."""
    image = built.image.read_bytes()
    base = built.symbols["_start"]
    start = built.symbols["root_image_start"]
    offset = built.symbols["boot_threads"] - base
    (count,) = struct.unpack_from("<Q", image, offset)
    threads = []
    for i in range(count):
        entry, stack, priority, how = _BOOT_THREAD.unpack_from(image, offset + 8 + i * _BOOT_THREAD.size)
        user = ROOT_IMAGE_VADDR - start
        threads.append(BootThread(entry + user, stack + user, priority, layout.BootStart(how),
                                  thread_address(built, i + 1)))  # fmt: skip
    return threads


def boot_objects_base(built: kbuild.BuildResult) -> int:
    """Where the boot code puts the root task's boot objects (:class:`mlk.abi.layout.BootObject`)."""
    end = built.symbols["root_image_end"]
    return -(-end // layout.BOOT_OBJECTS_ALIGN) * layout.BOOT_OBJECTS_ALIGN


def thread_address(built: kbuild.BuildResult, index: int) -> ObjId:
    """The TCB of boot thread ``index`` (0: the root task)."""
    return boot_objects_base(built) + layout.BootObject.TCBS + index * _TCB_BYTES


#: The default checkpoint period of ``mlk refine`` and the mutant gate, in transitions: the
#: built-in scenarios (about 900 transitions in all) then take some 40 checkpoints besides the
#: boot and final ones, each a few milliseconds (refinement/README.md).
CHECKPOINT_EVERY = 25

#: Bytes of untyped memory above the boot objects that the final checkpoint includes: the
#: objects a scenario retypes must lie below the boot objects or within this margin.
CHECKPOINT_MARGIN = 1 << 20


def checkpoint_region(built: kbuild.BuildResult) -> tuple[int, int]:
    """The physical memory the final checkpoint saves: from the start of RAM (the untyped block
    below the kernel) to :data:`CHECKPOINT_MARGIN` beyond the boot objects."""
    end = boot_objects_base(built) + layout.BootObject.END + CHECKPOINT_MARGIN
    return Platform.RAM_BASE, end - Platform.RAM_BASE


def _untyped_after_threads(state: State, count: int, end: ObjId) -> State:
    """``state`` with the root task's untyped capabilities cut as the kernel's boot cuts them when
    ``count`` further boot TCBs end at ``end``: the RAM below the kernel, then the RAM above the
    last TCB (never covering a boot thread), at most ROOT_MAX_UNTYPED in all."""
    if not count:
        return state
    machine = state.machine
    root = state.objects[state.current]
    assert isinstance(root, Tcb) and root.cspace is not None
    blocks = (boot.untyped_blocks(machine.ram_base, machine.kernel_base)
              + boot.untyped_blocks(end, machine.ram_base + machine.ram_size))[:ROOT_MAX_UNTYPED]  # fmt: skip
    slots = {ref: s for ref, s in state.slots.items() if s.cap.type != CapType.UNTYPED}
    for i, (addr, bits) in enumerate(blocks):
        slots[(root.cspace, RootSlot.UNTYPED_FIRST + i)] = Slot(Cap(CapType.UNTYPED, addr, size_bits=bits), None, ())
    ctx = list(root.ctx)
    ctx[ContextReg.X0] = len(blocks)
    cnode = state.objects[root.cspace]
    assert isinstance(cnode, CNode)
    objects = {**state.objects, state.current: root._replace(ctx=tuple(ctx)),
               root.cspace: cnode._replace(used=sum(ref[0] == root.cspace for ref in slots))}  # fmt: skip
    return state._replace(objects=objects, slots=slots)


def initial_state(trace: tracefile.Trace, built: kbuild.BuildResult) -> State:
    """The spec's boot state for the trace's machine and ``built``'s boot threads."""
    return initial_state_with(trace, boot_threads(built))


def initial_state_with(trace: tracefile.Trace, threads: Sequence[BootThread]) -> State:
    """The spec's boot state for the trace's machine, with a scenario's extra ``threads``: each
    in the root task's CSpace and VSpace, registers zero but PC and SP, a full time slice,
    runnable ones queued in table order behind nothing (the root task runs first). The kernel's
    boot keeps the further threads' TCBs out of the untyped regions it gives the root task (the
    upper range starts after the last boot TCB instead of the root task's), and so does this
    state."""
    end = threads[-1].tcb + _TCB_BYTES if threads else 0
    state = _untyped_after_threads(checker.initial_state(trace), len(threads), end)
    root = state.objects[state.current]
    assert isinstance(root, Tcb) and root.cspace is not None and root.vspace is not None
    objects = dict(state.objects)
    queues = {p: tuple(q) for p, q in state.queues.items()}
    for thread in threads:
        ctx = [0] * CONTEXT_REGS
        ctx[ContextReg.PC], ctx[ContextReg.SP] = thread.pc, thread.sp
        runnable = thread.start == layout.BootStart.RUNNABLE
        tid = thread.tcb
        objects[tid] = Tcb(tuple(ctx), RUNNING if runnable else INACTIVE, thread.priority, TIME_SLICE_TICKS,
                           root.cspace, root.vspace, NULL_CPTR, None, None, None)  # fmt: skip
        if runnable:
            queues[thread.priority] = (*queues.get(thread.priority, ()), tid)
    cnode, vspace = objects[root.cspace], objects[root.vspace]
    assert isinstance(cnode, CNode) and isinstance(vspace, VSpace)
    objects[root.cspace] = cnode._replace(tcb_refs=cnode.tcb_refs + len(threads))
    objects[root.vspace] = vspace._replace(tcb_refs=vspace.tcb_refs + len(threads))
    return state._replace(objects=objects, queues=queues)


def environment(config: dict[str, int], threads: Sequence[BootThread]) -> Callable[[tracefile.Record, State], State]:
    """The scenario's kernel actions outside the spec, applied before each transition: in SCHED,
    the tick numbered ``SCHED_WAKE_TICK`` first wakes the ``AT_WAKE_TICK`` boot thread."""
    ticks = 0
    wake_tick = config.get("SCHED_WAKE_TICK", DEFAULTS["SCHED_WAKE_TICK"])
    sleepers = [t.tcb for t in threads if t.start == layout.BootStart.AT_WAKE_TICK]

    def apply(event: tracefile.Record, state: State) -> State:
        nonlocal ticks
        if config.get("SCENARIO") != Scenario.SCHED or event.kind is not RecordType.TICK:
            return state
        ticks += 1
        if ticks != wake_tick:
            return state
        tx = Tx(state)
        for tid in sleepers:
            sched.wake(tx, tid)
        return tx.finish()[0]

    return apply


def _error(name: str, trace: Path | None, kind: str, message: str, start: float) -> report.Outcome:
    return report.Outcome(name, str(trace) if trace else None, error=kind, message=message,
                          seconds=time.monotonic() - start)  # fmt: skip


def refine(
    name: str,
    work: Path,
    *,
    source_dir: Path = kbuild.SOURCE_DIR,
    window: int = checker.DEFAULT_WINDOW,
    routine_for: Callable[[tracefile.Record], str | None] | None = None,
    replay: str | None = None,
    timeout: float = capture.RUN_TIMEOUT,
    schedule: capture.Schedule | None = None,
) -> report.Outcome:
    """Build scenario ``name`` from ``source_dir`` into ``work``, run it there with the
    checkpoints of ``schedule`` (besides the boot and final ones; default: one every
    :data:`CHECKPOINT_EVERY` transitions) and check it."""
    start = time.monotonic()
    schedule = schedule or capture.Schedule(CHECKPOINT_EVERY)
    config = {**SCENARIOS[name], "TRACE": 1}
    try:
        built = kbuild.build(work / "build", source_dir=source_dir, overrides=config)
    except BuildError as exc:
        return _error(name, None, "BuildError", str(exc), start)
    threads = boot_threads(built)
    replay = replay or replay_command(name, schedule)
    metadata = {"scenario": name, "config": config, "build_id": built.build_id, "replay": replay,
                "boot_threads": [t.to_json() for t in threads]}  # fmt: skip
    try:
        run = capture.capture(built.elf, work / "run", region=checkpoint_region(built), metadata=metadata,
                              timeout=timeout, schedule=schedule, console_input=INPUTS.get(name))  # fmt: skip
    except capture.CaptureError as exc:
        return _error(name, work / "run" / capture.CONTAINER_FILE, type(exc).__name__, str(exc), start)
    except qemu.QemuMissing as exc:
        return _error(name, None, "QemuMissing", str(exc), start)
    try:
        data = run.trace.read_bytes()
    except OSError:
        return _error(name, run.trace, "NoTrace", f"the kernel wrote no trace; console:\n{run.console_tail()}", start)
    try:
        trace = tracefile.decode(data, build_id=int(built.build_id, 16))
    except tracefile.TraceError as exc:
        return _error(name, run.trace, type(exc).__name__, f"{exc}; console:\n{run.console_tail()}", start)
    outcome, _ = checkpoints.check_run(
        name, trace, initial_state_with(trace, threads), run.checkpoints, run.status,
        console_tail=run.console_tail(), replay=replay, started=start, environment=environment(config, threads),
        window=window, routine_for=routine_for, trace_path=str(run.container),
    )  # fmt: skip
    return outcome
