"""The invariants: executable, named predicates over :class:`~mlk.model.state.State`.

Every reachable state (the boot state and every state :func:`~mlk.model.kernel.step` produces
from one) satisfies all of them; the tests check that after every step, and the proofs prove it
for every transition. The names follow seL4's abstract invariants where one applies; the others
state MyLittleKernel's own guarantees. :data:`INVARIANTS` lists them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import pairwise

from mlk.abi.objects import (
    CNODE_MAX_RADIX,
    NUM_PRIORITIES,
    PT_INDEX_BITS,
    ROOT_CNODE_RADIX,
    TIME_SLICE_TICKS,
    UNTYPED_MAX_BITS,
    UNTYPED_MIN_BITS,
    CapType,
    EndpointState,
    IrqState,
    NotificationState,
    ThreadState,
)
from mlk.abi.rights import ALL_RIGHTS, Right
from mlk.abi.syscalls import CONTEXT_REGS
from mlk.model import vm
from mlk.model.state import (
    CAP_TYPE_OF,
    WORD_MASK,
    Cap,
    CNode,
    Endpoint,
    Frame,
    Notification,
    ObjId,
    PageTable,
    Pte,
    SlotRef,
    State,
    Tcb,
    VSpace,
    object_size_bits,
)

Invariant = Callable[[State], bool]


def _tcbs(s: State) -> Iterator[tuple[ObjId, Tcb]]:
    """Every thread except the idle thread."""
    for oid, obj in s.objects.items():
        if isinstance(obj, Tcb) and oid != s.machine.idle_tcb:
            yield oid, obj


def _same_target(a: Cap, b: Cap) -> bool:
    """Whether capability ``b``, a child of ``a`` in the CDT, designates the same object as ``a``
    (a copy). A child of an untyped capability never does: untyped capabilities are never copied,
    so each of their children is a new object or region made by Retype, even when a child untyped
    starts at its parent's base address."""
    return a.type == b.type and a.obj == b.obj and a.type != CapType.UNTYPED


def _queue_ok(queue: tuple[ObjId, ...], s: State) -> bool:
    return len(set(queue)) == len(queue) and all(
        isinstance(s.objects.get(t), Tcb) and t != s.machine.idle_tcb for t in queue
    )


def _word(v: int) -> bool:
    """Whether ``v`` fits a 64-bit register."""
    return 0 <= v <= WORD_MASK


def valid_objs(s: State) -> bool:
    """Every object is well formed: a thread has a full register context of 64-bit values, a
    priority below NUM_PRIORITIES and a time slice in 1..TIME_SLICE_TICKS, and the badge of its
    blocked send and the words of its pending fault are 64-bit values (they reach registers); an
    endpoint's queue is empty exactly when it is IDLE and holds distinct threads; a notification's
    queue is non-empty exactly when it is WAITING, holds distinct threads, and its word is a 64-bit
    value, 0 unless ACTIVE; a CNode's radix is in range; table indices are below 512. Transitions
    rely on these shapes."""
    for oid, obj in s.objects.items():
        if isinstance(obj, Tcb):
            if len(obj.ctx) != CONTEXT_REGS or any(not _word(v) for v in obj.ctx):
                return False
            if not (0 <= obj.priority < NUM_PRIORITIES and 1 <= obj.time_slice <= TIME_SLICE_TICKS):
                return False
            if not _word(obj.state.badge) or (obj.fault is not None and not all(map(_word, obj.fault[1:]))):
                return False
        elif isinstance(obj, Endpoint):
            if (obj.state == EndpointState.IDLE) != (not obj.queue) or not _queue_ok(obj.queue, s):
                return False
        elif isinstance(obj, Notification):
            if (obj.state == NotificationState.WAITING) != bool(obj.queue) or not _queue_ok(obj.queue, s):
                return False
            if (obj.state != NotificationState.ACTIVE and obj.word != 0) or not _word(obj.word):
                return False
        elif isinstance(obj, CNode):
            if not 1 <= obj.radix <= max(CNODE_MAX_RADIX, ROOT_CNODE_RADIX):
                return False
        elif isinstance(obj, PageTable | VSpace):
            if any(not 0 <= i < 1 << PT_INDEX_BITS for i in obj.entries):
                return False
        elif oid != s.machine.console_base and obj.device:
            return False
    return True


