"""Programs for the scripted interpreter (``kernel_aarch64/asm/user/interp.S``): their model,
their layout in the built image, their readable form and their JSON form (the regression corpus).

A :class:`Program` is one script per thread. Thread 0 is the root task (the spec's boot makes it
at the highest priority); the others become boot threads of the image's ``boot_threads`` table at
their own priorities, all in the root task's CSpace and VSpace. The harness appends a *finisher*:
a thread at priority 0 (below every generated thread) whose script is DebugHalt(0), so that the
machine halts once no generated thread can run any more (all stopped, blocked or done), unless a
generated DebugHalt stopped it first.

A script is a sequence of :class:`Step`: an :class:`Op` and the values of ``x0``..``x10``. Every
script ends with ``Op.END`` (an undefined instruction: the thread stops), also when the steps
before it were expected to stop the thread already.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from mlk.abi import layout, msginfo
from mlk.abi.labels import Label
from mlk.abi.objects import NUM_PRIORITIES, PAGE_BITS
from mlk.abi.syscalls import Reg, Syscall

#: Registers a step loads: x0..x10.
STEP_REGS = Reg.RECV_SLOT + 1
#: Words per step in the image (the operation, then the registers), as interp.S reads them.
STEP_WORDS = 1 + STEP_REGS
STEP_BYTES = 8 * STEP_WORDS
#: The script region's size in interp.S (INTERP_SCRIPT_PAGES).
SCRIPT_BYTES = 8 << PAGE_BITS
#: Most threads of a program: the boot's thread limit, less the finisher.
MAX_THREADS = layout.BOOT_MAX_THREADS - 1
#: The finisher's priority; generated boot threads run above it.
FINISHER_PRIORITY = 0
#: The root task's priority (the spec's boot).
ROOT_PRIORITY = NUM_PRIORITIES - 1


class Op(IntEnum):
    """What a step does (``INTERP_OP_*`` in interp.S)."""

    END = 0
    SYSCALL = 1
    LOAD = 2
    JUMP = 3
    SPIN = 4
    UNDEF = 5
    #: Raise the console UART's interrupt line once through its device frame mapped at ``x0``.
    UART_EDGE = 6


@dataclass(frozen=True)
class Step:
    """One step of a script: ``op`` with ``regs`` (x0..x10) loaded first."""

    op: Op
    regs: tuple[int, ...]

    def render(self) -> str:
        """One readable line: the call by name with its arguments, or the fault on purpose."""
        x = self.regs
        if self.op is Op.SYSCALL:
            name = Syscall(x[Reg.SYSNO]).name if x[Reg.SYSNO] in Syscall._value2member_map_ else f"#{x[Reg.SYSNO]}"
            info = msginfo.LABEL.get(x[Reg.MSGINFO])
            label = Label(info).name if info in Label._value2member_map_ else str(info)
            mrs = ", ".join(f"{v:#x}" for v in x[Reg.MR0 : Reg.SYSNO])
            return (f"{name}(cptr={x[Reg.CPTR]:#x}, info={x[Reg.MSGINFO]:#x} [label {label}, "
                    f"length {msginfo.LENGTH.get(x[Reg.MSGINFO])}], mrs=({mrs}), xfer={x[Reg.XFER_CAP]:#x}, "
                    f"recv={x[Reg.RECV_SLOT]:#x})")  # fmt: skip
        if self.op in (Op.LOAD, Op.JUMP):
            return f"{self.op.name.lower()} from {x[0]:#x} (a fault on purpose)"
        if self.op is Op.SPIN:
            return f"spin {x[0]} iterations"
        if self.op is Op.UART_EDGE:
            return f"raise the UART's interrupt line (its device frame mapped at {x[0]:#x})"
        return f"{self.op.name.lower()} (an undefined instruction: the thread stops)"


@dataclass(frozen=True)
class Thread:
    """A thread of a program: its priority and its script."""

    priority: int
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Program:
    """One script per thread; thread 0 is the root task."""

    threads: tuple[Thread, ...]

    @property
    def syscalls(self) -> int:
        """The number of system call steps."""
        return sum(s.op is Op.SYSCALL for t in self.threads for s in t.steps)

    def render(self) -> str:
        """The program, readably: a block per thread, a numbered line per step."""
        lines = []
        for i, t in enumerate(self.threads):
            who = "root task" if i == 0 else "boot thread"
            lines.append(f"thread {i} ({who}, priority {t.priority}):")
            lines += [f"  {n:3d}. {s.render()}" for n, s in enumerate(t.steps)] or ["  (no steps)"]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The JSON form (:func:`from_json` reads it back)."""
        return {
            "threads": [
                {"priority": t.priority, "steps": [[s.op.name.lower(), *s.regs] for s in t.steps]} for t in self.threads
            ]
        }


def from_json(data: dict[str, Any]) -> Program:
    """The program of :meth:`Program.to_json`'s form."""
    return Program(
        tuple(
            Thread(int(t["priority"]), tuple(Step(Op[s[0].upper()], tuple(int(v) for v in s[1:])) for s in t["steps"]))
            for t in data["threads"]
        )
    )


def finisher() -> Thread:
    """The thread that halts the machine with status 0 once nothing above it can run."""
    regs = [0] * STEP_REGS
    regs[Reg.SYSNO] = Syscall.DEBUG_HALT
    return Thread(FINISHER_PRIORITY, (Step(Op.SYSCALL, tuple(regs)),))


class TooLarge(ValueError):
    """The program does not fit the image's script region or thread table."""


@dataclass(frozen=True)
class Symbols:
    """Where interp.S's parts are in the image (physical = link addresses)."""

    base: int
    boot_threads: int
    thread_entry: int
    scripts: int


def write_image(image: bytearray, program: Program, sym: Symbols) -> None:
    """Write ``program`` (with the finisher) into the INTERP build's image bytes: the boot
    thread table and the scripts, each followed by an END step."""
    threads = (*program.threads, finisher())
    if len(threads) - 1 > MAX_THREADS:
        raise TooLarge(f"{len(program.threads)} threads: at most {MAX_THREADS} with the root task")
    scripts = bytearray()
    starts = []
    for t in threads:
        starts.append(sym.scripts + len(scripts))
        for s in (*t.steps, Step(Op.END, (0,) * STEP_REGS)):
            scripts += struct.pack(f"<{STEP_WORDS}Q", s.op, *(v & (2**64 - 1) for v in s.regs))
    if len(scripts) > SCRIPT_BYTES:
        raise TooLarge(f"the scripts take {len(scripts)} bytes: at most {SCRIPT_BYTES}")
    offset = sym.scripts - sym.base
    image[offset : offset + SCRIPT_BYTES] = scripts.ljust(SCRIPT_BYTES, b"\0")
    table = struct.pack("<Q", len(threads) - 1)
    for t, start in zip(threads[1:], starts[1:], strict=True):
        table += struct.pack("<4Q", sym.thread_entry, start, t.priority, layout.BootStart.RUNNABLE)
    offset = sym.boot_threads - sym.base
    image[offset : offset + len(table)] = table
