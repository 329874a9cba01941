"""Random events and reachable states, for tests, benchmarks and differential checks.

:class:`EventGen` draws the next event for a state from a seeded :class:`random.Random`: mostly
*plausible* events (system calls that name capabilities the current thread holds, with arguments
that often pass the checks, so that runs reach deep states), mixed with *hostile* ones (arbitrary
register values, unknown system calls, stray interrupts, faults). A state reached by running
such events from :func:`mlk.model.boot.boot` is reachable by construction, so
:func:`reachable_state` is a source of valid states for anyone who needs them (the same seed gives
the same state).

Runs are kept alive and busy, so that they reach deep states: Retype and the TCB and CNode
operations are invoked more often than the rest (:data:`KIND_WEIGHTS`); Retype and Configure
mostly name the caller's own CSpace root; TCB calls mostly target other threads that are queued
or INACTIVE (new threads get configured and resumed); and an event may stop the current thread
(block it, fault it) only while another thread that has a CSpace can run. When no other can, a
system call after which only the idle thread would run is drawn again (:data:`REDRAWS`).
"""

from __future__ import annotations

import random

from mlk.abi import msginfo
from mlk.abi.labels import FaultLabel, Label
from mlk.abi.objects import (
    CNODE_MIN_RADIX,
    NULL_CPTR,
    NUM_PRIORITIES,
    PAGE_BITS,
    RETYPE_MAX_OBJECTS,
    ROOT_IMAGE_VADDR,
    UNTYPED_MIN_BITS,
    CapType,
    ObjectType,
    RootSlot,
    ThreadState,
)
from mlk.abi.rights import ALL_RIGHTS, Right
from mlk.abi.syscalls import CONTEXT_REGS, MSG_REGS, Reg, Syscall
from mlk.model.boot import boot, qemu_virt
from mlk.model.events import Event, FaultEvent, IrqEvent, SyscallEvent, TickEvent, syscall_event
from mlk.model.invocation import OPERATIONS
from mlk.model.kernel import step
from mlk.model.state import WORD_MASK, Cap, CNode, Machine, State, Tcb

#: The small machine the tests use: little RAM, so that few untyped regions exist.
TEST_RAM_SIZE = 1 << 22
#: Virtual addresses the generator maps at: inside the root image's table, next to it, far away.
VADDRS = (
    ROOT_IMAGE_VADDR + (64 << PAGE_BITS),
    ROOT_IMAGE_VADDR + (65 << PAGE_BITS),
    ROOT_IMAGE_VADDR + (1 << 21),
    1 << 30,
    (1 << 39) + (3 << PAGE_BITS),
    1 << 47,
)
#: Object kinds Retype is asked for, weighted towards the ones that make runs interesting.
RETYPE_KINDS = (
    ObjectType.TCB,
    ObjectType.TCB,
    ObjectType.ENDPOINT,
    ObjectType.ENDPOINT,
    ObjectType.NOTIFICATION,
    ObjectType.CNODE,
    ObjectType.FRAME,
    ObjectType.PAGE_TABLE,
    ObjectType.VSPACE,
    ObjectType.UNTYPED,
)
#: How often the current thread invokes a capability of each kind, relative to the others (1 when
#: not listed): Retype and the TCB and CNode operations make and arrange the threads and objects
#: that every other transition needs.
KIND_WEIGHTS: dict[CapType, int] = {CapType.UNTYPED: 3, CapType.TCB: 3, CapType.CNODE: 2}
#: How many empty slots of a large CSpace root the generator offers as destinations: the lowest
#: free ones from :attr:`~mlk.abi.objects.RootSlot.FREE_FIRST`, so that calls also name the
#: occupied slots around them.
FREE_SLOTS = 24
#: How often a system call after which only the idle thread would run (the only runnable thread
#: faults without a fault handler, deletes or suspends itself...) is drawn again.
REDRAWS = 3
#: The labels of each capability kind.
LABELS: dict[CapType, list[Label]] = {}
for _ctype, _label in OPERATIONS:
    LABELS.setdefault(_ctype, []).append(_label)


def test_machine(*, debug: bool = True) -> Machine:
    """The machine of the test suite: QEMU ``virt`` with :data:`TEST_RAM_SIZE` bytes of RAM."""
    return qemu_virt(ram_size=TEST_RAM_SIZE, debug=debug)