def valid_caps(s: State) -> bool:
    """Every capability designates something live of its kind: an object of the matching type,
    an interrupt line that exists, or a well-formed untyped region (size within the untyped
    limits, watermark within the region); its rights are among the four rights and its badge is
    a 64-bit value (badges reach registers); every occupied slot exists in a live CNode."""
    for (cnode, index), slot in s.slots.items():
        node = s.objects.get(cnode)
        if not isinstance(node, CNode) or not 0 <= index < 1 << node.radix:
            return False
        cap = slot.cap
        if not (0 <= cap.rights <= ALL_RIGHTS and _word(cap.badge)):
            return False
        if cap.type == CapType.UNTYPED:
            if not (UNTYPED_MIN_BITS <= cap.size_bits <= UNTYPED_MAX_BITS and 0 <= cap.watermark <= 1 << cap.size_bits):
                return False
        elif cap.type == CapType.IRQ_HANDLER:
            if not 0 <= cap.obj < s.machine.irq_lines:
                return False
        elif cap.type == CapType.IRQ_CONTROL:
            if cap.obj != 0:
                return False
        else:
            obj = s.objects.get(cap.obj)
            if obj is None or CAP_TYPE_OF[type(obj)] != cap.type:
                return False
    return True


def valid_tcb_state(s: State) -> bool:
    """A thread's state refers to live objects of the right kind: a thread blocked sending or
    receiving names an endpoint, one blocked on a notification a notification, one awaiting a
    reply a thread (or none); its CSpace, VSpace and bound notification are of the right kind; a
    pending fault exists only while the fault message is queued (blocked sending a Call) or awaits
    its reply; no thread but the idle thread is IDLE."""
    for _, tcb in _tcbs(s):
        st = tcb.state
        target = s.objects.get(st.obj) if st.obj is not None else None
        if st.kind in (ThreadState.BLOCKED_ON_SEND, ThreadState.BLOCKED_ON_RECEIVE):
            if not isinstance(target, Endpoint):
                return False
        elif st.kind == ThreadState.BLOCKED_ON_NOTIFICATION:
            if not isinstance(target, Notification):
                return False
        elif st.kind == ThreadState.BLOCKED_ON_REPLY:
            if st.obj is not None and not isinstance(target, Tcb):
                return False
        elif st.kind == ThreadState.IDLE:
            return False
        if tcb.cspace is not None and not isinstance(s.objects.get(tcb.cspace), CNode):
            return False
        if tcb.vspace is not None and not isinstance(s.objects.get(tcb.vspace), VSpace):
            return False
        if tcb.bound is not None and not isinstance(s.objects.get(tcb.bound), Notification):
            return False
        if tcb.fault is not None and not (
            (st.kind == ThreadState.BLOCKED_ON_SEND and st.call) or st.kind == ThreadState.BLOCKED_ON_REPLY
        ):
            return False
    return True


def pspace_aligned(s: State) -> bool:
    """Every object lies at an address aligned to its size, as Retype places it: the kernel's
    address arithmetic depends on it."""
    return all(oid & ((1 << object_size_bits(obj)) - 1) == 0 for oid, obj in s.objects.items())


def pspace_distinct(s: State) -> bool:
    """No two objects overlap in memory: writing one object never changes another."""
    regions = sorted((oid, oid + (1 << object_size_bits(obj))) for oid, obj in s.objects.items())
    return all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(regions))


