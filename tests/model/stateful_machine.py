"""The hypothesis state machine that drives the spec with valid and hostile events.

Each program starts from the test machine's boot state; each step is a generated event (from
:class:`mlk.model.gen.EventGen` with a drawn seed: mostly plausible calls) or a hostile event drawn
by hypothesis itself (arbitrary system call numbers, capability pointers, labels and arguments,
stray interrupts, faults of any kind). After every step all invariants must hold and the result
must be well formed. The module is shared by the stateful test and the mutant tests.
"""

from __future__ import annotations

import random

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from mlk.abi import msginfo
from mlk.abi.labels import FaultLabel, Label
from mlk.abi.syscalls import CONTEXT_REGS, Reg, Syscall
from mlk.model.boot import boot
from mlk.model.events import Event, FaultEvent, IrqEvent, Result, SyscallEvent, TickEvent
from mlk.model.gen import EventGen, test_machine
from mlk.model.invariants import violations
from mlk.model.kernel import step
from mlk.model.state import State, Tcb

WORDS = st.one_of(st.integers(0, 300), st.integers(0, 2**64 - 1), st.sampled_from([0, 1, 2**63, 2**64 - 1]))


def result_problems(before: State, after: State, result: Result) -> list[str]:
    """What is wrong with ``result`` as the outcome of a step from ``before`` to ``after``."""
    problems = []
    if result.running != after.current:
        problems.append("running is not the new current thread")
    tids = [tid for tid, _ in result.regs]
    if tids != sorted(set(tids)):
        problems.append("register writes not sorted or repeated")
    for tid, ctx in result.regs:
        obj = after.objects.get(tid)
        if not isinstance(obj, Tcb) or obj.ctx != ctx or len(ctx) != CONTEXT_REGS:
            problems.append(f"register write of {tid:#x} does not match the state")
    if result.halted != after.halted:
        problems.append("halt status does not match the state")
    if before.halted is not None and (after is not before or result.output):
        problems.append("a halted machine changed")
    if result.output and not after.machine.debug:
        problems.append("console output in a release build")
    return problems


class KernelMachine(RuleBasedStateMachine):
    """Random programs of events from boot, checking every invariant after every step."""

    def __init__(self) -> None:
        super().__init__()
        self.state = boot(test_machine())

    def apply(self, event: Event) -> None:
        """Step, checking the result."""
        before = self.state
        self.state, result = step(before, event)
        problems = result_problems(before, self.state, result)
        assert not problems, (problems, event)

    def generate(self, seed: int, count: int) -> None:
        """``count`` events from the plausible-event generator, checking after each."""
        gen = EventGen(random.Random(seed))
        for _ in range(count):
            self.apply(gen.event(self.state))
            assert violations(self.state) == [], violations(self.state)

    @initialize(seed=st.integers(0, 2**32 - 1), count=st.integers(0, 120))
    def warm_up(self, seed: int, count: int) -> None:
        """Start from a deeper state: up to 120 generated events after boot."""
        self.generate(seed, count)

    @rule(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 8))
    def generated(self, seed: int, count: int) -> None:
        """A few events from the plausible-event generator."""
        self.generate(seed, count)

    @rule(
        label=st.sampled_from(
            [
                Label.CNODE_COPY,
                Label.CNODE_MINT,
                Label.CNODE_MOVE,
                Label.CNODE_MUTATE,
                Label.CNODE_DELETE,
                Label.CNODE_REVOKE,
            ]
        ),
        src=st.integers(0, 2**16),
        dest=st.integers(0, 2**16),
        rights=st.integers(0, 15),
        badge=st.one_of(st.just(0), st.integers(1, 2**64 - 1)),
    )
    def capability_op(self, label: Label, src: int, dest: int, rights: int, badge: int) -> None:
        """A CNode operation of the current thread on its own CSpace root: the source is one of
        its capabilities (chosen by ``src``), the destination one of its slots."""
        tcb = self.state.objects.get(self.state.current)
        if not isinstance(tcb, Tcb) or tcb.cspace is None or self.state.current == self.state.machine.idle_tcb:
            return
        root = tcb.cspace
        mine = sorted(i for (c, i) in self.state.slots if c == root)
        own = [i for i in mine if self.state.slots[(root, i)].cap.obj == root]
        if not own:
            return
        index = mine[src % len(mine)]
        ctx = [0] * CONTEXT_REGS
        ctx[Reg.CPTR] = own[0]
        ctx[Reg.MSGINFO] = msginfo.pack(label, 5)
        ctx[Reg.MR0 : Reg.MR0 + 5] = (dest % 256 if label < Label.CNODE_DELETE else index, own[0], index, rights, badge)
        ctx[Reg.SYSNO] = Syscall.CALL
        self.apply(SyscallEvent(tuple(ctx)))

    def others_can_run(self) -> bool:
        """Whether a thread besides the current one is runnable: a hostile call then does not
        end the program (a thread without a fault handler that faults stops for good)."""
        return bool(self.state.queues)

    @rule(
        sysno=st.one_of(st.sampled_from(list(Syscall)), WORDS),
        cptr=st.one_of(st.integers(0, 260), WORDS),
        label=st.one_of(st.sampled_from(list(Label)), st.integers(0, 2**20)),
        length=st.integers(0, 15),
        extra=st.integers(0, 3),
        args=st.lists(st.one_of(st.integers(0, 260), WORDS), min_size=9, max_size=9),
    )
    @precondition(others_can_run)
    def hostile_syscall(self, sysno: int, cptr: int, label: int, length: int, extra: int, args: list[int]) -> None:
        """A system call with arbitrary registers."""
        ctx = [0] * CONTEXT_REGS
        ctx[Reg.CPTR] = cptr
        ctx[Reg.MSGINFO] = msginfo.pack(label, length, extra)
        ctx[Reg.MR0 : Reg.MR0 + 6] = args[:6]
        ctx[Reg.SYSNO] = sysno
        ctx[Reg.XFER_CAP], ctx[Reg.RECV_SLOT] = args[6], args[7]
        ctx[CONTEXT_REGS - 1] = args[8]
        self.apply(SyscallEvent(tuple(ctx)))

    @rule(
        kind=st.one_of(st.sampled_from(list(FaultLabel)), WORDS),
        esr=WORDS,
        far=WORDS,
        irq=st.one_of(st.integers(0, 300), WORDS),
        which=st.integers(0, 2),
    )
    def hostile_event(self, kind: int, esr: int, far: int, irq: int, which: int) -> None:
        """A fault (while another thread can run), an interrupt on any line, or a tick."""
        ctx = tuple(range(CONTEXT_REGS))
        if which == 0 and not self.others_can_run():
            which = 2
        event: Event = (FaultEvent(kind, esr, far, ctx), IrqEvent(irq, ctx), TickEvent(ctx))[which]
        self.apply(event)

    @invariant()
    def invariants_hold(self) -> None:
        """Every invariant, after every step."""
        assert violations(self.state) == [], violations(self.state)