class EventGen:
    """A seeded source of events; ``hostile`` is the share of hostile events."""

    def __init__(self, rng: random.Random, hostile: float = 0.1) -> None:
        self.rng = rng
        self.hostile = hostile
        #: Whether the current event may stop the current thread: only while another thread is
        #: runnable that has a CSpace (without one, a thread can only fault), so that a run does
        #: not end with nothing but the idle thread.
        self.wild = False
        #: The state the current event is drawn for, its machine and its thread's CSpace root.
        self.state = boot(test_machine())
        self.machine = self.state.machine
        self.root = 0

    def word(self) -> int:
        """An arbitrary register value, biased towards edge cases."""
        r = self.rng
        return r.choice((0, 1, 2, WORD_MASK, 1 << 63, r.getrandbits(64), r.randrange(16), r.randrange(300)))

    def event(self, s: State) -> Event:
        """The next event for state ``s``."""
        r = self.rng
        roll = r.random()
        running = s.current != s.machine.idle_tcb
        self.wild = any(
            isinstance(tcb := s.objects.get(t), Tcb) and tcb.cspace is not None for q in s.queues.values() for t in q
        )
        self.machine = s.machine
        self.state = s
        if roll < 0.08 or not running:
            return self._interrupt(s) if r.random() < 0.5 else TickEvent()
        if roll < 0.08 + self.hostile and self.wild:
            return self._hostile(s)
        event = self._syscall(s)
        for _ in range(REDRAWS):
            if self.wild or _someone_runs(s, event):
                break
            event = self._syscall(s)
        return event

    def _interrupt(self, s: State) -> Event:
        r = self.rng
        lines = [*s.irqs, s.machine.console_irq]
        return IrqEvent(r.choice(lines) if r.random() < 0.9 else r.randrange(s.machine.irq_lines + 4))

    def _hostile(self, s: State) -> Event:
        r = self.rng
        ctx = tuple(self.word() for _ in range(CONTEXT_REGS))
        choice = r.random()
        if choice < 0.3:
            kind = r.choice([*FaultLabel, r.getrandbits(20)])
            return FaultEvent(kind, self.word(), self.word(), ctx)
        if choice < 0.5:
            return SyscallEvent(ctx)
        regs = list(ctx)
        regs[Reg.SYSNO] = r.choice([*Syscall, 0, Syscall.YIELD + 2, self.word()])
        return SyscallEvent(tuple(regs))

    def _caps(self, s: State) -> tuple[int, list[tuple[int, Cap]], list[int]]:
        """The current thread's CSpace root, its capabilities (index, cap) and its free slots."""
        tcb = s.objects[s.current]
        assert isinstance(tcb, Tcb)
        root = tcb.cspace
        if root is None:
            return 0, [], []
        cnode = s.objects[root]
        assert isinstance(cnode, CNode)
        caps = [(i, sl.cap) for (c, i), sl in s.slots.items() if c == root]
        free = [i for i in range(RootSlot.FREE_FIRST, 1 << cnode.radix) if (root, i) not in s.slots][:FREE_SLOTS]
        if cnode.radix < 8:
            free = [i for i in range(1, 1 << cnode.radix) if (root, i) not in s.slots]
        return root, caps, free

    @staticmethod
    def _waiting(s: State, tid: int) -> bool:
        """Whether thread ``tid`` is not the current thread and is runnable (so queued) or
        INACTIVE."""
        tcb = s.objects.get(tid)
        return (
            tid != s.current and isinstance(tcb, Tcb) and tcb.state.kind in (ThreadState.RUNNING, ThreadState.INACTIVE)
        )

    def _pick(self, caps: list[tuple[int, Cap]], *types: CapType) -> int:
        """A CPtr to a capability of one of ``types``; sometimes (or when there is none) any."""
        found = [i for i, c in caps if c.type in types]
        if found and (not self.wild or self.rng.random() < 0.95):
            return self.rng.choice(found)
        return self.rng.randrange(300)

    def _syscall(self, s: State) -> Event:
        r = self.rng
        self.root, caps, free = self._caps(s)
        free_slot = r.choice(free) if free else r.randrange(300)
        roll = r.random()
        if roll < 0.05:
            return syscall_event(Syscall.YIELD)
        if roll < 0.08:
            sysno = Syscall.DEBUG_HALT if r.random() < 0.02 else Syscall.DEBUG_PUTCHAR
            return syscall_event(sysno, cptr=r.randrange(256))
        if roll < 0.082:
            return syscall_event(Syscall.DEBUG_CHECKPOINT, cptr=r.randrange(256))
        if roll < 0.12:
            return syscall_event(
                Syscall.REPLY, msginfo=msginfo.pack(r.choice((0, 0, 1)), r.randrange(4)), mrs=(1, 2, 3)
            )
        # A thread that blocks while no other thread can run stops the run: mostly avoid that.
        blocking_ok = self.wild
        ipc_caps = any(c.type in (CapType.ENDPOINT, CapType.NOTIFICATION) for _, c in caps)
        if (roll < 0.45 and (ipc_caps or blocking_ok)) or not caps:
            return self._ipc(caps, free_slot, blocking_ok)
        invocable = [(i, c) for i, c in caps if c.type in LABELS]
        if not invocable:
            return self._ipc(caps, free_slot, blocking_ok)
        kinds = sorted({c.type for _, c in invocable})
        kind = r.choices(kinds, [KIND_WEIGHTS.get(k, 1) for k in kinds])[0]
        pool = [(i, c) for i, c in invocable if c.type == kind]
        if kind == CapType.TCB and r.random() < 0.5:
            # Mostly another thread that is queued or cannot run: the ones a TCB call changes most.
            pool = [(i, c) for i, c in pool if self._waiting(s, c.obj)] or pool
        index, cap = r.choice(pool)
        label = r.choice(LABELS[cap.type]) if r.random() < 0.95 else r.choice(list(Label))
        target = s.objects.get(cap.obj)
        if isinstance(target, Tcb) and target.state.kind == ThreadState.INACTIVE and r.random() < 0.6:
            # Bring new threads to life: configure them, then resume them.
            label = Label.TCB_CONFIGURE if target.cspace is None else Label.TCB_RESUME
        if not self.wild and cap.obj == s.current and label in (Label.TCB_SUSPEND, Label.TCB_CONFIGURE):
            label = Label.TCB_RESUME
        args = self._args(label, cap, caps, free, free_slot)
        nargs = OPERATIONS[(cap.type, label)][0] if (cap.type, label) in OPERATIONS else len(args)
        length = max(nargs, len(args)) if r.random() < 0.95 else r.randrange(MSG_REGS + 1)
        sysno = Syscall.CALL if r.random() < 0.85 else r.choice((Syscall.SEND, Syscall.NB_SEND))
        return syscall_event(sysno, cptr=index, msginfo=msginfo.pack(label, length), mrs=args)

    def invocation(self, s: State, label: Label) -> SyscallEvent | None:
        """A Call of ``label`` on a capability of its kind that the current thread of ``s``
        holds, with arguments drawn as :meth:`event` draws them; ``None`` when it holds none, or
        when the call would stop the only runnable thread (Suspend or Configure of itself)."""
        self.state, self.machine, self.wild = s, s.machine, bool(s.queues)
        self.root, caps, free = self._caps(s)
        kinds = {ctype for ctype, lab in OPERATIONS if lab == label}
        found = [(i, c) for i, c in caps if c.type in kinds]
        if not found:
            return None
        index, cap = self.rng.choice(found)
        if not self.wild and cap.obj == s.current and label in (Label.TCB_SUSPEND, Label.TCB_CONFIGURE):
            return None
        free_slot = self.rng.choice(free) if free else self.rng.randrange(300)
        args = self._args(label, cap, caps, free, free_slot)
        length = max(OPERATIONS[(cap.type, label)][0], len(args))
        return syscall_event(Syscall.CALL, cptr=index, msginfo=msginfo.pack(label, length), mrs=args)

    def _ipc(self, caps: list[tuple[int, Cap]], free_slot: int, blocking_ok: bool) -> Event:
        r = self.rng
        cptr = self._pick(caps, CapType.ENDPOINT, CapType.NOTIFICATION)
        calls: tuple[Syscall, ...]
        if blocking_ok:
            calls = (Syscall.CALL, Syscall.SEND, Syscall.NB_SEND, Syscall.RECV, Syscall.NB_RECV, Syscall.REPLY_RECV)
        else:
            calls = (Syscall.NB_SEND, Syscall.NB_RECV)
        sysno = r.choice(calls)
        info = msginfo.pack(r.randrange(4), r.randrange(MSG_REGS + 2), r.choice((0, 0, 1)))
        mrs = tuple(r.randrange(1000) for _ in range(MSG_REGS))
        xfer = self._pick(caps, *CapType) if caps else 0
        return syscall_event(sysno, cptr=cptr, msginfo=info, mrs=mrs, xfer=xfer, recv=free_slot)

    def _args(
        self, label: Label, cap: Cap, caps: list[tuple[int, Cap]], free: list[int], free_slot: int
    ) -> tuple[int, ...]:
        r = self.rng
        own = [i for i, c in caps if c.type == CapType.CNODE and c.obj == self.root and i != NULL_CPTR]
        cnode = r.choice(own) if own and r.random() < 0.8 else self._pick(caps, CapType.CNODE)
        occupied = [i for i, _ in caps] or [0]
        if label == Label.UNTYPED_RETYPE:
            kind = r.choice(RETYPE_KINDS)
            size = (
                r.randrange(UNTYPED_MIN_BITS, max(UNTYPED_MIN_BITS + 1, cap.size_bits))
                if kind == ObjectType.UNTYPED
                else r.randrange(CNODE_MIN_RADIX, 5)
            )
            count = r.choice((1, 1, 1, 2, RETYPE_MAX_OBJECTS))
            room = [i for i in free if all((self.root, i + k) not in self.state.slots for k in range(count))]
            if room and r.random() < 0.9:
                free_slot = r.choice(room)
            return (kind, size, cnode, free_slot, count)
        if label in (Label.CNODE_COPY, Label.CNODE_MINT, Label.CNODE_MOVE, Label.CNODE_MUTATE):
            high = [i for i in occupied if i >= RootSlot.FREE_FIRST]
            badgeable = [i for i, c in caps if c.type in (CapType.ENDPOINT, CapType.NOTIFICATION)]
            badged = [i for i, c in caps if c.badge]
            roll = r.random()
            if badged and roll < 0.3:
                src = r.choice(badged)
            elif badgeable and roll < 0.6:
                src = r.choice(badgeable)
            else:
                src = r.choice(high) if high and (r.random() < 0.8 or not self.wild) else r.choice(occupied)
            rights = ALL_RIGHTS if r.random() < 0.5 else r.randrange(16)
            return (free_slot, cnode, src, rights, r.choice((0, r.randrange(1, 1 << 8))))
        if label in (Label.CNODE_DELETE, Label.CNODE_REVOKE):
            high = [i for i in occupied if i >= RootSlot.FREE_FIRST]
            parents = [i for i in high if self.state.slots[(self.root, i)].children]
            if parents and r.random() < 0.25:
                return (r.choice(parents),)
            if not self.wild:
                return (r.choice(high) if high else 0,)
            return (r.choice(high) if high and r.random() < 0.9 else r.choice(occupied),)
        if label == Label.TCB_CONFIGURE:
            return (
                self._pick(caps, CapType.ENDPOINT) if r.random() < 0.7 else NULL_CPTR,
                cnode if r.random() < 0.9 else NULL_CPTR,
                self._pick(caps, CapType.VSPACE) if r.random() < 0.9 else NULL_CPTR,
            )
        if label == Label.TCB_SET_PRIORITY:
            top = NUM_PRIORITIES - 1
            return (r.choice((r.randrange(NUM_PRIORITIES), r.randrange(top - 5, top + 1), top + 40)),)
        if label == Label.TCB_READ_REGISTERS:
            return (r.randrange(CONTEXT_REGS), r.randrange(1, MSG_REGS + 1))
        if label == Label.TCB_WRITE_REGISTERS:
            return (r.randrange(CONTEXT_REGS), r.randrange(1, 5), *(r.randrange(1 << 16) for _ in range(4)))
        if label in (Label.TCB_BIND_NOTIFICATION, Label.IRQ_HANDLER_SET_NOTIFICATION):
            return (self._pick(caps, CapType.NOTIFICATION),)
        if label == Label.IRQ_CONTROL_ISSUE:
            m = self.machine
            lines = (m.console_irq, m.console_irq + 1, m.timer_irq, r.randrange(m.irq_lines + 12))
            return (r.choice(lines), cnode, free_slot)
        if label in (Label.FRAME_MAP, Label.PAGE_TABLE_MAP):
            vaddr = r.choice(VADDRS) + (r.choice((0, 0, 0, 1)))
            rights = r.choice((Right.READ | Right.WRITE, Right.READ, Right.WRITE, ALL_RIGHTS))
            return (self._pick(caps, CapType.VSPACE), vaddr, rights)
        return ()


