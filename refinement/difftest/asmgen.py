"""Generating assembly programs (:mod:`mlk.refinement.difftest.asmprog`) with the spec alongside.

As for the script interpreter (:mod:`mlk.refinement.difftest.gen`), the spec runs while the
program is written, so each system call's ``x0``..``x10`` is drawn by the spec's own event
generator for the state it will most likely run in; a share of them gets a hostile word. What
this mode adds is every other register: ``x11``..``x30`` get drawn values (random words, hostile
words, small numbers) that the program checks after the call, SP sometimes gets a hostile value
(misaligned, a kernel address, zero, all ones) before a call, spins let ticks preempt a thread
whose every register is set, and faults on purpose happen at chosen addresses:

* data aborts (``LOAD``, ``STORE``) and instruction aborts (``JUMP``) at an address from
  :data:`FAULT_ADDRESSES` (unmapped user memory, the null page, the kernel's window, beyond the
  root image, the top of the user range, a non-canonical address), often with low bits set;
* PC alignment faults: a jump to a misaligned address, mapped or not;
* a misaligned or hostile SP followed by a load through it (``SP_LOAD``);
* undefined instructions;
* edges of the console UART's interrupt line (``UART_EDGE``), as in the interpreter mode and
  with the same prediction (:class:`mlk.refinement.difftest.gen.UartLine`): a share of programs
  (:data:`DEVICE_SHARE`) favours a device interrupt and one of its outcomes and makes the steps it
  needs first (the line's handler, a mapping of the UART's frame, a notification); any thread
  whose VSpace maps the frame while the line has a handler raises the line now and then. Every
  register is set before an edge and checked after it: the kernel's interrupt entry and exit
  must keep them all.

``tcb_write_registers`` is not drawn besides the kernel's gaps: a program that rewrites its own
registers would defeat its own register checks (the interpreter mode draws it). As there, a call
must keep the root image mapped and create objects where the checkpoints see them
(:func:`mlk.refinement.difftest.gen.acceptable`).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from hypothesis import strategies as st

from mlk.abi.labels import FaultLabel
from mlk.abi.objects import PAGE_BITS, ROOT_IMAGE_MAX_PAGES, ROOT_IMAGE_VADDR
from mlk.abi.platform import KernelWindow, Pl011, Platform
from mlk.abi.syscalls import ContextReg, Reg, Syscall
from mlk.model import gen as spec_gen
from mlk.model.events import Event, FaultEvent, SyscallEvent, TickEvent
from mlk.model.kernel import classify
from mlk.model.state import ObjId, State, Tcb
from mlk.refinement.difftest import answers, gen
from mlk.refinement.difftest.asmprog import (
    CORRUPT_STATUS,
    EDGE_VALUE,
    FAULTS,
    GPRS,
    SCRATCH,
    AsmOp,
    AsmProgram,
    AsmStep,
    AsmThread,
)
from mlk.refinement.difftest.program import ROOT_PRIORITY

#: Transitions this mode leaves out although the kernel implements them: a thread rewriting the
#: registers it checks.
SELF_CHECKED = frozenset({"tcb_write_registers"})
#: Transitions not drawn: the kernel's gaps, and :data:`SELF_CHECKED`.
EXCLUDE = gen.KERNEL_GAPS | SELF_CHECKED
#: Shares of steps that fault on purpose, spin, ask for a checkpoint; of calls with a hostile SP;
#: of calls whose x0..x10 get one hostile word.
FAULT_SHARE = 0.08
SPIN_SHARE = 0.08
CHECKPOINT_SHARE = 0.04
HOSTILE_SP_SHARE = 0.15
HOSTILE_SHARE = 0.1
#: Share of programs that favour a device interrupt (see :class:`_Writer`).
DEVICE_SHARE = 0.25
#: Addresses no user thread can access: faults on purpose happen there.
FAULT_ADDRESSES = (
    0x0,
    0x1000_0000,
    ROOT_IMAGE_VADDR + (ROOT_IMAGE_MAX_PAGES << PAGE_BITS),
    ROOT_IMAGE_VADDR - (1 << PAGE_BITS),
    (1 << 48) - (1 << PAGE_BITS),
    KernelWindow.BASE + Platform.KERNEL_BASE,
    KernelWindow.BASE + Platform.RAM_BASE,
    Platform.UART0_BASE,
    0x8000_0000_0000_0000,
)
#: Hostile stack pointers: misaligned, in the kernel's window, zero, all ones.
HOSTILE_SPS = (0x1, 0x7, ROOT_IMAGE_VADDR + 0x1003, KernelWindow.BASE + Platform.KERNEL_BASE, 0, (1 << 64) - 1,
               (1 << 64) - 16)  # fmt: skip
_SPIN_INSTRUCTIONS = 2
_TICK_INSTRUCTIONS = 100_000
_TRIES = 8
_MASK = (1 << 64) - 1


def _word(rng: random.Random, events: spec_gen.EventGen) -> int:
    roll = rng.random()
    if roll < 0.3:
        return events.word()
    if roll < 0.5:
        return rng.randrange(256)
    return rng.getrandbits(64)


def _fault(rng: random.Random) -> tuple[AsmOp, int, int]:
    """A fault on purpose: the operation, its operand and the fault kind the spec will see."""
    roll = rng.randrange(6)
    address = rng.choice(FAULT_ADDRESSES) + (rng.randrange(8) if rng.random() < 0.4 else 0)
    if roll == 0:
        return AsmOp.LOAD, address, FaultLabel.DATA_ABORT
    if roll == 1:
        return AsmOp.STORE, address, FaultLabel.DATA_ABORT
    if roll == 2:
        return AsmOp.JUMP, address & ~3, FaultLabel.INSTRUCTION_ABORT
    if roll == 3:
        base = rng.choice((ROOT_IMAGE_VADDR + (1 << PAGE_BITS), address & ~3))
        return AsmOp.JUMP, base + rng.choice((1, 2, 3)), FaultLabel.PC_ALIGNMENT
    if roll == 4:
        return AsmOp.SP_LOAD, address, FaultLabel.DATA_ABORT
    return AsmOp.UNDEF, 0, FaultLabel.UNDEFINED_INSTRUCTION


class _Writer:
    """The spec-driven writer of :func:`generate`."""

    def __init__(self, rng: random.Random, exclude: frozenset[str], device: bool | None = None) -> None:
        self.rng = rng
        self.exclude = exclude
        self.events = spec_gen.EventGen(rng)
        #: Whether the program favours a device interrupt (``device``; drawn when ``None``): then
        #: each system call is the next step of the UART line's setup while one is due (programs
        #: are short), for a drawn outcome.
        drawn = "device_irq" not in exclude and rng.random() < DEVICE_SHARE
        self.device = drawn if device is None else device
        want = rng.choice(answers.DEVICE_IRQ_OUTCOMES) if self.device else None
        self.uart = gen.UartLine(rng, want, gen.EDGE_SHARE_FOCUSED if self.device else gen.EDGE_SHARE)

    def registers(self) -> list[int]:
        """Values for x0..x30."""
        return [_word(self.rng, self.events) for _ in range(GPRS)]

    def syscall(self, state: State, tail: tuple[int, ...]) -> SyscallEvent:
        """A system call for the spec's current thread, not in ``exclude`` (else a Yield)."""
        if self.rng.random() < CHECKPOINT_SHARE:
            regs = [0] * (Reg.RECV_SLOT + 1)
            regs[Reg.SYSNO] = Syscall.DEBUG_CHECKPOINT
            return SyscallEvent((*regs, *tail))
        if self.device:
            tcb = state.objects[state.current]
            assert isinstance(tcb, Tcb)
            caps = {i: sl.cap for (c, i), sl in state.slots.items() if c == tcb.cspace}
            setup = self.uart.setup(state, tcb, caps) if tcb.cspace is not None else None
            if setup is not None:
                return SyscallEvent((*setup.ctx[: Reg.RECV_SLOT + 1], *tail))
        for _ in range(_TRIES):
            event = self.events.event(state)
            if not isinstance(event, SyscallEvent):
                continue
            regs = list(event.ctx[: Reg.RECV_SLOT + 1])
            if self.rng.random() < HOSTILE_SHARE:
                regs[self.rng.randrange(len(regs))] = self.events.word()
            if regs[Reg.SYSNO] == Syscall.DEBUG_HALT:
                regs[Reg.CPTR] &= ~CORRUPT_STATUS  # statuses from CORRUPT_STATUS on are the checks'
            candidate = SyscallEvent((*regs, *tail))
            if classify(state, candidate) not in self.exclude and gen.acceptable(state, candidate):
                return candidate
        regs = [0] * (Reg.RECV_SLOT + 1)
        regs[Reg.SYSNO] = Syscall.YIELD
        return SyscallEvent((*regs, *tail))

    def step(self, state: State, tid: ObjId) -> tuple[AsmStep, list[Event]]:
        """The next step of thread ``tid`` (the spec's current thread) and its events."""
        tcb = state.objects[tid]
        assert isinstance(tcb, Tcb)
        regs = self.registers()
        sp = self.rng.choice(HOSTILE_SPS) if self.rng.random() < HOSTILE_SP_SHARE else None
        tail = (sp if sp is not None else tcb.ctx[ContextReg.SP], tcb.ctx[ContextReg.PC])
        # Faults and spins at the top of the roll, as in the interpreter mode: the first programs
        # Hypothesis draws are made of zeros, and they should make system calls, not stop at once.
        roll = 1 - self.rng.random()
        if roll <= FAULT_SHARE and "user_fault" not in self.exclude:
            op, value, kind = _fault(self.rng)
            return AsmStep(op, tuple(regs), value & _MASK, sp), [FaultEvent(kind, 0, 0, (*regs[:11], *tail))]
        if roll <= FAULT_SHARE + SPIN_SHARE:
            iterations = self.rng.choice((1_000, 60_000, 160_000))
            ticks = iterations * _SPIN_INSTRUCTIONS // _TICK_INSTRUCTIONS
            return AsmStep(AsmOp.SPIN, tuple(regs), iterations, sp), [TickEvent()] * ticks
        vaddr = self.uart.edge(state, tid)
        if vaddr is not None:
            regs[SCRATCH], regs[EDGE_VALUE] = vaddr, Pl011.INT_TX  # what the step loads into them
            edge = self.uart.raised(state, (*regs[: Reg.RECV_SLOT + 1], *tail))
            return AsmStep(AsmOp.UART_EDGE, tuple(regs), vaddr, sp), edge
        event = self.syscall(state, tail)
        regs[: Reg.RECV_SLOT + 1] = event.ctx[: Reg.RECV_SLOT + 1]
        return AsmStep(AsmOp.SYSCALL, tuple(regs), 0, sp), [event]


