"""Generating programs with the spec alongside: arguments chosen knowing the current CSpace.

:func:`generate` runs the spec while it writes the scripts. It starts from the spec's boot state
for the program's threads (the state the checker will start from), and repeatedly gives the
*spec's current thread* its next step, then applies the step's event to the spec. So each step is
drawn for the state in which it will most likely run: which capabilities the thread holds, which
slots are free, which threads are alive (:class:`mlk.model.gen.EventGen` chooses the system call
and its arguments from that state: mostly calls that pass the first checks, some hostile ones).
On top, a share of steps gets one register replaced by a hostile value (bad CPtrs, huge or odd
numbers), some threads fault on purpose (a load from the kernel's window or from unmapped memory,
a jump to an unmapped or misaligned address, an undefined instruction) and some spin long enough
for timer ticks to preempt them. The real interleaving can differ from the spec's prediction
(ticks fall where they fall): the checker checks whatever the kernel did.

``exclude`` names transitions (:func:`mlk.model.kernel.classify`) not to draw: the differential
tests leave out what the kernel does not implement yet (:data:`KERNEL_GAPS`), so that the other
transitions are tested deep instead of every program stopping at the first gap.

:func:`programs` is the Hypothesis strategy: the thread count, priorities and script lengths are
drawn directly, every other choice through a Hypothesis-controlled ``random.Random``
(``st.randoms``), so that a failing program shrinks.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from typing import Protocol, TypeVar

from hypothesis import strategies as st

from mlk.abi import msginfo
from mlk.abi.labels import FaultLabel, Label
from mlk.abi.objects import CNODE_MIN_RADIX, PAGE_BITS, ROOT_IMAGE_VADDR, CapType, IrqState, ObjectType, RootSlot
from mlk.abi.platform import Gicd, KernelWindow, Platform
from mlk.abi.rights import ALL_RIGHTS, Right
from mlk.abi.syscalls import ContextReg, Reg, Syscall
from mlk.model import gen as spec_gen
from mlk.model import vm
from mlk.model.boot import boot
from mlk.model.events import Event, FaultEvent, IrqEvent, SyscallEvent, TickEvent, syscall_event
from mlk.model.kernel import TRANSITIONS, classify, step
from mlk.model.state import Cap, Machine, ObjId, State, Tcb
from mlk.model.tx import Tx
from mlk.refinement.difftest import answers, directed, sites
from mlk.refinement.difftest.program import ROOT_PRIORITY, STEP_REGS, Op, Program, Step, Thread

#: The transitions the kernel implements and the generator draws: all of the spec's. A device
#: interrupt comes from the console UART: a program holding the UART line's handler and a mapping
#: of the UART's device frame raises its line (``Op.UART_EDGE``, see ``_Writer.edge``).
#: A CAP_FAULT of a thread without a fault endpoint stops it exactly as the
#: kernel's unknown-system-call fault does, so it is observably implemented.
KERNEL_TRANSITIONS = frozenset(
    {
        "halted", "idle", "tick", "user_fault", "unknown_syscall", "cap_fault", "yield", "debug_putchar",
        "debug_halt", "illegal_invocation", "untyped_retype", "cnode_copy", "cnode_mint", "cnode_move",
        "cnode_mutate", "cnode_delete", "cnode_revoke", "tcb_configure", "tcb_set_priority", "tcb_suspend",
        "tcb_resume", "tcb_read_registers", "tcb_write_registers", "frame_map", "frame_unmap", "page_table_map",
        "page_table_unmap", "debug_checkpoint", "endpoint_send", "endpoint_receive", "reply",
        "notification_signal", "notification_wait", "tcb_bind_notification", "tcb_unbind_notification",
        "irq_control_issue", "irq_handler_set_notification", "irq_handler_ack", "irq_handler_clear", "device_irq",
    }
)  # fmt: skip
#: The transitions of the spec the kernel does not implement (none today): not drawn by default,
#: and a corpus program that fails after reaching one is an expected failure.
KERNEL_GAPS = frozenset(TRANSITIONS) - KERNEL_TRANSITIONS

#: Share of steps that fault on purpose, spin, or get a hostile register.
FAULT_SHARE = 0.04
SPIN_SHARE = 0.03
HOSTILE_SHARE = 0.1
#: Instructions per spin iteration (interp.S) and per tick (mlk.abi.platform).
_SPIN_INSTRUCTIONS = 2
_TICK_INSTRUCTIONS = 100_000
#: Draws of the spec's generator for one system call step (see ``_Writer.syscall``).
_TRIES = 16
#: Transitions a program does not favour: no system call makes them, or any program makes them.
_UNFOCUSED = frozenset({"halted", "idle", "tick", "user_fault", "debug_halt"})
#: The transitions a program can favour (``focus``, ``mlk difftest --focus``).
FOCUSABLE = frozenset(TRANSITIONS) - _UNFOCUSED
#: Transitions that stop a thread without a fault handler (every thread of a program), or the
#: machine: drawn candidates of them are mostly passed over, so that a program lives to reach
#: its focus.
_STOPPERS = frozenset({"cap_fault", "unknown_syscall", "debug_halt"})
KEEP_GOING = 0.75
#: Share of the steps of a thread that may raise the UART's line (see ``_Writer.edge``) that do,
#: in a program favouring a device interrupt and in any other.
EDGE_SHARE_FOCUSED = 0.3
EDGE_SHARE = 0.1
#: Where a program favouring a device interrupt maps the UART's device frame: the first free
#: page from here, within the level-3 table that maps the root task's image.
UART_VADDR = ROOT_IMAGE_VADDR + 0x10_0000
#: Addresses for faults on purpose: the kernel's window (EL1 only), unmapped user memory.
KERNEL_ADDRESS = KernelWindow.BASE + Platform.KERNEL_BASE
UNMAPPED_ADDRESS = 0x1000_0000


def _fault_step(rng: random.Random) -> tuple[Step, int]:
    """A fault on purpose and the fault kind the spec will see (any kind stops the thread)."""
    zero = (0,) * (STEP_REGS - 1)
    roll = rng.randrange(5)
    if roll == 0:
        return Step(Op.LOAD, (KERNEL_ADDRESS, *zero)), FaultLabel.DATA_ABORT
    if roll == 1:
        return Step(Op.LOAD, (UNMAPPED_ADDRESS + (rng.randrange(4) << PAGE_BITS), *zero)), FaultLabel.DATA_ABORT
    if roll == 2:
        return Step(Op.JUMP, (UNMAPPED_ADDRESS, *zero)), FaultLabel.INSTRUCTION_ABORT
    if roll == 3:
        return Step(Op.JUMP, (Platform.KERNEL_BASE + rng.choice((1, 2, 3)), *zero)), FaultLabel.PC_ALIGNMENT
    return Step(Op.UNDEF, (0,) * STEP_REGS), FaultLabel.UNDEFINED_INSTRUCTION


@functools.cache
def _image(machine: Machine) -> tuple[ObjId, tuple[int, ...]]:
    """The root task's VSpace and the addresses of its image's pages, as the boot maps them."""
    root = boot(machine)
    tcb = root.objects[root.current]
    assert isinstance(tcb, Tcb) and tcb.vspace is not None
    return tcb.vspace, tuple(ROOT_IMAGE_VADDR + (i << PAGE_BITS) for i in range(machine.root_image_pages))


def acceptable(state: State, event: SyscallEvent) -> bool:
    """Whether a program may make system call ``event`` in ``state``: the root task's image stays
    mapped (every thread of a program runs the interpreter and its script from it: a Frame Unmap
    or a Delete of an image frame's capability would stop them all, the finisher too, and the run
    would never end), and every object it creates lies below the kernel image, in the untyped
    region the final memory checkpoint holds."""
    after = step(state, event)[0]
    new = [addr for addr in after.objects if addr not in state.objects]
    new += [sl.cap.obj for ref, sl in after.slots.items() if ref not in state.slots and sl.cap.type == CapType.UNTYPED]
    if any(addr >= state.machine.kernel_base for addr in new):
        return False
    vspace, pages = _image(state.machine)
    tx = Tx(after)
    for vaddr in pages:
        leaf = vm.walk(tx, vspace, vaddr, vm.LEAF_LEVEL)
        if leaf is None or vm.table_index(vaddr, vm.LEAF_LEVEL) not in tx.table(leaf).entries:
            return False
    return True


def uart_mapping(state: State, tcb: Tcb) -> int | None:
    """A virtual address at which thread ``tcb``'s VSpace maps the UART's device frame
    writable, ``None`` when it does not."""
    if tcb.vspace is None:
        return None
    tx = Tx(state)
    for sl in state.slots.values():
        cap = sl.cap
        if cap.type != CapType.FRAME or cap.obj != state.machine.console_base or cap.mapped is None:
            continue
        vspace, vaddr = cap.mapped
        leaf = vm.walk(tx, vspace, vaddr, vm.LEAF_LEVEL) if vspace == tcb.vspace else None
        entry = tx.table(leaf).entries.get(vm.table_index(vaddr, vm.LEAF_LEVEL)) if leaf is not None else None
        if entry is not None and entry.rights & Right.WRITE:
            return vaddr
    return None


_TCB_OPERATIONS = ("configure", "set_priority", "suspend", "resume", "read_registers", "write_registers")
#: Focus transitions that need a capability to an object of some kind (a TCB other than the
#: thread's own), and that kind: a program that favours one of them creates such an object first
#: (see ``_Writer.prerequisite``).
_NEEDS: dict[str, ObjectType] = {
    **{f"tcb_{op}": ObjectType.TCB for op in _TCB_OPERATIONS},
    "endpoint_send": ObjectType.ENDPOINT,
    "endpoint_receive": ObjectType.ENDPOINT,
    "notification_signal": ObjectType.NOTIFICATION,
    "notification_wait": ObjectType.NOTIFICATION,
    "tcb_bind_notification": ObjectType.NOTIFICATION,
    "tcb_unbind_notification": ObjectType.NOTIFICATION,
    "frame_map": ObjectType.FRAME,
    "frame_unmap": ObjectType.FRAME,
    "page_table_map": ObjectType.PAGE_TABLE,
    "page_table_unmap": ObjectType.PAGE_TABLE,
    # A CNode of its own, the youngest child of an untyped capability, made busy by a copy into
    # it: Revoke of the untyped capability then fails with DELETE_FIRST (see RECIPES).
    "cnode_revoke:DELETE_FIRST": ObjectType.CNODE,
    # A notification to give the IRQ handler (besides the handler itself, see _NEEDS_HANDLER).
    "irq_handler_set_notification:OK": ObjectType.NOTIFICATION,
}
#: Focus transitions that need an IRQ handler capability: a program that favours one of them
#: issues one first (see ``_Writer.prerequisite``).
_NEEDS_HANDLER = frozenset({"irq_handler_set_notification", "irq_handler_ack", "irq_handler_clear"})
#: Share of a focused program's steps that create its focus's object while the thread has none.
PREREQUISITE_SHARE = 0.5
#: Share of the other steps of a program that favours an invocation which make that invocation
#: (when the thread holds a capability it applies to).
FOCUS_SHARE = 0.25
#: Share of the steps of a program aiming at an answer that make an invocation aimed at it
#: (directed.aimed), and how many times the candidates when it aims at an error check (most
#: candidates that get the answer fail at another check of the same code).
AIMED_SHARE = 0.5
SITE_TRIES = 8


def _mint(rights: int, badge: int, kinds: tuple[CapType, ...]) -> Callable[[State], SyscallEvent | None]:
    """A recipe step: a CNode Mint by the current thread of its first unbadged capability of one
    of ``kinds`` into a free slot of its CSpace root, with ``rights`` and ``badge``."""

    def mint(state: State) -> SyscallEvent | None:
        tcb = state.objects[state.current]
        assert isinstance(tcb, Tcb)
        caps = {i: sl.cap for (c, i), sl in state.slots.items() if c == tcb.cspace}
        roots = [i for i, c in caps.items() if c.type == CapType.CNODE and c.obj == tcb.cspace]
        sources = [i for i, c in caps.items() if c.type in kinds and c.badge == 0]
        free = [i for i in range(RootSlot.FREE_FIRST, RootSlot.FREE_FIRST + 24) if i not in caps]
        if not (roots and sources and free):
            return None
        info = msginfo.pack(Label.CNODE_MINT, 5)
        return syscall_event(Syscall.CALL, cptr=roots[0], msginfo=info,
                             mrs=(free[0], roots[0], sources[0], rights, badge))  # fmt: skip

    return mint


def retype_call(state: State, kind: ObjectType, pick: Callable[[list[int]], int], count: int) -> SyscallEvent | None:
    """An Untyped Retype by the current thread of ``count`` objects of ``kind`` into a free slot
    of its CSpace root from an untyped region below the kernel, the region and slot chosen by
    ``pick``; ``None`` when it lacks those, or the call is not :func:`acceptable`."""
    tcb = state.objects[state.current]
    assert isinstance(tcb, Tcb)
    caps = {i: sl.cap for (c, i), sl in state.slots.items() if c == tcb.cspace}
    untyped = [i for i, c in caps.items() if c.type == CapType.UNTYPED and c.obj < state.machine.kernel_base]
    roots = [i for i, c in caps.items() if c.type == CapType.CNODE and c.obj == tcb.cspace]
    free = [i for i in range(RootSlot.FREE_FIRST, RootSlot.FREE_FIRST + 24) if i not in caps]
    if not (untyped and roots and free):
        return None
    info = msginfo.pack(Label.UNTYPED_RETYPE, 5)
    size = CNODE_MIN_RADIX if kind == ObjectType.CNODE else 0
    event = syscall_event(Syscall.CALL, cptr=pick(untyped), msginfo=info,
                          mrs=(kind, size, roots[0], pick(free), count))  # fmt: skip
    return event if acceptable(state, event) else None


def _retype(kind: ObjectType) -> Callable[[State], SyscallEvent | None]:
    """A recipe step: :func:`retype_call` of one object of ``kind`` (the first region, the first
    free slot)."""
    return lambda state: retype_call(state, kind, lambda found: found[0], 1)


_BADGEABLE = (CapType.ENDPOINT, CapType.NOTIFICATION)
#: The state some targets need, as aimed steps a program favouring them makes first, once each, in
#: order (keyed by ``transition:answer``, else by transition): a mapping to unmap, a binding to
#: undo, capabilities with children (Retype makes the untyped capability a parent; a copy of a
#: copy makes a child with children), an object one of whose capabilities is busy.
RECIPES: dict[str, tuple[str | Callable[[State], SyscallEvent | None], ...]] = {
    "frame_unmap": ("frame_map:OK",),
    "page_table_unmap:OK": ("page_table_map:OK",),
    "tcb_unbind_notification:OK": ("tcb_bind_notification:OK",),
    "tcb_bind_notification:ILLEGAL_OPERATION": ("tcb_bind_notification:OK",),
    "cnode_move:REVOKE_FIRST": ("untyped_retype:OK",),
    "cnode_mutate:REVOKE_FIRST": ("untyped_retype:OK",),
    "cnode_delete:REVOKE_FIRST": ("untyped_retype:OK",),
    "cnode_revoke:REVOKE_FIRST": ("untyped_retype:OK", "cnode_copy:OK", "cnode_copy:OK"),
    "cnode_revoke:DELETE_FIRST": (directed.fill_cnode,),
    # Error checks that an earlier check of the same code hides (see .sites): a badged capability
    # to badge again, a notification capability without WRITE or without READ, a notification
    # bound to another thread.
    "site:set_badge:ILLEGAL_OPERATION": (_retype(ObjectType.NOTIFICATION), _mint(ALL_RIGHTS, 5, _BADGEABLE)),
    "site:irq_set_notification:INVALID_CAPABILITY": (
        _retype(ObjectType.NOTIFICATION), _mint(Right.READ, 0, (CapType.NOTIFICATION,))),
    "site:bind_notification:INVALID_CAPABILITY": (
        _retype(ObjectType.NOTIFICATION), _mint(Right.WRITE, 0, (CapType.NOTIFICATION,))),
    "site:bind_notification:ILLEGAL_OPERATION#2": (_retype(ObjectType.TCB), "tcb_bind_notification:OK"),
}


@functools.cache
def targets(exclude: frozenset[str] = KERNEL_GAPS) -> list[str]:
    """What programs favour when no focus is given, one drawn per program: every transition a
    system call can make (not in ``exclude``), and every answer each invocation among them can
    give (``transition:ANSWER``, :func:`.answers.possible_errors`), and every outcome of a device
    interrupt (``device_irq:SIGNAL``, :data:`.answers.DEVICE_IRQ_OUTCOMES`) -- the targets of the
    spec coverage (:mod:`.speccov`)."""
    names = sorted(FOCUSABLE - exclude)
    possible = answers.possible_answers()
    return [*names, *(f"{n}:{e}" for n in names for e in possible.get(n, ()))]


def split_focus(focus: str) -> tuple[str, str | None]:
    """A focus names a transition (``cnode_move``) or an invocation and one of its answers
    (``cnode_move:REVOKE_FIRST``, as :meth:`.speccov.SpecCoverage.missed` names a missed target):
    the transition and the answer."""
    name, _, want = focus.partition(":")
    return name.strip(), want.strip() or None


def issue_call(
    rng: random.Random, state: State, root: ObjId, caps: dict[int, Cap], line: int | None = None
) -> SyscallEvent | None:
    """An IRQControl Issue of ``line`` (default: an inactive line drawn with ``rng``) into a free
    slot of CSpace root ``root`` (whose capabilities are ``caps``), when the thread holds no IRQ
    handler capability for it but IRQ control and its root's CNode capability; ``None``
    otherwise."""
    if any(c.type == CapType.IRQ_HANDLER and (line is None or c.obj == line) for c in caps.values()):
        return None
    controls = [i for i, c in caps.items() if c.type == CapType.IRQ_CONTROL]
    roots = [i for i, c in caps.items() if c.type == CapType.CNODE and c.obj == root]
    free = [i for i in range(RootSlot.FREE_FIRST, RootSlot.FREE_FIRST + 24) if i not in caps]
    lines = [n for n in range(Gicd.FIRST_SPI, state.machine.irq_lines) if n not in state.irqs]
    if line is not None:
        lines = [line] if line not in state.irqs else []
    if not (controls and roots and free and lines):
        return None
    info = msginfo.pack(Label.IRQ_CONTROL_ISSUE, 3)
    return syscall_event(Syscall.CALL, cptr=controls[0], msginfo=info,
                         mrs=(rng.choice(lines[:16]), roots[0], rng.choice(free)))  # fmt: skip


class UartLine:
    """The console UART's interrupt line in a program being written, for both program kinds (the
    interpreter's ``UART_EDGE`` step, the assembly's): the steps that make a device interrupt
    possible, for a program favouring outcome ``want`` of it (:meth:`setup`), when a thread raises
    the line (:meth:`edge`, a share ``share`` of the steps that can), and what the spec sees of an
    edge (:meth:`raised`, :meth:`after`)."""

    def __init__(self, rng: random.Random, want: str | None, share: float) -> None:
        self.rng = rng
        self.want = want
        self.share = share
        #: Whether an edge of the UART's line is pending at the distributor (raised while the
        #: line was masked): it arrives once the line is unmasked (see :meth:`after`).
        self.pending = False

    def setup(self, state: State, tcb: Tcb, caps: dict[int, Cap]) -> SyscallEvent | None:
        """What a program favouring a device interrupt still needs, in order: the UART line's
        handler (IRQControl Issue), a mapping of the UART's device frame (Frame Map at the first
        free page from :data:`UART_VADDR`), a notification (Retype, often a badged copy: Mint) and
        the line's notification (SetNotification; for NO_NOTIFICATION the line's Clear instead),
        then, once the line is masked, its Ack (for AFTER_ACK only once an edge is pending);
        ``None`` once all is there (or what is missing cannot be made)."""
        assert tcb.cspace is not None
        line = state.machine.console_irq
        if line not in state.irqs:
            return issue_call(self.rng, state, tcb.cspace, caps, line)
        if uart_mapping(state, tcb) is None:
            frames = [i for i, c in caps.items() if c.type == CapType.FRAME and c.obj == state.machine.console_base
                      and c.mapped is None]  # fmt: skip
            vspaces = [i for i, c in caps.items() if c.type == CapType.VSPACE and c.obj == tcb.vspace]
            if not (frames and vspaces):
                return None
            info, rights = msginfo.pack(Label.FRAME_MAP, 3), Right.READ | Right.WRITE
            for page in range(8):
                event = syscall_event(Syscall.CALL, cptr=frames[0], msginfo=info,
                                      mrs=(vspaces[0], UART_VADDR + (page << PAGE_BITS), rights))  # fmt: skip
                if answers.answer(state, event) == "OK" and acceptable(state, event):
                    return event
            return None
        handlers = [i for i, c in caps.items() if c.type == CapType.IRQ_HANDLER and c.obj == line]
        irq = state.irqs[line]
        if not handlers or irq.state != IrqState.SIGNAL:
            return None
        if (irq.ntfn is None) != (self.want == "NO_NOTIFICATION"):
            if irq.ntfn is not None:
                return syscall_event(Syscall.CALL, cptr=handlers[0], msginfo=msginfo.pack(Label.IRQ_HANDLER_CLEAR, 0))
            ntfns = [i for i, c in caps.items() if c.type == CapType.NOTIFICATION and c.rights & Right.WRITE]
            if not ntfns:
                return retype_call(state, ObjectType.NOTIFICATION, self.rng.choice, 1)
            if not any(caps[i].badge for i in ntfns) and self.rng.random() < 0.5:
                # A badged copy, so that the signal's badge shows which capability the line has.
                return _mint(ALL_RIGHTS, self.rng.randrange(1, 1 << 16), (CapType.NOTIFICATION,))(state)
            info = msginfo.pack(Label.IRQ_HANDLER_SET_NOTIFICATION, 1)
            return syscall_event(Syscall.CALL, cptr=handlers[0], msginfo=info, mrs=(self.rng.choice(ntfns),))
        if irq.masked and (self.pending or self.want != "AFTER_ACK"):
            return syscall_event(Syscall.CALL, cptr=handlers[0], msginfo=msginfo.pack(Label.IRQ_HANDLER_ACK, 0))
        return None

    def edge(self, state: State, tid: ObjId) -> int | None:
        """Sometimes (``share``), when the UART's line is SIGNAL (a handler capability exists)
        and thread ``tid``'s VSpace maps the UART's device frame writable: the address of that
        mapping, through which the thread's next step raises the line. ``None`` otherwise."""
        tcb = state.objects[tid]
        assert isinstance(tcb, Tcb)
        line = state.irqs.get(state.machine.console_irq)
        if line is None or line.state != IrqState.SIGNAL:
            return None
        vaddr = uart_mapping(state, tcb)
        if vaddr is None or self.rng.random() >= self.share:
            return None
        return vaddr

    def raised(self, state: State, ctx: tuple[int, ...]) -> list[Event]:
        """The events the spec will see for an edge of the line (the :meth:`edge` just drawn)
        raised by the current thread with registers ``ctx``: the device interrupt at once when the
        line is not masked; else none, and the edge stays pending until the line is unmasked
        (:meth:`after`)."""
        if state.irqs[state.machine.console_irq].masked:
            self.pending = True
            return []
        return [IrqEvent(state.machine.console_irq, ctx)]

    def after(self, state: State) -> list[Event]:
        """The events that follow a step which led to ``state``: a pending edge of the UART's
        line arrives as soon as its line is unmasked (by its handler's Ack); it is gone once the
        line is inactive (the kernel clears it when the last handler capability goes)."""
        line = state.irqs.get(state.machine.console_irq)
        if not self.pending or (line is not None and line.state == IrqState.SIGNAL and line.masked):
            return []
        self.pending = False
        if line is None or line.state != IrqState.SIGNAL:
            return []
        return [IrqEvent(state.machine.console_irq)]