def sym_refs(s: State) -> bool:
    """References agree in both directions: a thread blocked on an endpoint or notification is in
    its queue (with the matching endpoint state) and every queued thread is blocked on it; a
    thread bound to a notification is that notification's bound thread and vice versa; a thread
    awaiting the reply of R is the thread R may reply to, and vice versa."""
    for oid, tcb in _tcbs(s):
        st = tcb.state
        if st.kind in (ThreadState.BLOCKED_ON_SEND, ThreadState.BLOCKED_ON_RECEIVE):
            ep = s.objects[st.obj]  # type: ignore[index]
            want = EndpointState.SENDING if st.kind == ThreadState.BLOCKED_ON_SEND else EndpointState.RECEIVING
            if not isinstance(ep, Endpoint) or ep.state != want or oid not in ep.queue:
                return False
        if st.kind == ThreadState.BLOCKED_ON_NOTIFICATION:
            ntfn = s.objects[st.obj]  # type: ignore[index]
            if not isinstance(ntfn, Notification) or oid not in ntfn.queue:
                return False
        if tcb.bound is not None:
            ntfn = s.objects[tcb.bound]
            if not isinstance(ntfn, Notification) or ntfn.bound != oid:
                return False
        if st.kind == ThreadState.BLOCKED_ON_REPLY and st.obj is not None:
            replier = s.objects[st.obj]
            if not isinstance(replier, Tcb) or replier.reply != oid:
                return False
        if tcb.reply is not None:
            caller = s.objects.get(tcb.reply)
            if not (
                isinstance(caller, Tcb)
                and caller.state.kind == ThreadState.BLOCKED_ON_REPLY
                and caller.state.obj == oid
            ):
                return False
    for oid, obj in s.objects.items():
        if isinstance(obj, Endpoint):
            kind = ThreadState.BLOCKED_ON_SEND if obj.state == EndpointState.SENDING else ThreadState.BLOCKED_ON_RECEIVE
            if any(_blocked_on(s, t) != (kind, oid) for t in obj.queue):
                return False
        elif isinstance(obj, Notification):
            if any(_blocked_on(s, t) != (ThreadState.BLOCKED_ON_NOTIFICATION, oid) for t in obj.queue):
                return False
            if obj.bound is not None:
                bound = s.objects.get(obj.bound)
                if not isinstance(bound, Tcb) or bound.bound != oid:
                    return False
    return True


def _blocked_on(s: State, tid: ObjId) -> tuple[ThreadState, ObjId | None] | None:
    tcb = s.objects.get(tid)
    return (tcb.state.kind, tcb.state.obj) if isinstance(tcb, Tcb) else None


def refcounts_exact(s: State) -> bool:
    """The counters the kernel keeps are exact: a CNode's ``used`` is its number of occupied
    slots; a CNode's and a VSpace's ``tcb_refs`` count the threads using it; a notification's
    ``irq_refs`` counts the lines signalling it. Deletion decides "busy" from them in constant
    time."""
    used: dict[ObjId, int] = {}
    for cnode, _ in s.slots:
        used[cnode] = used.get(cnode, 0) + 1
    refs: dict[ObjId, int] = {}
    for _, tcb in _tcbs(s):
        for r in (tcb.cspace, tcb.vspace):
            if r is not None:
                refs[r] = refs.get(r, 0) + 1
    irq_refs: dict[ObjId, int] = {}
    for line in s.irqs.values():
        if line.ntfn is not None:
            irq_refs[line.ntfn] = irq_refs.get(line.ntfn, 0) + 1
    for oid, obj in s.objects.items():
        if isinstance(obj, CNode) and (obj.used != used.get(oid, 0) or obj.tcb_refs != refs.get(oid, 0)):
            return False
        if isinstance(obj, VSpace) and obj.tcb_refs != refs.get(oid, 0):
            return False
        if isinstance(obj, Notification) and obj.irq_refs != irq_refs.get(oid, 0):
            return False
    return True


def if_live_then_nonz_cap(s: State) -> bool:
    """Every live object (but the idle thread) has exactly one original capability (one whose
    parent does not designate the same object); so every object is reachable by some capability,
    and deleting the original is what destroys it."""
    originals: dict[ObjId, int] = {}
    for slot in s.slots.values():
        cap = slot.cap
        if cap.type in (CapType.UNTYPED, CapType.IRQ_HANDLER, CapType.IRQ_CONTROL):
            continue
        if slot.parent is None or not _same_target(s.slots[slot.parent].cap, cap):
            originals[cap.obj] = originals.get(cap.obj, 0) + 1
    return all(originals.get(oid, 0) == 1 for oid in s.objects if oid != s.machine.idle_tcb) and all(
        oid in s.objects for oid in originals
    )


def cdt_links(s: State) -> bool:
    """The CDT's links agree: a slot's parent is an occupied slot listing it among its children,
    and every listed child is an occupied slot naming that parent, listed once."""
    for ref, slot in s.slots.items():
        if slot.parent is not None:
            parent = s.slots.get(slot.parent)
            if parent is None or ref not in parent.children:
                return False
        if len(set(slot.children)) != len(slot.children):
            return False
        for child in slot.children:
            cslot = s.slots.get(child)
            if cslot is None or cslot.parent != ref:
                return False
    return True