def generate(
    initial: State,
    tids: list[ObjId],
    priorities: list[int],
    lengths: list[int],
    rng: random.Random,
    exclude: frozenset[str] = EXCLUDE,
    device: bool | None = None,
) -> AsmProgram:
    """A program for threads ``tids`` (root task first) at ``priorities``, each of at most
    ``lengths[i]`` steps, written while the spec runs from ``initial``; a thread's fault on purpose
    is its last step. It favours a device interrupt when ``device`` says so (drawn when ``None``)."""
    steps = gen.write_scripts(initial, tids, lengths, _Writer(rng, exclude, device), lambda s: s.op in FAULTS)
    return AsmProgram(tuple(AsmThread(p, tuple(s)) for p, s in zip(priorities, steps, strict=True)))


#: Bounds of the drawn programs: each system call step is some 60 instructions and 50 literal
#: words, and every program is a kernel build.
MAX_EXTRA_THREADS = 2
MAX_STEPS = 6
#: Steps the root task of a program made to favour a device interrupt makes at least: the line's
#: handler, the mapping of the UART's frame, then room for an edge or two.
MIN_DEVICE_STEPS = 5


def programs(
    boot_state: Callable[[list[int]], tuple[State, list[ObjId]]],
    exclude: frozenset[str] = EXCLUDE,
    max_extra_threads: int = MAX_EXTRA_THREADS,
    max_steps: int = MAX_STEPS,
    device: bool | None = None,
) -> st.SearchStrategy[AsmProgram]:
    """Programs of a root task and up to ``max_extra_threads`` boot threads, each of up to
    ``max_steps`` steps (see :func:`mlk.refinement.difftest.gen.programs`), favouring a device
    interrupt when ``device`` says so (each program draws whether when ``None``); when it says so,
    the root task makes at least :data:`MIN_DEVICE_STEPS` steps."""
    least = min(MIN_DEVICE_STEPS, max_steps) if device else 0

    @st.composite
    def draw_program(draw: st.DrawFn) -> AsmProgram:
        extra = draw(st.lists(st.integers(1, ROOT_PRIORITY - 1), max_size=max_extra_threads))
        priorities = [ROOT_PRIORITY, *extra]
        root = draw(st.integers(least, max_steps))
        lengths = [root, *draw(st.lists(st.integers(0, max_steps), min_size=len(extra), max_size=len(extra)))]
        rng = draw(st.randoms(use_true_random=False))
        state, tids = boot_state(extra)
        return generate(state, tids, priorities, lengths, rng, exclude, device)

    return draw_program()