class _Writer:
    """The spec-driven script writer of :func:`generate`."""

    def __init__(self, rng: random.Random, exclude: frozenset[str], focus: str | None = None) -> None:
        self.rng = rng
        self.exclude = exclude
        self.events = spec_gen.EventGen(rng)
        focus = focus or rng.choice(targets(exclude))
        #: The error check this program aims at (a focus ``site:...``): its invocations aimed at
        #: its code must fail there (see :meth:`accept`).
        self.site = sites.by_target().get(focus)
        recipe = RECIPES.get(focus, ())
        if self.site is not None:
            focus = f"{rng.choice(sites.transitions(self.site))}:{self.site.error}"
        #: The transition this program favours (see :meth:`syscall`) and the answer it aims that
        #: invocation at (``None``: any): the focus given, else one of :func:`targets` drawn.
        self.focus, self.want = split_focus(focus)
        #: The steps still to make before the focus (see :data:`RECIPES`).
        self.recipe = list(recipe or RECIPES.get(f"{self.focus}:{self.want}", RECIPES.get(self.focus, ())))
        #: The UART's line: its setup when the program favours a device interrupt, its edges.
        device = self.focus == "device_irq"
        self.uart = UartLine(rng, self.want if device else None, EDGE_SHARE_FOCUSED if device else EDGE_SHARE)

    def syscall(self, state: State, tid: ObjId) -> SyscallEvent:
        """A system call for thread ``tid`` (the spec's current thread) not in ``exclude``: of
        up to ``_TRIES`` drawn, the first of the program's focus transition, else the first
        drawn, else Yield. Each program favours one transition, drawn uniformly, so that rare
        transitions (a TCB invocation needs a retyped, configured thread first) are reached by a
        few programs of every batch."""
        tcb = state.objects[tid]
        assert isinstance(tcb, Tcb)
        tail = tcb.ctx[ContextReg.SP :]
        needed = self.prerequisite(state, tid)
        if needed is not None and self.rng.random() < PREREQUISITE_SHARE:
            return SyscallEvent((*needed.ctx[:STEP_REGS], *tail))
        if self.recipe and self.rng.random() < PREREQUISITE_SHARE:
            todo = self.recipe[0]
            if isinstance(todo, str):
                name, want = split_focus(todo)
                aimed = directed.aimed(self.events, state, name, want or "OK", acceptable)
            else:
                aimed = todo(state)
            if aimed is not None:
                self.recipe.pop(0)
                return SyscallEvent((*aimed.ctx[:STEP_REGS], *tail))
        if self.want is not None and self.focus in answers.possible_errors() and self.rng.random() < AIMED_SHARE:
            tries = directed.TRIES * (SITE_TRIES if self.site is not None else 1)
            aimed = directed.aimed(self.events, state, self.focus, self.want, self.accept, tries)
            if aimed is not None:
                return SyscallEvent((*aimed.ctx[:STEP_REGS], *tail))
        if self.focus.upper() in Label.__members__ and self.rng.random() < FOCUS_SHARE:
            invocation = self.events.invocation(state, Label[self.focus.upper()])
            if invocation is not None:
                candidate = SyscallEvent((*invocation.ctx[:STEP_REGS], *tail))
                if classify(state, candidate) == self.focus and acceptable(state, candidate):
                    return candidate
        first: SyscallEvent | None = None
        for _ in range(_TRIES):
            event = self.events.event(state)
            if not isinstance(event, SyscallEvent):
                continue
            regs = list(event.ctx[:STEP_REGS])
            if self.rng.random() < HOSTILE_SHARE:
                regs[self.rng.randrange(STEP_REGS)] = self.events.word()
            candidate = SyscallEvent((*regs, *tail))
            name = classify(state, candidate)
            if name in self.exclude or not acceptable(state, candidate):
                continue
            if name in _STOPPERS and name != self.focus and self.rng.random() < KEEP_GOING:
                continue
            if name == self.focus:
                return candidate
            first = first or candidate
        if first is not None:
            return first
        regs = [0] * STEP_REGS
        regs[Reg.SYSNO] = Syscall.YIELD
        return SyscallEvent((*regs, *tail))

    def accept(self, state: State, event: SyscallEvent) -> bool:
        """Whether an invocation aimed at the program's focus may be made: :func:`acceptable`, and
        when the program aims at an error check, it fails there (:func:`.sites.raise_site`)."""
        return acceptable(state, event) and (self.site is None or sites.raise_site(state, event) == self.site)

    def prerequisite(self, state: State, tid: ObjId) -> SyscallEvent | None:
        """For a program whose focus needs an object of some kind (:data:`_NEEDS`) while thread
        ``tid`` holds no capability to one: an Untyped Retype that creates one into a
        free slot of its CSpace root from an untyped region the final checkpoint holds (the
        spec's generator rarely draws that by itself: most untyped regions lie above the kernel,
        where :func:`acceptable` refuses to create objects). For a program favouring a device
        interrupt, the next step of :meth:`UartLine.setup`. ``None`` otherwise."""
        tcb = state.objects[tid]
        assert isinstance(tcb, Tcb)
        if tcb.cspace is None:
            return None
        caps = {index: sl.cap for (cnode, index), sl in state.slots.items() if cnode == tcb.cspace}
        if self.focus == "device_irq":
            return self.uart.setup(state, tcb, caps)
        kind = _NEEDS.get(f"{self.focus}:{self.want}", _NEEDS.get(self.focus))
        if kind is None and self.focus not in _NEEDS_HANDLER:
            return None
        issue = issue_call(self.rng, state, tcb.cspace, caps) if self.focus in _NEEDS_HANDLER else None
        if issue is not None or kind is None:
            return issue
        own = (tid, tcb.cspace, tcb.vspace)
        if any(c.type == CapType(kind) and c.obj not in own and c.mapped is None for c in caps.values()):
            return None
        return retype_call(state, kind, self.rng.choice, self.rng.choice((1, 2)))

    def step(self, state: State, tid: ObjId) -> tuple[Step, list[Event]]:
        """The next step of thread ``tid`` and the events the spec will see for it."""
        tcb = state.objects[tid]
        assert isinstance(tcb, Tcb)
        # Faults and spins at the top of the roll: the first programs Hypothesis draws are made of
        # zeros, and they should make system calls, not stop at their first step.
        roll = 1 - self.rng.random()
        if roll <= FAULT_SHARE and "user_fault" not in self.exclude:
            fault, kind = _fault_step(self.rng)
            return fault, [FaultEvent(kind, 0, 0, (*fault.regs, *tcb.ctx[ContextReg.SP :]))]
        if roll <= FAULT_SHARE + SPIN_SHARE:
            iterations = self.rng.choice((1_000, 60_000, 160_000, 300_000))
            ticks = iterations * _SPIN_INSTRUCTIONS // _TICK_INSTRUCTIONS
            return Step(Op.SPIN, (iterations, *(0,) * (STEP_REGS - 1))), [TickEvent()] * ticks
        vaddr = self.uart.edge(state, tid)
        if vaddr is not None:
            regs = (vaddr, *(0,) * (STEP_REGS - 1))
            return Step(Op.UART_EDGE, regs), self.uart.raised(state, (*regs, *tcb.ctx[ContextReg.SP :]))
        event = self.syscall(state, tid)
        return Step(Op.SYSCALL, event.ctx[:STEP_REGS]), [event]