def no_mloop(s: State) -> bool:
    """The CDT has no cycles: following parents from any slot ends at a capability without one."""
    depth: dict[SlotRef, int] = {}
    for start in s.slots:
        path: list[SlotRef] = []
        ref: SlotRef | None = start
        while ref is not None and ref not in depth:
            if ref in path:
                return False
            path.append(ref)
            parent = s.slots.get(ref)
            ref = parent.parent if parent is not None else None
        base = depth.get(ref, 0) if ref is not None else 0
        for i, r in enumerate(reversed(path)):
            depth[r] = base + i + 1
    return True


def _region(s: State, cap: Cap) -> tuple[int, int] | None:
    if cap.type == CapType.UNTYPED:
        return cap.obj, cap.obj + (1 << cap.size_bits)
    obj = s.objects.get(cap.obj)
    if obj is None or cap.type in (CapType.IRQ_HANDLER, CapType.IRQ_CONTROL):
        return None
    return cap.obj, cap.obj + (1 << object_size_bits(obj))


def descendants_inc(s: State) -> bool:
    """A child capability designates part of what its parent designates: the same object (a copy),
    an object or region inside the parent's untyped region below its watermark (Retype), or an
    interrupt line (an IRQ handler, child of the IRQ control capability)."""
    for slot in s.slots.values():
        if slot.parent is None:
            continue
        parent, cap = s.slots[slot.parent].cap, slot.cap
        if _same_target(parent, cap):
            continue
        if parent.type == CapType.IRQ_CONTROL:
            if cap.type != CapType.IRQ_HANDLER:
                return False
            continue
        region = _region(s, cap)
        if parent.type != CapType.UNTYPED or region is None:
            return False
        if not parent.obj <= region[0] < region[1] <= parent.obj + parent.watermark:
            return False
    return True


def untyped_mdb(s: State) -> bool:
    """Objects carved from untyped memory descend from its capability: an object's capability
    with a parent is a copy or has an untyped parent; and an object capability whose object
    overlaps an untyped region descends from the region's capability, the object inside the region
    below its watermark. So (every live object but the idle thread having a capability, the idle
    thread lying in the kernel image) the memory between an untyped's watermark and its end holds
    no object, and an untyped without children holds none at all: what Retype carves there
    overwrites nothing. Boot objects, whose capabilities descend from nothing, lie outside every
    untyped region."""
    untypeds = [
        (ref, sl.cap.obj, sl.cap.obj + (1 << sl.cap.size_bits), sl.cap.obj + sl.cap.watermark)
        for ref, sl in s.slots.items()
        if sl.cap.type == CapType.UNTYPED
    ]
    for ref, slot in s.slots.items():
        cap = slot.cap
        region = _region(s, cap)
        if cap.type == CapType.UNTYPED or region is None:
            continue
        if slot.parent is not None:
            parent = s.slots[slot.parent].cap
            if not _same_target(parent, cap) and parent.type != CapType.UNTYPED:
                return False
        lo, hi = region
        for u_ref, u_lo, u_hi, u_free in untypeds:
            if lo < u_hi and u_lo < hi and not (u_lo <= lo and hi <= u_free and _descends(s, ref, u_ref)):
                return False
    return True


def _descends(s: State, ref: SlotRef, ancestor: SlotRef) -> bool:
    parent = s.slots[ref].parent
    for _ in range(len(s.slots)):
        if parent is None or parent == ancestor:
            break
        parent = s.slots[parent].parent
    return parent == ancestor


def untyped_inc(s: State) -> bool:
    """Untyped regions are nested or disjoint, and a region inside another descends from it and
    lies below its watermark: two untyped capabilities never hand out the same memory twice. (The
    watermark clause follows from :func:`descendants_inc` along the derivation tree; stated here,
    it relates any two nested regions directly, which the proofs need.)"""
    caps = [
        (ref, sl.cap.obj, sl.cap.obj + (1 << sl.cap.size_bits), sl.cap.obj + sl.cap.watermark)
        for ref, sl in s.slots.items()
        if sl.cap.type == CapType.UNTYPED
    ]
    for i, (ref_a, a_lo, a_hi, a_free) in enumerate(caps):
        for ref_b, b_lo, b_hi, b_free in caps[i + 1 :]:
            if a_lo < b_hi and b_lo < a_hi:
                b_in_a = a_lo <= b_lo and b_hi <= a_free and _descends(s, ref_b, ref_a)
                a_in_b = b_lo <= a_lo and a_hi <= b_free and _descends(s, ref_a, ref_b)
                if not (b_in_a or a_in_b):
                    return False
    return True


