"""The abstraction function: raw kernel memory, decoded through :mod:`mlk.abi.layout`, as the
spec's :class:`~mlk.model.state.State`, and its field-by-field comparison with the spec's state.

:func:`decode` reads a memory checkpoint (:class:`mlk.refinement.snapshot.Memory`, taken with the
guest stopped, never formatted by the kernel) from the kernel's roots:

* the kernel state at ``KERNEL_BASE + KERNEL_DATA_OFFSET``: the current thread and the ready
  queues, walked through the TCBs' ``sched_next`` links (a queue's ``tail`` and its ready bit must
  agree with the walk, else the decoding fails with :class:`Inconsistent`);
* the TCBs: the idle thread, the current and queued threads, the threads on the spaces list
  (``KSTATE.spaces``: exactly the threads with a CSpace or a VSpace, else :class:`Inconsistent`;
  the kernel keeps no reference counts, so ``tcb_refs`` are counted from the threads), the
  threads the caps name, and the addresses the spec's state has TCBs at (an unconfigured inactive
  thread whose capability is gone is reachable from nothing);
* each thread's CSpace root CNode (radix from ``TCB.cspace_radix``) and every CNode a decoded
  capability names (radix from the capability's ``size_bits``); ``used`` and ``tcb_refs`` are
  counted, as the kernel keeps no such counters. Each slot's CDT links (parent, youngest child,
  older sibling) are read and must agree, else :class:`Inconsistent`; children come out oldest
  first. Untyped capabilities carry their size and watermark; TCBs named by capabilities and
  unmapped page tables and VSpaces named by capabilities are decoded too;
* each thread's VSpace, walked level by level through the real translation tables to the mapped
  frames (rights from the descriptors' AP bits); a frame outside RAM is a device frame;
* the endpoints and notifications the decoded capabilities name, the ones threads are blocked on
  (``TCB.state_obj`` of a thread blocked sending, receiving or waiting) and the ones threads are
  bound to: the state, the FIFO queue walked from its head through the TCBs' ``ipc_next`` links
  (each thread's ``ipc_prev`` must name the one before it and the queue's ``tail`` the last, else
  :class:`Inconsistent`), and a notification's word, bound thread and interrupt-line count. The
  threads' states come with their data (the object blocked on, the badge and rights a sender
  blocked with, whether it calls), their bound notification, the reply right each holds (the
  thread awaiting its reply) and their pending fault; threads named by these links are decoded too.

* the interrupt lines, from the IRQ table (``IRQ_TABLE_OFFSET`` from the kernel state): each
  line's state, notification, badge and whether it is masked; notifications only a line names are
  decoded too.

Not decoded: the debug-halt status (the trace's ``HALT`` record carries it). :func:`compare`
leaves out the idle thread's registers (the kernel's idle loop state, which the spec does not
model). Everything else is compared.
"""

from __future__ import annotations

from mlk.abi import layout
from mlk.abi.arch import Pte as PteBits
from mlk.abi.fields import Layout
from mlk.abi.objects import (
    CNODE_SLOT_BITS,
    NUM_PRIORITIES,
    PAGE_BITS,
    PT_INDEX_BITS,
    CapType,
    EndpointState,
    IrqState,
    NotificationState,
    ThreadState,
)
from mlk.abi.rights import Right
from mlk.abi.syscalls import CONTEXT_REGS
from mlk.model import vm
from mlk.model.state import (
    Cap,
    CNode,
    Endpoint,
    FaultInfo,
    Frame,
    Irq,
    KObject,
    Machine,
    Notification,
    ObjId,
    PageTable,
    Pte,
    Slot,
    SlotRef,
    State,
    Tcb,
    TState,
    VSpace,
)
from mlk.refinement.checker import FieldDiff
from mlk.refinement.snapshot import Memory

