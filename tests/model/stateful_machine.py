"""The hypothesis state machine that drives the spec with valid and hostile events.

Each program starts from the test machine's boot state; each step is a generated event (from
:class:`mlk.model.gen.EventGen` with a drawn seed: mostly plausible calls), a hostile event drawn
by hypothesis itself (arbitrary system call numbers, capability pointers, labels and arguments,
stray interrupts, faults of any kind), or a short *scenario*: a few events that set up and then
exercise a situation random events seldom reach (a badged capability minted again, a queued thread
suspended, reprioritised or destroyed by another, a frame mapped through a copy with fewer rights,
a server that receives again before replying, signals that accumulate, an interrupt line that
stays masked until acknowledged, the current thread stepping aside for the others). After every
event all invariants must hold and the result must be well formed; a scenario also checks the
outcome the spec documents for it. The module is shared by the stateful test and the mutant
tests.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from mlk.abi import msginfo
from mlk.abi.errors import Error
from mlk.abi.labels import FaultLabel, Label
from mlk.abi.objects import (
    NULL_CPTR,
    NUM_PRIORITIES,
    PAGE_BITS,
    PT_INDEX_BITS,
    ROOT_IMAGE_VADDR,
    CapType,
    EndpointState,
    IrqState,
    NotificationState,
    ObjectType,
    ThreadState,
)
from mlk.abi.rights import ALL_RIGHTS, Right
from mlk.abi.syscalls import CONTEXT_REGS, Reg, Syscall
from mlk.model.boot import boot
from mlk.model.cnode import BADGED
from mlk.model.cspace import cap_target
from mlk.model.events import Event, FaultEvent, IrqEvent, Result, SyscallEvent, TickEvent, syscall_event
from mlk.model.gen import EventGen, test_machine
from mlk.model.invariants import violations
from mlk.model.kernel import step
from mlk.model.state import (
    WORD_MASK,
    Cap,
    CNode,
    Endpoint,
    Notification,
    ObjId,
    PageTable,
    State,
    Tcb,
    TState,
    VSpace,
)
from mlk.model.untyped import size_bits_of
from mlk.model.vm import LEAF_LEVEL, level_shift, table_index

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


#: What :meth:`KernelMachine.act_on_ready_thread` does to a queued thread.
READY_OPS = ("suspend", "set_priority", "destroy", "configure")
#: How :meth:`KernelMachine.step_aside` gives the processor away.
ASIDE = ("yield", "receive", "wait", "call", "suspend")
#: Rights a mapping is asked for.
MAP_RIGHTS = (Right.READ | Right.WRITE, Right.READ, Right.WRITE, ALL_RIGHTS)
#: Revokes a scenario makes at most before it deletes a capability (each removes one child).
MAX_REVOKES = 8


class View(NamedTuple):
    """What the current thread can name: its CSpace root, the CPtr of a capability to that root
    (through which it names its own slots as CNode arguments), its capabilities by CPtr and its
    empty slots. Slot 0 is left out: it can hold a capability, but the null CPtr never names it."""

    tid: ObjId
    root: ObjId
    own: int
    caps: dict[int, Cap]
    free: list[int]


class KernelMachine(RuleBasedStateMachine):
    """Random programs of events from boot, checking every invariant after every event."""

    def __init__(self) -> None:
        super().__init__()
        self.state = boot(test_machine())

    def apply(self, event: Event) -> None:
        """Step, checking the result and every invariant."""
        before = self.state
        self.state, result = step(before, event)
        problems = result_problems(before, self.state, result)
        assert not problems, (problems, event)
        broken = violations(self.state)
        assert broken == [], (broken, event)

    def generate(self, seed: int, count: int) -> None:
        """``count`` events from the plausible-event generator."""
        gen = EventGen(random.Random(seed))
        for _ in range(count):
            self.apply(gen.event(self.state))

    # Scenario helpers: calls of the current thread on capabilities it holds.

    def view(self) -> View | None:
        """The current thread's :class:`View`; ``None`` when the machine halted, the idle thread
        runs or the current thread holds no capability to its own CSpace root."""
        s = self.state
        tcb = s.objects.get(s.current)
        if s.halted is not None or s.current == s.machine.idle_tcb or not isinstance(tcb, Tcb) or tcb.cspace is None:
            return None
        root = tcb.cspace
        node = s.objects[root]
        assert isinstance(node, CNode)
        caps = {i: sl.cap for (c, i), sl in sorted(s.slots.items()) if c == root and i != NULL_CPTR}
        own = [i for i, cap in caps.items() if cap_target(cap) == (CapType.CNODE, root)]
        if not own:
            return None
        free = [i for i in range(1, 1 << node.radix) if i not in caps]
        return View(s.current, root, own[0], caps, free)

    def invoke(self, cptr: int, label: Label, *args: int) -> int | None:
        """The current thread Calls capability ``cptr`` with ``label`` and ``args``; the error
        code of the kernel's reply (``None`` when the caller no longer exists)."""
        caller = self.state.current
        self.apply(syscall_event(Syscall.CALL, cptr=cptr, msginfo=msginfo.pack(label, len(args)), mrs=args))
        tcb = self.state.objects.get(caller)
        return tcb.ctx[Reg.BADGE] if isinstance(tcb, Tcb) else None

    def still(self, v: View) -> bool:
        """Whether the thread of ``v`` still runs (a scenario stops when it does not)."""
        return self.state.current == v.tid

    def retype(self, v: View, otype: ObjectType, slot: int) -> bool:
        """Retype one object of ``otype`` into the current thread's empty slot ``slot`` from the
        first of its untyped regions with room; whether it was made."""
        bits = size_bits_of(otype, 1)
        for i, cap in v.caps.items():
            if cap.type != CapType.UNTYPED:
                continue
            used = cap.watermark if self.state.slots[(v.root, i)].children else 0
            start = (cap.obj + used + (1 << bits) - 1) >> bits << bits
            if start + (1 << bits) <= cap.obj + (1 << cap.size_bits):
                self.invoke(i, Label.UNTYPED_RETYPE, otype, 1, v.own, slot, 1)
                return (v.root, slot) in self.state.slots
        return False

    def spawn(self, v: View, prio: int, slot: int) -> int | None:
        """Give the current thread one more runnable thread, queued behind it: a thread it holds
        that is INACTIVE (else a new one, retyped into ``slot``) is configured to run in the
        caller's CSpace and VSpace (with a fault endpoint when it holds one), given priority
        ``prio`` capped at the caller's own (no thread can raise another above itself) and
        resumed. Its CPtr, or ``None`` when that is not possible."""
        s = self.state
        inactive = [
            i
            for i, cap in v.caps.items()
            if cap.type == CapType.TCB and s.objects[cap.obj].state.kind == ThreadState.INACTIVE  # type: ignore[union-attr]
        ]
        if inactive:
            cptr = inactive[0]
        elif self.retype(v, ObjectType.TCB, slot) and self.still(v):
            cptr = slot
        else:
            return None
        eps = [i for i, cap in v.caps.items() if cap.type == CapType.ENDPOINT]
        vspaces = [i for i, cap in v.caps.items() if cap.type == CapType.VSPACE]
        own_prio = self.state.objects[v.tid].priority  # type: ignore[union-attr]
        calls = (
            (Label.TCB_CONFIGURE, eps[0] if eps else NULL_CPTR, v.own, vspaces[0] if vspaces else NULL_CPTR),
            (Label.TCB_SET_PRIORITY, min(prio, own_prio)),
            (Label.TCB_RESUME,),
        )
        for label, *args in calls:
            if not self.still(v):
                return None
            self.invoke(cptr, label, *args)
        return cptr if self.still(v) else None

    def destroy(self, v: View, cptr: int) -> None:
        """Delete the capability in the current thread's slot ``cptr`` after revoking its
        children (each Revoke deletes the youngest one); when it is the original capability, its
        object is destroyed."""
        for _ in range(MAX_REVOKES):
            slot = self.state.slots.get((v.root, cptr))
            if slot is None or not slot.children or not self.still(v):
                break
            self.invoke(v.own, Label.CNODE_REVOKE, cptr)
        if self.still(v):
            self.invoke(v.own, Label.CNODE_DELETE, cptr)

    def call_endpoint(self, ep: ObjId, word: int) -> ObjId | None:
        """The current thread Calls endpoint ``ep`` (one message register, ``word``) through a
        capability it holds that lets it send and get a reply; the caller, ``None`` when it holds
        none."""
        v = self.view()
        usable = [
            i
            for i, cap in (v.caps.items() if v is not None else ())
            if cap_target(cap) == (CapType.ENDPOINT, ep)
            and cap.rights & Right.WRITE
            and cap.rights & (Right.GRANT | Right.GRANT_REPLY)
        ]
        if v is None or not usable:
            return None
        self.apply(syscall_event(Syscall.CALL, cptr=usable[0], msginfo=msginfo.pack(1, 1), mrs=(word,)))
        return v.tid

    def receives(self, v: View, cptr: int) -> bool:
        """The current thread (that of ``v``) receives on endpoint ``cptr``; whether it now waits
        there (a pending signal of its bound notification or a queued sender is taken instead)."""
        self.apply(syscall_event(Syscall.RECV, cptr=cptr))
        tcb = self.state.objects[v.tid]
        assert isinstance(tcb, Tcb)
        return tcb.state == TState(ThreadState.BLOCKED_ON_RECEIVE, v.caps[cptr].obj)

    def leaf_table(self, vspace: ObjId) -> PageTable | None:
        """The level-3 table of ``vspace`` that maps the root task's image (so it has free entries
        next to the image), ``None`` when there is none."""
        table: object = self.state.objects.get(vspace)
        for level in range(LEAF_LEVEL):
            if not isinstance(table, PageTable | VSpace):
                return None
            entry = table.entries.get(table_index(ROOT_IMAGE_VADDR, level))
            table = self.state.objects.get(entry.obj) if entry is not None else None
        return table if isinstance(table, PageTable) else None

    # Rules.

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

    @rule(pick=st.integers(0, 2**16), badge=st.integers(1, WORD_MASK), mutate=st.booleans())
    def rebadge(self, pick: int, badge: int, mutate: bool) -> None:
        """A badge is set once: the current thread mints one of its badged endpoint or
        notification capabilities again with another non-zero badge (and, with ``mutate``, tries
        to Mutate it to that badge). The spec refuses the Mint with ILLEGAL_OPERATION and makes no
        copy; so a copy always carries its parent's badge (badge_never_changes). A thread that
        holds no badged capability first mints one with ``badge`` from an endpoint or
        notification capability it holds, retyping the object when it holds none."""
        v = self.view()
        if v is None or len(v.free) < 2:
            return
        dst = v.free[pick % len(v.free)]
        badged = [i for i, cap in v.caps.items() if cap.type in BADGED and cap.badge]
        if not badged:
            ipc_caps = [i for i, cap in v.caps.items() if cap.type in BADGED]
            if not ipc_caps:
                otype = (ObjectType.ENDPOINT, ObjectType.NOTIFICATION)[pick % 2]
                if not self.retype(v, otype, dst) or not self.still(v):
                    return
                ipc_caps = [dst]
                dst = next(i for i in v.free if i != dst)
            self.invoke(v.own, Label.CNODE_MINT, dst, v.own, ipc_caps[pick % len(ipc_caps)], ALL_RIGHTS, badge)
            v = self.view()
            if v is None or v.tid != self.state.current or not v.free:
                return
            badged = [i for i, cap in v.caps.items() if cap.type in BADGED and cap.badge]
            if not badged:
                return
            dst = v.free[pick % len(v.free)]
        src = badged[pick % len(badged)]
        old = v.caps[src].badge
        other = badge if badge != old else badge % WORD_MASK + 1
        error = self.invoke(v.own, Label.CNODE_MINT, dst, v.own, src, ALL_RIGHTS, other)
        assert error == Error.ILLEGAL_OPERATION and (v.root, dst) not in self.state.slots, "a badge was changed"
        if mutate and self.still(v):
            self.invoke(v.own, Label.CNODE_MUTATE, dst, v.own, src, ALL_RIGHTS, other)

    @rule(pick=st.integers(0, 2**16), op=st.sampled_from(READY_OPS), prio=st.integers(0, NUM_PRIORITIES - 1))
    def act_on_ready_thread(self, pick: int, op: str, prio: int) -> None:
        """Another thread stops being runnable, or moves, while it waits in a ready queue: the
        current thread suspends it, sets its priority (at most its own: the thread moves to the
        tail of that priority's queue), destroys it (revokes the copies of its original TCB
        capability, then deletes the original) or reconfigures it, through a TCB capability it
        holds. A thread that leaves the runnable state leaves its queue (valid_queues,
        valid_blocked). When no queued thread is held, one is made first (:meth:`spawn`)."""
        v = self.view()
        if v is None or not v.free:
            return
        s = self.state
        queued = {t for q in s.queues.values() for t in q}
        held = [i for i, cap in v.caps.items() if cap.type == CapType.TCB and cap.obj in queued]
        if held:
            cptr = held[pick % len(held)]
        else:
            spawned = self.spawn(v, prio, v.free[pick % len(v.free)])
            v = self.view()
            if spawned is None or v is None or v.tid != self.state.current:
                return
            cptr = spawned
        target = v.caps[cptr].obj
        own_prio = self.state.objects[v.tid].priority  # type: ignore[union-attr]
        if op == "suspend":
            self.invoke(cptr, Label.TCB_SUSPEND)
        elif op == "set_priority":
            self.invoke(cptr, Label.TCB_SET_PRIORITY, min(prio, own_prio))
        elif op == "configure":
            self.invoke(cptr, Label.TCB_CONFIGURE, NULL_CPTR, v.own, NULL_CPTR)
        else:
            originals = [
                i
                for i, cap in v.caps.items()
                if cap_target(cap) == (CapType.TCB, target)
                and (
                    (parent := self.state.slots[(v.root, i)].parent) is None
                    or cap_target(self.state.slots[parent].cap) != cap_target(cap)
                )
            ]
            self.destroy(v, originals[0] if originals else cptr)

    @rule(
        pick=st.integers(0, 2**16),
        mask=st.integers(0, 15),
        wanted=st.sampled_from(MAP_RIGHTS),
        keep=st.booleans(),
    )
    def map_reduced_copy(self, pick: int, mask: int, wanted: int, keep: bool) -> None:
        """A mapping never grants more than its capability: the current thread copies one of its
        frame capabilities with rights mask ``mask`` (a copy starts unmapped) and maps the copy
        with ``wanted`` rights at a free page next to its image. The mapping gets only the rights
        both allow (mapping_rights_within_cap); without READ among them it is refused
        (INVALID_ARGUMENT). Unless ``keep``, the copy is deleted again, which removes the mapping
        (mappings_match_caps). A thread without a frame capability retypes a frame first."""
        v = self.view()
        vspaces = [i for i, cap in (v.caps.items() if v is not None else ()) if cap.type == CapType.VSPACE]
        if v is None or len(v.free) < 2 or not vspaces:
            return
        vspace = vspaces[pick % len(vspaces)]
        leaf = self.leaf_table(v.caps[vspace].obj)
        unused = [i for i in range(1 << PT_INDEX_BITS) if leaf is not None and i not in leaf.entries]
        if not unused:
            return
        dst, spare = v.free[pick % len(v.free)], v.free[(pick + 1) % len(v.free)]
        frames = [i for i, cap in v.caps.items() if cap.type == CapType.FRAME]
        if frames:
            src = frames[pick % len(frames)]
        elif self.retype(v, ObjectType.FRAME, spare) and self.still(v):
            src = spare
        else:
            return
        self.invoke(v.own, Label.CNODE_COPY, dst, v.own, src, mask)
        if (v.root, dst) not in self.state.slots or not self.still(v):
            return
        base = ROOT_IMAGE_VADDR >> level_shift(LEAF_LEVEL - 1) << level_shift(LEAF_LEVEL - 1)
        vaddr = base + (unused[pick % len(unused)] << PAGE_BITS)
        error = self.invoke(dst, Label.FRAME_MAP, vspace, vaddr, wanted)
        readable = bool(v.caps[src].rights & mask & wanted & Right.READ)
        assert (error == Error.OK) == readable, ("frame mapped against its rights", error)
        if not keep and self.still(v):
            self.invoke(v.own, Label.CNODE_DELETE, dst)

    @rule(pick=st.integers(0, 2**16), prio=st.integers(0, NUM_PRIORITIES - 1))
    def serve_two_calls(self, pick: int, prio: int) -> None:
        """A server's right to reply ends when it receives again (as seL4's reply capability):
        the current thread S waits on an idle endpoint; the next thread to run, A, Calls it, so A
        awaits S's reply and S holds the right to give it; S receives again without replying,
        which drops that right: A stays BLOCKED_ON_REPLY naming no replier (only Suspend or its
        deletion ends that wait). Then the next thread to run, B, Calls S, which replies to B
        alone (valid_reply_caps, sym_refs), and S restarts A by suspending and resuming it when it
        holds A's TCB. S first makes the endpoint when it holds no idle one, and (:meth:`spawn`)
        the callers when fewer than two other threads are runnable; when no other thread could
        run after A's call, S just replies to A."""
        v = self.view()
        if v is None or len(v.free) < 3:
            return
        idle = [
            i
            for i, cap in v.caps.items()
            if cap.type == CapType.ENDPOINT
            and cap.rights == ALL_RIGHTS
            and self.state.objects[cap.obj] == Endpoint(EndpointState.IDLE, ())
        ]
        if not idle and not (self.retype(v, ObjectType.ENDPOINT, v.free[0]) and self.still(v)):
            return
        ep = idle[pick % len(idle)] if idle else v.free[0]
        for _ in range(2):
            v = self.view()
            if v is None or v.tid != self.state.current or len({t for q in self.state.queues.values() for t in q}) >= 2:
                break
            self.spawn(v, prio, v.free[pick % len(v.free)])
        v = self.view()
        if v is None or v.tid != self.state.current or ep not in v.caps or len(self.state.queues) == 0:
            return
        target = v.caps[ep].obj
        if not self.receives(v, ep):
            return
        first = self.call_endpoint(target, pick)
        if first is None or not self.still(v):
            return
        if not self.state.queues:
            self.apply(syscall_event(Syscall.REPLY))
            return
        if not self.receives(v, ep):
            return
        abandoned = self.state.objects[first]
        assert isinstance(abandoned, Tcb) and abandoned.state == TState(ThreadState.BLOCKED_ON_REPLY), (
            "a server that receives again still holds its reply right",
            abandoned,
        )
        if self.call_endpoint(target, pick + 1) is None or not self.still(v):
            return
        self.apply(syscall_event(Syscall.REPLY, msginfo=msginfo.pack(0, 1), mrs=(pick,)))
        held = [i for i, cap in v.caps.items() if cap_target(cap) == (CapType.TCB, first)]
        for label in (Label.TCB_SUSPEND, Label.TCB_RESUME):
            if held and self.still(v):
                self.invoke(held[0], label)

    @rule(pick=st.integers(0, 2**16), first=st.integers(0, 2**63), second=st.integers(1, 2**63))
    def signals_accumulate(self, pick: int, first: int, second: int) -> None:
        """Signals accumulate: the current thread mints two badged copies of a capability to a
        notification that has no waiters and is bound to no other thread (a new one when it
        holds none), signals through both and polls: it gets the word the notification had
        pending (if ACTIVE) ORed with both badges, and the notification is IDLE again. The
        badges (``first`` made odd, ``second`` even) each have a bit the other lacks."""
        v = self.view()
        if v is None or len(v.free) < 3:
            return
        me = v.tid

        def usable(cap: Cap) -> bool:
            ntfn = self.state.objects.get(cap.obj)
            return (
                cap.type == CapType.NOTIFICATION
                and cap.badge == 0
                and cap.rights == ALL_RIGHTS
                and isinstance(ntfn, Notification)
                and ntfn.state != NotificationState.WAITING
                and ntfn.bound in (None, me)
            )

        held = [i for i, cap in v.caps.items() if usable(cap)]
        if not held and not (self.retype(v, ObjectType.NOTIFICATION, v.free[0]) and self.still(v)):
            return
        src = held[pick % len(held)] if held else v.free[0]
        badges = (first | 1, second & ~1 or 2)
        slots = [i for i in v.free if i != src][:2]
        for slot, badge in zip(slots, badges, strict=True):
            if self.still(v):
                self.invoke(v.own, Label.CNODE_MINT, slot, v.own, src, ALL_RIGHTS, badge)
        v = self.view()
        if v is None or v.tid != self.state.current or not all(i in v.caps for i in (src, *slots)):
            return
        ntfn = self.state.objects[v.caps[src].obj]
        assert isinstance(ntfn, Notification)
        pending = ntfn.word if ntfn.state == NotificationState.ACTIVE else 0
        for slot in slots:
            self.apply(syscall_event(Syscall.NB_SEND, cptr=slot))
        self.apply(syscall_event(Syscall.NB_RECV, cptr=src))
        got = self.state.objects[v.tid].ctx[Reg.BADGE]  # type: ignore[union-attr]
        assert got == pending | badges[0] | badges[1], ("signals lost", hex(got), hex(pending), badges)

    @rule(pick=st.integers(0, 2**16))
    def interrupt_until_acknowledged(self, pick: int) -> None:
        """An interrupt line delivers once until acknowledged: a SIGNAL line with a notification
        interrupts twice; after the first interrupt it is masked, so the second changes nothing;
        then the current thread acknowledges it (when it holds its handler capability), which
        unmasks it. When no line signals a notification, the current thread first issues a
        handler capability for a free line and sets a notification of its own on it (retyped
        when it holds none)."""
        if self.state.halted is not None:
            return
        lines = [irq for irq, line in self.state.irqs.items() if line.state == IrqState.SIGNAL and line.ntfn]
        if not lines:
            self.issue_line(pick)
            lines = [irq for irq, line in self.state.irqs.items() if line.state == IrqState.SIGNAL and line.ntfn]
            if not lines:
                return
        irq = lines[pick % len(lines)]
        line = self.state.irqs[irq]
        self.apply(IrqEvent(irq))
        if not line.masked:
            assert self.state.irqs[irq].masked, "a delivered interrupt left its line unmasked"
        ntfn = line.ntfn
        before = self.state.objects.get(ntfn)  # type: ignore[arg-type]
        self.apply(IrqEvent(irq))
        assert self.state.objects.get(ntfn) == before, "a masked line delivered an interrupt"  # type: ignore[arg-type]
        v = self.view()
        handlers = [i for i, cap in (v.caps.items() if v else ()) if cap_target(cap) == (CapType.IRQ_HANDLER, irq)]
        if v is not None and handlers:
            self.invoke(handlers[0], Label.IRQ_HANDLER_ACK)
            assert not self.state.irqs[irq].masked, "an acknowledged line stayed masked"

    def issue_line(self, pick: int) -> None:
        """The current thread issues the handler capability of a free interrupt line and sets a
        notification it holds (a new one when it holds none) on it."""
        v = self.view()
        controls = [i for i, cap in (v.caps.items() if v else ()) if cap.type == CapType.IRQ_CONTROL]
        free_lines = [i for i in range(self.state.machine.irq_lines) if i not in self.state.irqs]
        if v is None or not controls or not free_lines or len(v.free) < 2:
            return
        ntfns = [i for i, cap in v.caps.items() if cap.type == CapType.NOTIFICATION and cap.rights & Right.WRITE]
        if not ntfns and not (self.retype(v, ObjectType.NOTIFICATION, v.free[1]) and self.still(v)):
            return
        handler = v.free[0]
        self.invoke(controls[0], Label.IRQ_CONTROL_ISSUE, free_lines[pick % len(free_lines)], v.own, handler)
        if self.still(v) and (v.root, handler) in self.state.slots:
            self.invoke(handler, Label.IRQ_HANDLER_SET_NOTIFICATION, ntfns[pick % len(ntfns)] if ntfns else v.free[1])

    @rule(how=st.sampled_from(ASIDE), pick=st.integers(0, 2**16))
    def step_aside(self, how: str, pick: int) -> None:
        """The current thread gives the processor away while another can run, so that the next
        steps come from another thread with its own view: it yields, blocks receiving on an
        endpoint, waiting on a notification or calling an endpoint (a receiver may be waiting:
        then it awaits the reply), or suspends itself. Without a capability for that it yields."""
        v = self.view()
        if v is None or not self.others_can_run():
            return
        wanted = {
            "receive": (CapType.ENDPOINT, Syscall.RECV),
            "wait": (CapType.NOTIFICATION, Syscall.RECV),
            "call": (CapType.ENDPOINT, Syscall.CALL),
            "suspend": (CapType.TCB, Syscall.CALL),
        }
        ctype, sysno = wanted.get(how, (None, Syscall.YIELD))
        cptrs = [i for i, cap in v.caps.items() if cap.type == ctype and (how != "suspend" or cap.obj == v.tid)]
        if not cptrs:
            self.apply(syscall_event(Syscall.YIELD))
            return
        info = msginfo.pack(Label.TCB_SUSPEND if how == "suspend" else pick % 4, 2)
        self.apply(syscall_event(sysno, cptr=cptrs[pick % len(cptrs)], msginfo=info, mrs=(pick, pick + 1)))