def valid_reply_caps(s: State) -> bool:
    """Reply rights are unique and point at waiting callers: a thread holding the right to reply
    to C has C BLOCKED_ON_REPLY naming it, so no caller can be woken twice (see also
    :func:`sym_refs`); a thread never holds the reply right to itself; a thread blocked receiving
    on an endpoint holds none (a receive discards it first), so the Call it receives can give it
    one without overwriting another."""
    holders: set[ObjId] = set()
    for oid, tcb in _tcbs(s):
        if tcb.reply is not None and tcb.state.kind == ThreadState.BLOCKED_ON_RECEIVE:
            return False
        if tcb.reply is not None:
            if tcb.reply in holders or tcb.reply == oid:
                return False
            holders.add(tcb.reply)
            caller = s.objects.get(tcb.reply)
            if not isinstance(caller, Tcb) or caller.state.kind != ThreadState.BLOCKED_ON_REPLY:
                return False
    return True


def valid_idle(s: State) -> bool:
    """The idle thread lies inside the kernel image (all of its bytes), is IDLE, holds and is held by
    nothing: no capability names it, it is in no queue and no other thread references it."""
    m = s.machine
    idle = s.objects.get(m.idle_tcb)
    if not isinstance(idle, Tcb) or idle.state.kind != ThreadState.IDLE:
        return False
    if not m.kernel_base <= m.idle_tcb <= m.kernel_base + m.kernel_size - (1 << object_size_bits(idle)):
        return False
    if idle.bound is not None or idle.reply is not None or idle.cspace is not None or idle.vspace is not None:
        return False
    if any(slot.cap.obj == m.idle_tcb and slot.cap.type == CapType.TCB for slot in s.slots.values()):
        return False
    return all(m.idle_tcb not in q for q in s.queues.values())


def valid_irq_handlers(s: State) -> bool:
    """Interrupt lines and handler capabilities agree: handler capabilities exist exactly for the
    SIGNAL lines; the only KERNEL line is the timer, which stays kernel-owned; a line's
    notification is live and its badge a 64-bit value."""
    handled = {sl.cap.obj for sl in s.slots.values() if sl.cap.type == CapType.IRQ_HANDLER}
    signal = {irq for irq, line in s.irqs.items() if line.state == IrqState.SIGNAL}
    if handled != signal:
        return False
    timer = s.irqs.get(s.machine.timer_irq)
    if timer is None or timer.state != IrqState.KERNEL:
        return False
    for irq, line in s.irqs.items():
        if line.state == IrqState.KERNEL and irq != s.machine.timer_irq:
            return False
        if line.state == IrqState.INACTIVE or not 0 <= irq < s.machine.irq_lines:
            return False
        if line.ntfn is not None and not isinstance(s.objects.get(line.ntfn), Notification):
            return False
        if not _word(line.badge):
            return False
    return True


def valid_queues(s: State) -> bool:
    """Ready queues hold runnable threads of the queue's priority, each at most once overall, and
    no empty queue is stored: the scheduler may take any head without checking it."""
    seen: set[ObjId] = set()
    for prio, queue in s.queues.items():
        if not queue or not 0 <= prio < NUM_PRIORITIES:
            return False
        for t in queue:
            tcb = s.objects.get(t)
            if t in seen or not isinstance(tcb, Tcb) or t == s.machine.idle_tcb:
                return False
            if tcb.state.kind != ThreadState.RUNNING or tcb.priority != prio:
                return False
            seen.add(t)
    return True


def ct_not_in_q(s: State) -> bool:
    """The running thread is in no ready queue."""
    return all(s.current not in q for q in s.queues.values())