def _someone_runs(s: State, event: Event) -> bool:
    """Whether a thread (not the idle thread) runs after ``event`` in state ``s``, or the event
    halts the machine (a debug halt is drawn on purpose)."""
    after = step(s, event)[0]
    return after.halted is not None or after.current != after.machine.idle_tcb


def run(state: State, gen: EventGen, steps: int) -> State:
    """``state`` after ``steps`` events drawn from ``gen``."""
    for _ in range(steps):
        state = step(state, gen.event(state))[0]
    return state


def reachable_state(seed: int, steps: int = 200, machine: Machine | None = None) -> State:
    """A reachable state: ``steps`` random events from boot, reproducible from ``seed``."""
    return run(boot(machine or test_machine()), EventGen(random.Random(seed)), steps)


def pairs(seed: int, count: int, run_length: int = 100) -> list[tuple[State, Event]]:
    """``count`` (reachable state, next event) pairs for differential tests: consecutive states
    of runs from boot of at most ``run_length`` events each, with the event drawn for each."""
    rng = random.Random(seed)
    gen = EventGen(rng)
    out: list[tuple[State, Event]] = []
    state = boot(test_machine())
    steps = 0
    while len(out) < count:
        event = gen.event(state)
        out.append((state, event))
        state = step(state, event)[0]
        steps += 1
        if steps >= run_length or state.halted is not None:
            state, steps = boot(test_machine()), 0
    return out
