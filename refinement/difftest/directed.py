"""Invocations aimed at one answer: hostile arguments chosen with the spec as the oracle.

To reach an error branch of an invocation the arguments must pass every earlier check and fail
exactly that one. :func:`aimed` does not encode each operation's checks a second time: it takes an
invocation the spec's generator draws for the current state (:meth:`mlk.model.gen.EventGen.invocation`,
mostly valid), spoils one or two of its arguments with hostile values, and asks the spec which
answer the result gets (:func:`mlk.refinement.difftest.answers.answer`), until one gets the answer
wanted. The hostile values (:func:`hostile_values`) are the kinds issue 8 names, drawn for the
calling thread's CSpace:

* bad CPtrs: NULL, empty slots (also slots whose capability was deleted or revoked earlier),
  indices beyond the CNode, all ones;
* wrong object types and missing rights: the thread's own capabilities of every kind (a copy with
  fewer rights is one of them once the program minted it);
* out-of-range values: both sides of every bound the spec checks (priorities, register numbers
  and counts, object sizes and counts, interrupt lines, 2**48);
* unaligned addresses: the drawn address plus 1 or 8, an image page's address plus 0x800;
* self-references: the invoked capability's own CPtr as an argument, the source slot as the
  destination, the caller's own TCB and CNode;
* slots whose capability has children, or whose youngest child cannot be deleted;
* occupied slots, mapped addresses (the image's pages), and a message too short for the
  operation (TRUNCATED_MESSAGE).

Errors that need state first (a capability with children for REVOKE_FIRST, a bound thread, a
full untyped region for NOT_ENOUGH_MEMORY) are reached when the program's earlier steps built that
state: a focused program keeps aiming for its whole length.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from mlk.abi import msginfo
from mlk.abi.labels import Label
from mlk.abi.objects import (
    CNODE_MAX_RADIX,
    NULL_CPTR,
    NUM_PRIORITIES,
    PAGE_BITS,
    RETYPE_MAX_OBJECTS,
    ROOT_IMAGE_VADDR,
    UNTYPED_MAX_BITS,
    UNTYPED_MIN_BITS,
    VADDR_BITS,
    CapType,
    ObjectType,
)
from mlk.abi.rights import ALL_RIGHTS
from mlk.abi.syscalls import CONTEXT_REGS, MSG_REGS, Reg, Syscall
from mlk.model import delete
from mlk.model import gen as spec_gen
from mlk.model.errors import KernelError
from mlk.model.events import SyscallEvent, syscall_event
from mlk.model.invocation import OPERATIONS
from mlk.model.kernel import classify
from mlk.model.state import WORD_MASK, CNode, ObjId, SlotRef, State, Tcb
from mlk.model.tx import Tx
from mlk.refinement.difftest.answers import answer

#: Candidates tried for one aimed step.
TRIES = 48
#: Share of aimed invocations made with Send or NBSend instead of Call (no reply: the kernel's
#: other way out of a failed check).
SEND_SHARE = 0.1
#: Message registers an invocation can carry.
_ARGS = Reg.SYSNO - Reg.MR0


def hostile_values(state: State, tid: int, args: tuple[int, ...]) -> list[list[int]]:
    """Groups of hostile argument values for thread ``tid`` in ``state`` (see the module
    documentation), around the drawn arguments ``args``."""
    tcb = state.objects[tid]
    assert isinstance(tcb, Tcb)
    radix = 0
    occupied: list[int] = []
    empty: list[int] = []
    if tcb.cspace is not None:
        cnode = state.objects[tcb.cspace]
        assert isinstance(cnode, CNode)
        radix = cnode.radix
        occupied = sorted(i for (c, i) in state.slots if c == tcb.cspace)
        empty = [i for i in range(1, min(1 << radix, 512)) if (tcb.cspace, i) not in state.slots][:8]
    # Slots whose capability has children (REVOKE_FIRST for Move, Mutate, Delete), or whose
    # youngest child has children or is the last capability of a busy object (Revoke's errors).
    root = tcb.cspace or 0
    # Empty slots of the other CNodes the thread holds capabilities to (destinations there).
    others = sorted({
        i
        for (c, _), slot in state.slots.items()
        if c == root and slot.cap.type == CapType.CNODE and slot.cap.obj != root
        for i in range(min(1 << _radix(state, slot.cap.obj), 8))
        if (slot.cap.obj, i) not in state.slots
    })
    parents = [i for i in occupied if state.slots[(root, i)].children]
    blocked = [i for i in parents if _undeletable(state, state.slots[(root, i)].children[-1])]
    machine = state.machine
    bounds = [
        0, 1, 2, WORD_MASK, 1 << 63, (1 << radix) - 1, 1 << radix, (1 << radix) + 1,
        NUM_PRIORITIES - 1, NUM_PRIORITIES, tcb.priority, tcb.priority + 1,
        MSG_REGS - 2, MSG_REGS - 1, MSG_REGS, MSG_REGS + 1, CONTEXT_REGS - 1, CONTEXT_REGS,
        RETYPE_MAX_OBJECTS, RETYPE_MAX_OBJECTS + 1, len(ObjectType), len(ObjectType) + 1,
        UNTYPED_MIN_BITS - 1, UNTYPED_MAX_BITS, UNTYPED_MAX_BITS + 1, CNODE_MAX_RADIX, CNODE_MAX_RADIX + 1,
        machine.irq_lines - 1, machine.irq_lines, machine.console_irq, machine.timer_irq,
        1 << VADDR_BITS, (1 << VADDR_BITS) - (1 << PAGE_BITS),
    ]  # fmt: skip
    pages = [ROOT_IMAGE_VADDR + (i << PAGE_BITS) for i in range(machine.root_image_pages)]
    addresses = [*pages, ROOT_IMAGE_VADDR + 0x800, *spec_gen.VADDRS]
    nearby = [(a + d) & WORD_MASK for a in args for d in (1, -1, 8, 1 << PAGE_BITS, 1 << VADDR_BITS)]
    return [g for g in (occupied, [*empty, NULL_CPTR], bounds, addresses, nearby, parents, blocked, others) if g]


def _radix(state: State, cnode: ObjId) -> int:
    node = state.objects.get(cnode)
    return node.radix if isinstance(node, CNode) else 0


def fill_cnode(state: State) -> SyscallEvent | None:
    """A CNode Copy by the current thread that makes the youngest child of one of its untyped
    capabilities busy: a copy of the thread's TCB capability into slot 0 of a CNode retyped from
    it (a Revoke of the untyped capability then fails with DELETE_FIRST); ``None`` when there is
    no such CNode."""
    tcb = state.objects[state.current]
    assert isinstance(tcb, Tcb)
    root = tcb.cspace
    mine = {sl.cap.obj: i for (c, i), sl in state.slots.items() if c == root}
    for (c, _), slot in state.slots.items():
        if c != root or slot.cap.type != CapType.UNTYPED or not slot.children:
            continue
        child = state.slots[slot.children[-1]]
        node = state.objects.get(child.cap.obj)
        if child.cap.type == CapType.CNODE and isinstance(node, CNode) and not node.used and not child.children:
            cnode, own, tcb_cptr = mine.get(child.cap.obj), mine.get(root), mine.get(state.current)
            if cnode is None or own is None or tcb_cptr is None:
                continue
            info = msginfo.pack(Label.CNODE_COPY, 4)
            return syscall_event(Syscall.CALL, cptr=cnode, msginfo=info, mrs=(0, own, tcb_cptr, ALL_RIGHTS))
    return None


def _undeletable(state: State, ref: SlotRef) -> bool:
    """Whether deleting the capability in slot ``ref`` fails (:func:`mlk.model.delete.check_delete`)."""
    try:
        delete.check_delete(Tx(state), ref)
    except KernelError:
        return True
    return False


def aimed(
    events: spec_gen.EventGen,
    state: State,
    transition: str,
    want: str,
    accept: Callable[[State, SyscallEvent], bool],
    tries: int = TRIES,
) -> SyscallEvent | None:
    """An invocation by the current thread of ``state`` that is ``transition`` (an invocation's
    name, as :func:`mlk.model.kernel.classify` gives it) and gets answer ``want`` (an
    :class:`~mlk.abi.errors.Error` name), and that ``accept`` allows; ``None`` when none of
    ``tries`` candidates is."""
    # The candidates come from a plain generator seeded by one draw of the caller's: a Hypothesis
    # controlled one costs a tenth of a millisecond per draw, and a search makes thousands.
    drawn = events.rng
    rng = events.rng = random.Random(drawn.getrandbits(64))
    try:
        for _ in range(tries):
            base = _base(events, state, transition)
            if base is None:
                return None
            candidate = base if rng.random() < 0.2 else _spoil(rng, state, base)
            if rng.random() < SEND_SHARE:
                ctx = list(candidate.ctx)
                ctx[Reg.SYSNO] = rng.choice((Syscall.SEND, Syscall.NB_SEND))
                candidate = SyscallEvent(tuple(ctx))
            aimed = classify(state, candidate) == transition and answer(state, candidate) == want
            if aimed and accept(state, candidate):
                return candidate
        return None
    finally:
        events.rng = drawn


def _base(events: spec_gen.EventGen, state: State, transition: str) -> SyscallEvent | None:
    """A drawn invocation of ``transition`` (for "illegal_invocation": an invocable capability
    with a label of another kind's operation)."""
    if transition != "illegal_invocation":
        return events.invocation(state, Label[transition.upper()])
    kinds = sorted({ctype for ctype, _ in OPERATIONS})
    for kind in events.rng.sample(kinds, len(kinds)):
        labels = [label for (ctype, label) in OPERATIONS if ctype == kind]
        found = events.invocation(state, events.rng.choice(labels))
        if found is not None:
            wrong = events.rng.choice([*(label for label in Label if label not in labels), 0, 0xFFFF])
            ctx = list(found.ctx)
            ctx[Reg.MSGINFO] = msginfo.pack(wrong, msginfo.LENGTH.get(found.ctx[Reg.MSGINFO]))
            return SyscallEvent(tuple(ctx))
    return None


def _spoil(rng: random.Random, state: State, event: SyscallEvent) -> SyscallEvent:
    """``event`` with one or two of its arguments (or its message length) replaced by hostile
    values."""
    ctx = list(event.ctx)
    info = ctx[Reg.MSGINFO]
    length = msginfo.LENGTH.get(info)
    args = tuple(ctx[Reg.MR0 : Reg.MR0 + length])
    groups = hostile_values(state, state.current, args)
    for _ in range(rng.choice((1, 1, 2))):
        if length == 0 or rng.random() < 0.1:
            length = rng.randrange(min(length, _ARGS) + 1)  # a message too short
            continue
        group = rng.choice(groups)
        position = rng.randrange(length)
        if rng.random() < 0.15:
            ctx[Reg.MR0 + position] = ctx[Reg.CPTR]  # the invoked capability as its own argument
        else:
            ctx[Reg.MR0 + position] = rng.choice(group)
    ctx[Reg.MSGINFO] = msginfo.pack(msginfo.LABEL.get(info), length, msginfo.EXTRA_CAPS.get(info))
    return SyscallEvent(tuple(ctx))