S = TypeVar("S")
S_co = TypeVar("S_co", covariant=True)


class StepWriter(Protocol[S_co]):
    """What writes a thread's next step while the spec runs (:class:`_Writer` here, the assembly
    mode's writer in :mod:`mlk.refinement.difftest.asmgen`)."""

    #: The UART line the steps may raise; its edges after a step are the spec's interrupts.
    uart: UartLine

    def step(self, state: State, tid: ObjId) -> tuple[S_co, list[Event]]:
        """Thread ``tid``'s next step in ``state`` and the events it makes the spec take."""
        ...


def write_scripts(
    initial: State,
    tids: list[ObjId],
    lengths: list[int],
    writer: StepWriter[S],
    ends: Callable[[S], bool] = lambda _step: False,
) -> list[list[S]]:
    """The steps of each thread of ``tids``, written by ``writer`` while the spec runs from
    ``initial``: whenever a thread of ``tids`` is current, its next step and the step's events
    (then the UART's edges, :meth:`UartLine.after`). A thread whose script is full
    (``lengths[i]`` steps) or whose last step ``ends`` it stops: the spec takes its END step (an
    undefined-instruction fault). The run ends when the spec halts or no thread of ``tids`` is
    current."""
    scripts: list[list[S]] = [[] for _ in tids]
    stopped = [False] * len(tids)
    index = {tid: i for i, tid in enumerate(tids)}
    state = initial
    while state.halted is None and state.current in index:
        i = index[state.current]
        tcb = state.objects[state.current]
        assert isinstance(tcb, Tcb)
        if len(scripts[i]) >= lengths[i] or stopped[i]:
            events: list[Event] = [FaultEvent(FaultLabel.UNDEFINED_INSTRUCTION, 0, 0, tcb.ctx)]
        else:
            next_step, events = writer.step(state, state.current)
            scripts[i].append(next_step)
            stopped[i] = ends(next_step)
        for event in events:
            state = step(state, event)[0]
        for event in writer.uart.after(state):
            state = step(state, event)[0]
    return scripts