_KSTATE = layout.KSTATE.offsets
_IRQ_FIELDS = ("state", "masked", "ntfn", "badge")
_TCB = layout.TCB.offsets
_SLOT = layout.CAP_SLOT.offsets
_EP = layout.ENDPOINT.offsets
_NTFN = layout.NOTIFICATION.offsets
_IPCQ = layout.IPC_QUEUE.offsets
_CTX = ("x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "sp_el0", "elr_el1")
assert len(_CTX) == CONTEXT_REGS
_ENTRIES = 1 << PT_INDEX_BITS
_VALID = 1


class Inconsistent(Exception):
    """Kernel memory that no spec state corresponds to (e.g. a queue whose tail is not its last
    thread): reported as a difference, never decoded into something plausible."""


def _opt(value: int) -> int | None:
    return value or None


def _tcb(mem: Memory, addr: int) -> Tcb:
    def f(name: str) -> int:
        return mem.word(addr + _TCB[name])

    kind = ThreadState(f("state"))
    flags = f("state_flags")
    tstate = TState(kind) if f("state_obj") == 0 and f("state_badge") == 0 and flags == 0 else TState(
        kind, _opt(f("state_obj")), f("state_badge"), bool(flags & layout.TSTATE_GRANT),
        bool(flags & layout.TSTATE_GRANT_REPLY), bool(flags & layout.TSTATE_CALL),
    )  # fmt: skip
    fault = None
    if f("fault_kind"):
        fault = FaultInfo(f("fault_kind"), f("fault_a"), f("fault_b"), f("fault_pc"))
    return Tcb(
        tuple(f(r) for r in _CTX), tstate, f("priority"), f("time_slice"), _opt(f("cspace")), _opt(f("vspace")),
        f("fault_ep"), _opt(f("bound")), _opt(f("reply")), fault,
    )  # fmt: skip


def _field(mem: Memory, address: int, lay: Layout, name: str) -> int:
    """Member ``name`` of the ``lay`` structure at ``address`` (whatever its size)."""
    mask: int = (1 << (8 * lay.member(name).size)) - 1
    return mem.word(address + lay.offset(name)) & mask


def _ipc_queue(mem: Memory, queue: int, what: str) -> tuple[ObjId, ...]:
    """The threads of the :data:`~mlk.abi.layout.IPC_QUEUE` at ``queue``, head first; its links
    must agree (see the module documentation)."""
    head = _field(mem, queue, layout.IPC_QUEUE, "head")
    tail = _field(mem, queue, layout.IPC_QUEUE, "tail")
    members: list[ObjId] = []
    thread, prev = head, 0
    while thread:
        if thread in members or len(members) > len(mem.data) // 8:
            raise Inconsistent(f"the queue of {what} loops at thread {thread:#x}")
        if mem.word(thread + _TCB["ipc_prev"]) != prev:
            raise Inconsistent(f"the queue of {what}: thread {thread:#x} has ipc_prev "
                               f"{mem.word(thread + _TCB['ipc_prev']):#x}, but follows {prev:#x}")  # fmt: skip
        members.append(thread)
        prev, thread = thread, mem.word(thread + _TCB["ipc_next"])
    if prev != tail:
        raise Inconsistent(f"the queue of {what}: tail {tail:#x}, but the links end at {prev:#x}")
    return tuple(members)


def _endpoint(mem: Memory, addr: int) -> Endpoint:
    state = _field(mem, addr, layout.ENDPOINT, "state")
    if state not in EndpointState._value2member_map_:
        raise Inconsistent(f"endpoint {addr:#x} has state {state:#x}")
    return Endpoint(EndpointState(state), _ipc_queue(mem, addr + _EP["head"], f"endpoint {addr:#x}"))


def _notification(mem: Memory, addr: int) -> Notification:
    def f(name: str) -> int:
        return _field(mem, addr, layout.NOTIFICATION, name)

    if f("state") not in NotificationState._value2member_map_:
        raise Inconsistent(f"notification {addr:#x} has state {f('state'):#x}")
    queue = _ipc_queue(mem, addr + _NTFN["head"], f"notification {addr:#x}")
    return Notification(NotificationState(f("state")), queue, f("word"), _opt(f("bound")), f("irq_refs"))


def _ipc_objects(mem: Memory, objects: dict[ObjId, KObject], slots: dict[SlotRef, Slot]) -> None:
    """Decode into ``objects`` the endpoints and notifications that capabilities and threads name,
    and the threads their queues and the threads' reply links name (see the module doc)."""
    endpoints = {s.cap.obj for s in slots.values() if s.cap.type == CapType.ENDPOINT}
    notifications = {s.cap.obj for s in slots.values() if s.cap.type == CapType.NOTIFICATION}
    for tcb in [t for t in objects.values() if isinstance(t, Tcb)]:
        kind, obj = tcb.state.kind, tcb.state.obj
        if kind in (ThreadState.BLOCKED_ON_SEND, ThreadState.BLOCKED_ON_RECEIVE) and obj is not None:
            endpoints.add(obj)
        elif kind == ThreadState.BLOCKED_ON_NOTIFICATION and obj is not None:
            notifications.add(obj)
        if tcb.bound is not None:
            notifications.add(tcb.bound)
    for addr in sorted(endpoints):
        objects[addr] = _endpoint(mem, addr)
    for addr in sorted(notifications):
        objects[addr] = _notification(mem, addr)
    named: set[ObjId] = set()
    for item in list(objects.values()):
        if isinstance(item, Endpoint | Notification):
            named.update(item.queue)
        elif isinstance(item, Tcb):
            if item.reply is not None:
                named.add(item.reply)
            if item.state.kind == ThreadState.BLOCKED_ON_REPLY and item.state.obj is not None:
                named.add(item.state.obj)
    for tid in sorted(named - set(objects)):
        objects[tid] = _tcb(mem, tid)


def _cap(mem: Memory, slot: int) -> Cap | None:
    info = mem.word(slot + _SLOT["info"])
    kind = layout.CAP_TYPE.get(info)
    if kind == CapType.NULL:
        return None
    obj, data = mem.word(slot + _SLOT["obj"]), mem.word(slot + _SLOT["data"])
    mapped = None
    if layout.CAP_MAPPED.get(info):
        mapped = (layout.CAP_MAPPED_VSPACE.get(info) << PAGE_BITS, data)
    badge = data if kind in (CapType.ENDPOINT, CapType.NOTIFICATION) else 0
    untyped = kind == CapType.UNTYPED
    return Cap(CapType(kind), obj, layout.CAP_RIGHTS.get(info), badge, mapped,
               layout.CAP_SIZE_BITS.get(info) if untyped else 0, data if untyped else 0)  # fmt: skip


def _cnode_radix(mem: Memory, slot: int) -> int:
    """The radix a CNode capability in ``slot`` records (the kernel's CNode has no header)."""
    return layout.CAP_SIZE_BITS.get(mem.word(slot + _SLOT["info"]))


def _walk(mem: Memory, table: int, level: int, objects: dict[ObjId, KObject], machine: Machine) -> dict[int, Pte]:
    """The valid entries of the translation table at ``table`` (level ``level``); records the
    tables and frames below it in ``objects``."""
    entries: dict[int, Pte] = {}
    for index in range(_ENTRIES):
        desc = mem.word(table + 8 * index)
        if not desc & _VALID:
            continue
        out = desc & PteBits.ADDR_MASK
        if level < vm.LEAF_LEVEL:
            objects[out] = PageTable(_walk(mem, out, level + 1, objects, machine))
            entries[index] = Pte(out, 0)
        else:
            rights = Right.READ if desc & PteBits.AP_READ_ONLY else Right.READ | Right.WRITE
            entries[index] = Pte(out, int(rights) if desc & PteBits.AP_EL0_RW else 0)
            objects.setdefault(out, Frame(not _in_ram(out, machine)))
    return entries


def _in_ram(addr: int, machine: Machine) -> bool:
    return machine.ram_base <= addr < machine.ram_base + machine.ram_size


def decode(mem: Memory, machine: Machine, *, known_tcbs: tuple[ObjId, ...] = ()) -> State:
    """The spec state kernel memory ``mem`` stands for (see the module documentation).
    ``known_tcbs`` are further TCB addresses to decode (threads nothing in the kernel points at)."""
    kstate = machine.kernel_base + layout.KERNEL_DATA_OFFSET
    current = mem.word(kstate + _KSTATE["current"])
    queues: dict[int, tuple[ObjId, ...]] = {}
    tcbs = {machine.idle_tcb, current, *known_tcbs}
    for prio in range(NUM_PRIORITIES):
        queue = kstate + layout.KSTATE_QUEUES + prio * layout.SCHED_QUEUE.size
        head, tail = mem.word(queue), mem.word(queue + layout.SCHED_QUEUE.offsets["tail"])
        word = mem.word(kstate + _KSTATE[f"ready{prio >> layout.KSTATE_READY_SHIFT}"])
        ready = bool(word >> (prio & ((1 << layout.KSTATE_READY_SHIFT) - 1)) & 1)
        members: list[ObjId] = []
        thread = head
        while thread:
            if thread in members or len(members) > len(mem.data) // 8:
                raise Inconsistent(f"ready queue {prio} loops at thread {thread:#x}")
            members.append(thread)
            thread = mem.word(thread + _TCB["sched_next"])
        if (members[-1] if members else 0) != tail:
            raise Inconsistent(f"ready queue {prio}: tail {tail:#x}, but the links end at "
                               f"{members[-1] if members else 0:#x}")  # fmt: skip
        if ready != bool(members):
            raise Inconsistent(f"ready queue {prio}: ready bit {int(ready)} for {len(members)} threads")
        if members:
            queues[prio] = tuple(members)
            tcbs.update(members)
    spaces = _spaces(mem, kstate)
    tcbs.update(spaces)
    objects: dict[ObjId, KObject] = {tid: _tcb(mem, tid) for tid in tcbs}
    radix = {
        t.cspace: mem.word(tid + _TCB["cspace_radix"])
        for tid, t in objects.items()
        if isinstance(t, Tcb) and t.cspace is not None
    }
    slots: dict[SlotRef, Slot] = {}
    parents: dict[SlotRef, int] = {}
    pending = sorted(radix)
    while pending:
        cnode = pending.pop()
        for index in range(1 << radix[cnode]):
            address = cnode + (index << CNODE_SLOT_BITS)
            cap = _cap(mem, address)
            if cap is None:
                continue
            parents[(cnode, index)] = layout.CAP_PARENT.get(mem.word(address + _SLOT["cdt"]))
            slots[(cnode, index)] = Slot(cap, None, ())
            if cap.type == CapType.FRAME:
                objects.setdefault(cap.obj, Frame(not _in_ram(cap.obj, machine)))
            elif cap.type == CapType.TCB and cap.obj not in objects:
                objects[cap.obj] = _tcb(mem, cap.obj)
            elif cap.type == CapType.CNODE and cap.obj not in radix:
                radix[cap.obj] = _cnode_radix(mem, address)
                pending.append(cap.obj)
    slots = _link(mem, slots, parents, radix)
    _ipc_objects(mem, objects, slots)
    irqs = _irqs(mem, machine)
    for line in irqs.values():
        if line.ntfn is not None and line.ntfn not in objects:
            objects[line.ntfn] = _notification(mem, line.ntfn)
    threads = [t for t in objects.values() if isinstance(t, Tcb)]
    users = {tid for tid, t in objects.items() if isinstance(t, Tcb) and (t.cspace or t.vspace)}
    if users != set(spaces):
        raise Inconsistent(f"the spaces list holds {sorted(map(hex, spaces))}, but the threads with a CSpace or "
                           f"VSpace are {sorted(map(hex, users))}")  # fmt: skip
    for vspace in sorted({t.vspace for t in threads if t.vspace is not None}):
        entries = _walk(mem, vspace, 0, objects, machine)
        objects[vspace] = VSpace(entries, sum(t.vspace == vspace for t in threads))
    for slot in slots.values():
        if slot.cap.type == CapType.PAGE_TABLE and slot.cap.obj not in objects:
            objects[slot.cap.obj] = PageTable(_walk(mem, slot.cap.obj, vm.LEAF_LEVEL, objects, machine))
        elif slot.cap.type == CapType.VSPACE and slot.cap.obj not in objects:
            objects[slot.cap.obj] = VSpace(_walk(mem, slot.cap.obj, 0, objects, machine), 0)
    for cnode, bits in radix.items():
        used = sum(ref[0] == cnode for ref in slots)
        objects[cnode] = CNode(bits, used, sum(t.cspace == cnode for t in threads))
    return State(machine, objects, slots, queues, current, irqs, None)


def _irqs(mem: Memory, machine: Machine) -> dict[int, Irq]:
    """The interrupt lines that are not INACTIVE, from the kernel's IRQ table (an INACTIVE entry
    must be all zero, else :class:`Inconsistent`)."""
    table = machine.kernel_base + layout.KERNEL_DATA_OFFSET + layout.IRQ_TABLE_OFFSET
    out: dict[int, Irq] = {}
    for line in range(machine.irq_lines):
        entry = table + (line << layout.IRQ_LINE_SHIFT)
        state, masked, ntfn, badge = (_field(mem, entry, layout.IRQ_LINE, name) for name in _IRQ_FIELDS)
        if state == IrqState.INACTIVE:
            if masked or ntfn or badge:
                raise Inconsistent(f"interrupt line {line} is INACTIVE but its entry is not empty")
            continue
        if state not in IrqState._value2member_map_ or masked > 1:
            raise Inconsistent(f"interrupt line {line} has state {state:#x}, masked {masked:#x}")
        out[line] = Irq(IrqState(state), _opt(ntfn), badge, bool(masked))
    return out


def _spaces(mem: Memory, kstate: int) -> list[ObjId]:
    """The threads on the kernel's spaces list (``KSTATE.spaces``, ``TCB.spaces_next``), whose
    backward links must agree."""
    members: list[ObjId] = []
    thread, prev = mem.word(kstate + _KSTATE["spaces"]), 0
    while thread:
        if thread in members or len(members) > len(mem.data) // 8:
            raise Inconsistent(f"the spaces list loops at thread {thread:#x}")
        if mem.word(thread + _TCB["spaces_prev"]) != prev:
            raise Inconsistent(f"the spaces list: thread {thread:#x} does not link back to {prev:#x}")
        members.append(thread)
        thread, prev = mem.word(thread + _TCB["spaces_next"]), thread
    return members


def _slot_ref(address: int, radix: dict[int, int]) -> SlotRef:
    for cnode, bits in radix.items():
        if cnode <= address < cnode + (1 << bits << CNODE_SLOT_BITS):
            return (cnode, (address - cnode) >> CNODE_SLOT_BITS)
    raise Inconsistent(f"capability slot {address:#x} is in no decoded CNode")


def _link(mem: Memory, slots: dict[SlotRef, Slot], parents: dict[SlotRef, int],
          radix: dict[int, int]) -> dict[SlotRef, Slot]:  # fmt: skip
    """The slots with their CDT links: each slot's parent, and each parent's children oldest
    first, read from the kernel's chain (youngest child, then each child's older sibling), which
    must hold exactly the slots naming that parent."""
    out: dict[SlotRef, Slot] = {}
    for ref, slot in slots.items():
        address = ref[0] + (ref[1] << CNODE_SLOT_BITS)
        chain: list[SlotRef] = []
        child = layout.CAP_LAST_CHILD.get(mem.word(address + _SLOT["info"])) << CNODE_SLOT_BITS
        while child:
            child_ref = _slot_ref(child, radix)
            if child_ref in chain or child_ref not in slots:
                raise Inconsistent(f"the children of slot {address:#x} loop or name an empty slot")
            chain.append(child_ref)
            child = layout.CAP_PREV_SIBLING.get(mem.word(child + _SLOT["cdt"]))
        named = sorted(r for r, p in parents.items() if p == address)
        if sorted(chain) != named:
            raise Inconsistent(f"slot {address:#x}: its child chain {chain} is not the slots naming it {named}")
        parent = _slot_ref(parents[ref], radix) if parents[ref] else None
        out[ref] = slot._replace(parent=parent, children=tuple(reversed(chain)))
    return out


def _fmt(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:#x}"
    return repr(value)


def _diff_value(path: str, expected: object, observed: object, out: list[FieldDiff]) -> None:
    if expected == observed:
        return
    if isinstance(expected, tuple) and isinstance(observed, tuple) and hasattr(expected, "_fields") \
            and type(expected) is type(observed):  # fmt: skip
        for name, e, o in zip(expected._fields, expected, observed, strict=True):
            _diff_value(f"{path}.{name}", e, o, out)
        return
    if isinstance(expected, dict) and isinstance(observed, dict):
        for key in sorted(set(expected) | set(observed), key=repr):
            _diff_value(f"{path}[{_fmt(key)}]", expected.get(key, "absent"), observed.get(key, "absent"), out)
        return
    out.append(FieldDiff(path, _fmt(expected), _fmt(observed)))


def compare(expected: State, observed: State) -> list[FieldDiff]:
    """Every field where the decoded kernel state differs from the spec's state (see the module
    documentation for what is left out)."""
    out: list[FieldDiff] = []
    _diff_value("current", expected.current, observed.current, out)
    _diff_value("queues", dict(expected.queues), dict(observed.queues), out)
    _diff_value("irqs", dict(expected.irqs), dict(observed.irqs), out)
    idle = expected.machine.idle_tcb
    for addr in sorted(set(expected.objects) | set(observed.objects)):
        e, o = expected.objects.get(addr), observed.objects.get(addr)
        if addr == idle and isinstance(e, Tcb) and isinstance(o, Tcb):
            e, o = e._replace(ctx=()), o._replace(ctx=())
        if isinstance(e, VSpace | PageTable) and isinstance(o, type(e)):
            _diff_value(f"objects[{addr:#x}].entries", dict(e.entries), dict(o.entries), out)
            _diff_value(f"objects[{addr:#x}]", e._replace(entries={}), o._replace(entries={}), out)
            continue
        _diff_value(f"objects[{addr:#x}]", e if e is not None else "absent", o if o is not None else "absent", out)
    for ref in sorted(set(expected.slots) | set(observed.slots)):
        e_slot, o_slot = expected.slots.get(ref), observed.slots.get(ref)
        _diff_value(f"slots[{ref[0]:#x}, {ref[1]}]", e_slot or "absent", o_slot or "absent", out)
    return out