def valid_blocked(s: State) -> bool:
    """Every runnable thread is either running or queued: no runnable thread is forgotten."""
    queued = {t for q in s.queues.values() for t in q}
    return all(tcb.state.kind != ThreadState.RUNNING or oid == s.current or oid in queued for oid, tcb in _tcbs(s))


def cur_tcb(s: State) -> bool:
    """The running thread is a live thread: the idle thread, or a runnable TCB."""
    cur = s.objects.get(s.current)
    if not isinstance(cur, Tcb):
        return False
    return s.current == s.machine.idle_tcb or cur.state.kind == ThreadState.RUNNING


def sched_highest(s: State) -> bool:
    """The scheduling decision holds: no queued thread has a higher priority than the running one
    (the idle thread runs only when every queue is empty)."""
    if s.current == s.machine.idle_tcb:
        return not s.queues
    cur = s.objects.get(s.current)
    return isinstance(cur, Tcb) and all(prio <= cur.priority for prio in s.queues)


def valid_global_refs(s: State) -> bool:
    """No capability designates kernel memory: every object a capability names lies outside the
    kernel image (which holds the idle thread and the kernel's own data)."""
    k_lo, k_hi = s.machine.kernel_base, s.machine.kernel_base + s.machine.kernel_size
    for slot in s.slots.values():
        region = _region(s, slot.cap)
        if region is not None and region[0] < k_hi and k_lo < region[1]:
            return False
    return True


def rights_never_grow(s: State) -> bool:
    """A capability derived from one to the same object has no right its parent lacks."""
    for slot in s.slots.values():
        if slot.parent is not None:
            parent = s.slots[slot.parent].cap
            if _same_target(parent, slot.cap) and slot.cap.rights & ~parent.rights:
                return False
    return True


def badge_never_changes(s: State) -> bool:
    """Once a capability is badged its badge is fixed: a capability derived from a badged one to
    the same object carries the same badge, and only endpoint and notification capabilities have
    badges."""
    for slot in s.slots.values():
        cap = slot.cap
        if cap.badge and cap.type not in (CapType.ENDPOINT, CapType.NOTIFICATION):
            return False
        if slot.parent is not None:
            parent = s.slots[slot.parent].cap
            if _same_target(parent, cap) and parent.badge and cap.badge != parent.badge:
                return False
    return True


def _walk(s: State, vspace: ObjId, vaddr: int, depth: int) -> tuple[ObjId, Pte] | None:
    """The table at ``depth`` on the walk for ``vaddr`` and its entry for ``vaddr``."""
    table = vspace
    for level in range(depth + 1):
        obj = s.objects.get(table)
        if not isinstance(obj, PageTable | VSpace):
            return None
        entry = obj.entries.get(vm.table_index(vaddr, level))
        if entry is None:
            return None
        if level == depth:
            return table, entry
        table = entry.obj
    return None


def no_kernel_mappings(s: State) -> bool:
    """User address spaces map only user memory: level 0-2 entries point at page tables, level-3
    entries at frames, and no frame lies inside the kernel image."""
    k_lo, k_hi = s.machine.kernel_base, s.machine.kernel_base + s.machine.kernel_size

    def check(table: ObjId, level: int) -> bool:
        obj = s.objects.get(table)
        if not isinstance(obj, PageTable | VSpace):
            return False
        for entry in obj.entries.values():
            target = s.objects.get(entry.obj)
            if level == vm.LEAF_LEVEL:
                if not isinstance(target, Frame) or k_lo <= entry.obj < k_hi:
                    return False
            elif not isinstance(target, PageTable) or not check(entry.obj, level + 1):
                return False
        return True

    return all(check(oid, 0) for oid, obj in s.objects.items() if isinstance(obj, VSpace))


def recorded_entry(s: State, cap: Cap) -> tuple[ObjId, int] | None:
    """The translation entry ``(table, index)`` that the mapped capability ``cap`` records: for a
    frame, its level-3 entry on the walk for its address; for a page table, the first entry on
    that walk (levels 0 to 2) that points at it. ``None`` when there is no such entry."""
    if cap.mapped is None:
        return None
    vspace, vaddr = cap.mapped
    levels = (vm.LEAF_LEVEL,) if cap.type == CapType.FRAME else range(vm.LEAF_LEVEL)
    for level in levels:
        found = _walk(s, vspace, vaddr, level)
        if found is not None and found[1].obj == cap.obj:
            return found[0], vm.table_index(vaddr, level)
    return None