def generate(
    initial: State,
    tids: list[ObjId],
    priorities: list[int],
    lengths: list[int],
    rng: random.Random,
    exclude: frozenset[str] = KERNEL_GAPS,
    focus: str | None = None,
) -> Program:
    """A program for threads ``tids`` (root task first; the finisher is not among them) at
    ``priorities``, each script at most ``lengths[i]`` steps, written while the spec runs from
    ``initial``. A thread whose script is full stops (its END step); the run of the spec ends when
    no thread of the program is current (the finisher's or the idle thread's turn) or it halts.
    The program favours transition ``focus`` (drawn when ``None``)."""
    scripts = write_scripts(initial, tids, lengths, _Writer(rng, exclude, focus))
    return Program(tuple(Thread(p, tuple(s)) for p, s in zip(priorities, scripts, strict=True)))


#: Bounds of the drawn programs. The root task writes at least MIN_ROOT_STEPS steps: a program
#: needs a few to build the state its focus needs (Hypothesis favours small numbers, and starts
#: with the smallest); shrinking a failure still removes every step that does not matter
#: (:func:`.search.minimize`).
MAX_EXTRA_THREADS = 4
MAX_STEPS = 24
MIN_ROOT_STEPS = 6


def programs(
    boot_state: Callable[[list[int]], tuple[State, list[ObjId]]],
    exclude: frozenset[str] = KERNEL_GAPS,
    max_extra_threads: int = MAX_EXTRA_THREADS,
    max_steps: int = MAX_STEPS,
    focus: str | None = None,
) -> st.SearchStrategy[Program]:
    """Programs of a root task and up to ``max_extra_threads`` boot threads at priorities between
    the finisher's and the root task's, each of up to ``max_steps`` steps, favouring transition
    ``focus`` (each its own, drawn, when ``None``). ``boot_state`` gives the spec's boot state for
    the boot threads' priorities, and the threads' TCB addresses."""

    @st.composite
    def draw_program(draw: st.DrawFn) -> Program:
        extra = draw(st.lists(st.integers(1, ROOT_PRIORITY - 1), max_size=max_extra_threads))
        priorities = [ROOT_PRIORITY, *extra]
        root = draw(st.integers(min(MIN_ROOT_STEPS, max_steps), max_steps))
        lengths = [root, *draw(st.lists(st.integers(0, max_steps), min_size=len(extra), max_size=len(extra)))]
        rng = draw(st.randoms(use_true_random=False))
        state, tids = boot_state(extra)
        return generate(state, tids, priorities, lengths, rng, exclude, focus)

    return draw_program()