def _tables_in_address_spaces(s: State) -> set[ObjId]:
    """The page tables reached from some VSpace through entries of levels 0 to 2."""
    reached: set[ObjId] = set()
    tables = [oid for oid, obj in s.objects.items() if isinstance(obj, VSpace)]
    for _ in range(vm.LEAF_LEVEL):
        below = []
        for table in tables:
            obj = s.objects.get(table)
            entries = obj.entries.values() if isinstance(obj, PageTable | VSpace) else ()
            below += [e.obj for e in entries if isinstance(s.objects.get(e.obj), PageTable) and e.obj not in reached]
        reached.update(below)
        tables = below
    return reached


def mappings_match_caps(s: State) -> bool:
    """Every translation entry is recorded by exactly one mapped capability and vice versa: a
    mapped frame or page-table capability records an entry that points at its object
    (:func:`recorded_entry`) in a VSpace's tree, no two capabilities record the same entry, there
    are as many entries as mapped capabilities, and an unmapped page table has no entries and is in
    no address space. Unmap and delete rely on this to find (and only find) the entry to clear.

    No two page-table capabilities designate the same table (:func:`mlk.model.ipc.derive` refuses
    to copy one), so the table a mapped capability maps is no unmapped capability's."""
    recorded: set[tuple[ObjId, int]] = set()
    reached = _tables_in_address_spaces(s)
    tables = [slot.cap.obj for slot in s.slots.values() if slot.cap.type == CapType.PAGE_TABLE]
    if len(set(tables)) != len(tables):
        return False
    for slot in s.slots.values():
        cap = slot.cap
        if cap.mapped is None:
            if cap.type == CapType.PAGE_TABLE and (s.objects[cap.obj].entries or cap.obj in reached):  # type: ignore[union-attr]
                return False
            continue
        if cap.type not in (CapType.FRAME, CapType.PAGE_TABLE):
            return False
        if not isinstance(s.objects.get(cap.mapped[0]), VSpace):
            return False
        entry = recorded_entry(s, cap)
        if entry is None or entry in recorded:
            return False
        recorded.add(entry)
    entries = sum(len(obj.entries) for obj in s.objects.values() if isinstance(obj, PageTable | VSpace))
    return entries == len(recorded)


def mapping_rights_within_cap(s: State) -> bool:
    """A frame is mapped only with rights its capability grants: the entry's rights are within the
    capability's rights and READ/WRITE, and include READ."""
    for slot in s.slots.values():
        cap = slot.cap
        if cap.type == CapType.FRAME and cap.mapped is not None:
            found = _walk(s, cap.mapped[0], cap.mapped[1], vm.LEAF_LEVEL)
            if found is None:
                return False
            rights = found[1].rights
            if rights & ~(cap.rights & vm.MAPPING_RIGHTS) or not rights & Right.READ:
                return False
    return True


#: Every invariant, by name.
INVARIANTS: dict[str, Invariant] = {
    f.__name__: f
    for f in (
        valid_objs,
        valid_caps,
        valid_tcb_state,
        pspace_aligned,
        pspace_distinct,
        sym_refs,
        refcounts_exact,
        if_live_then_nonz_cap,
        cdt_links,
        no_mloop,
        descendants_inc,
        untyped_mdb,
        untyped_inc,
        valid_reply_caps,
        valid_idle,
        valid_irq_handlers,
        valid_queues,
        ct_not_in_q,
        valid_blocked,
        cur_tcb,
        sched_highest,
        valid_global_refs,
        rights_never_grow,
        badge_never_changes,
        no_kernel_mappings,
        mappings_match_caps,
        mapping_rights_within_cap,
    )
}


def holds(invariant: Invariant, s: State) -> bool:
    """Whether ``s`` satisfies ``invariant``. A predicate that cannot even be evaluated on ``s``
    (it meets a dangling reference, so another invariant is broken too) counts as violated."""
    try:
        return invariant(s)
    except (KeyError, AttributeError, TypeError):
        return False


def violations(s: State) -> list[str]:
    """The names of the invariants ``s`` violates (empty when it satisfies all)."""
    return [name for name, inv in INVARIANTS.items() if not holds(inv, s)]
