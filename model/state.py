"""The abstract kernel state.

Everything is an immutable value: :class:`typing.NamedTuple` records and dictionaries that a
transition never mutates (it builds new ones, see :mod:`mlk.model.tx`). The representation is meant
to be decoded from the kernel's memory by the refinement checker, so it has no derived caches:
every field is something the kernel stores too.

Identities:

* an object is named by its physical address (:data:`ObjId`), the address Untyped Retype carved it
  at, aligned to its size;
* a capability slot is named by ``(cnode, index)`` (:data:`SlotRef`);
* an IRQ handler capability names its interrupt line number instead of an address, and the
  IRQ control capability names nothing (``obj`` is 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import NamedTuple

from mlk.abi.objects import (
    CNODE_SLOT_BITS,
    OBJECT_SIZE_BITS,
    CapType,
    EndpointState,
    IrqState,
    NotificationState,
    ObjectType,
    ThreadState,
)
from mlk.abi.rights import ALL_RIGHTS

#: A physical address naming a kernel object.
ObjId = int
#: A capability slot: (the CNode's ObjId, the slot's index).
SlotRef = tuple[int, int]
#: A thread's modelled user registers, indexed by :class:`mlk.abi.syscalls.ContextReg`.
Ctx = tuple[int, ...]

#: All 64 bits set: register values are reduced modulo 2**64.
WORD_MASK = (1 << 64) - 1


class Cap(NamedTuple):
    """A capability: what it points at and the authority it conveys.

    ``rights`` is a :class:`mlk.abi.rights.Right` set; it matters for endpoints (READ receives,
    WRITE sends, GRANT transfers capabilities, GRANT_REPLY lets a Call leave a reply right),
    notifications (READ waits, WRITE signals) and frames (the mapping's access rights).
    ``badge`` (endpoint and notification capabilities) is 0 for an unbadged capability; once
    non-zero it never changes. ``mapped`` is where a frame or page-table capability maps its
    object: ``(vspace, vaddr)``, else ``None``.

    An untyped capability *is* its untyped object (as in seL4, untyped memory is not an object of
    its own, and there is exactly one capability to each untyped region): the region is
    ``2**size_bits`` bytes at ``obj``, and its first ``watermark`` bytes are used (the next object
    is carved at or above it).
    """

    type: CapType
    obj: int
    rights: int = ALL_RIGHTS
    badge: int = 0
    mapped: tuple[int, int] | None = None
    size_bits: int = 0
    watermark: int = 0


class Slot(NamedTuple):
    """An occupied capability slot with its node of the capability derivation tree (CDT).

    ``parent`` is the slot this capability was derived from (``None`` for capabilities the boot
    code created); ``children`` lists the slots derived from this one, oldest first.
    """

    cap: Cap
    parent: SlotRef | None
    children: tuple[SlotRef, ...]


class TState(NamedTuple):
    """A thread's state with the data that belongs to it.

    * ``BLOCKED_ON_SEND``: ``obj`` is the endpoint, ``badge`` the badge of the capability sent
      through, ``grant``/``grant_reply`` its GRANT and GRANT_REPLY rights, ``call`` whether the
      sender waits for a reply (a Call or a fault message);
    * ``BLOCKED_ON_RECEIVE``: ``obj`` is the endpoint;
    * ``BLOCKED_ON_NOTIFICATION``: ``obj`` is the notification;
    * ``BLOCKED_ON_REPLY``: ``obj`` is the thread that holds the right to reply, or ``None`` once
      that right was discarded (the thread then waits until it is suspended or deleted);
    * otherwise the other fields are unused and zero.
    """

    kind: ThreadState
    obj: int | None = None
    badge: int = 0
    grant: bool = False
    grant_reply: bool = False
    call: bool = False


#: The thread states without data.
INACTIVE = TState(ThreadState.INACTIVE)
RUNNING = TState(ThreadState.RUNNING)
IDLE = TState(ThreadState.IDLE)


class FaultInfo(NamedTuple):
    """A pending fault: its kind (the fault message's label, a
    :class:`mlk.abi.labels.FaultLabel` when the kernel made it), the two kind-specific words (MR0,
    MR1) and the faulting PC (MR2)."""

    kind: int
    a: int
    b: int
    pc: int


class CNode(NamedTuple):
    """A single-level CNode of ``2**radix`` slots (the slots themselves are in
    :attr:`State.slots`). ``used`` counts its occupied slots; ``tcb_refs`` counts the threads
    that use it as their CSpace root. Both must be zero before it can be destroyed."""

    radix: int
    used: int
    tcb_refs: int


class Tcb(NamedTuple):
    """A thread.

    ``ctx`` holds the user registers the ABI reads and writes (x0-x10, SP, PC). ``cspace`` and
    ``vspace`` are the CNode and VSpace it runs in (``None``: not configured); ``fault_ep`` is a
    CPtr in its own CSpace, looked up when it faults (:data:`mlk.abi.objects.NULL_CPTR`: none).
    ``bound`` is its bound notification. ``reply`` is the thread waiting for this thread's reply
    (the reply right of seL4's caller slot). ``fault`` is the fault being reported, while the
    fault message is queued or awaits its reply.
    """

    ctx: Ctx
    state: TState
    priority: int
    time_slice: int
    cspace: ObjId | None
    vspace: ObjId | None
    fault_ep: int
    bound: ObjId | None
    reply: ObjId | None
    fault: FaultInfo | None


class Endpoint(NamedTuple):
    """A synchronous IPC rendezvous: ``queue`` (FIFO) holds blocked senders when ``state`` is
    SENDING, blocked receivers when RECEIVING, and is empty exactly when IDLE."""

    state: EndpointState
    queue: tuple[ObjId, ...]


class Notification(NamedTuple):
    """An asynchronous signal word.

    IDLE: nothing pending, no waiters. WAITING: ``queue`` holds the blocked waiters. ACTIVE:
    ``word`` is the OR of the badges signalled since the last wait. ``bound`` is the thread bound
    to it; ``irq_refs`` counts the interrupt lines that signal it.
    """

    state: NotificationState
    queue: tuple[ObjId, ...]
    word: int
    bound: ObjId | None
    irq_refs: int


class Frame(NamedTuple):
    """A 4 KiB page frame; ``device`` marks a device's register frame (mapped as device memory)."""

    device: bool


class Pte(NamedTuple):
    """A translation table entry: the next-level table, or at level 3 the mapped frame with the
    mapping's rights (READ, WRITE)."""

    obj: ObjId
    rights: int


class PageTable(NamedTuple):
    """A translation table of level 1 to 3 (its level is where it is mapped). ``entries`` maps
    an index (0..511) to its entry; missing indices are invalid entries."""

    entries: Mapping[int, Pte]


class VSpace(NamedTuple):
    """A level-0 translation table: the root of an address space. ``tcb_refs`` counts the
    threads that run in it."""

    entries: Mapping[int, Pte]
    tcb_refs: int


#: Any kernel object.
KObject = CNode | Tcb | Endpoint | Notification | Frame | PageTable | VSpace


class Irq(NamedTuple):
    """An interrupt line that is not INACTIVE (inactive lines are absent from
    :attr:`State.irqs`). A SIGNAL line signals ``ntfn`` (if set) with ``badge``; after one
    delivery it stays ``masked`` until acknowledged."""

    state: IrqState
    ntfn: ObjId | None
    badge: int
    masked: bool


#: The state an object absent from its mapping in :class:`State` is in: an interrupt line absent
#: from ``irqs`` is INACTIVE.
ABSENT_STATE: dict[type, IntEnum] = {Irq: IrqState.INACTIVE}


class Machine(NamedTuple):
    """The machine the kernel boots on, and the build configuration.

    Physical RAM is ``[ram_base, ram_base + ram_size)``; the kernel image with its data, stacks and
    the idle thread occupies ``[kernel_base, kernel_base + kernel_size)`` inside it. The console is
    a device frame at ``console_base`` raising ``console_irq``; the kernel owns ``timer_irq``.
    Interrupt lines are numbered ``0 .. irq_lines - 1``. ``idle_tcb`` is the address of the idle
    thread (inside the kernel image). ``root_image_pages`` frames of RAM right after the kernel
    image hold the root task. ``debug`` enables the debug system calls.
    """

    ram_base: int
    ram_size: int
    kernel_base: int
    kernel_size: int
    idle_tcb: int
    console_base: int
    console_irq: int
    timer_irq: int
    irq_lines: int
    root_image_pages: int
    debug: bool


class State(NamedTuple):
    """The whole abstract state.

    ``objects`` maps each live object's address to it (untyped regions are not
    objects: they are their capabilities). ``slots`` holds every occupied capability
    slot. ``queues`` maps each priority with runnable threads to its FIFO ready queue (the head
    runs first); the current thread is in no queue. ``current`` is the running thread (a TCB or
    the idle thread). ``irqs`` holds the lines that are not inactive. ``halted`` is the status a
    debug halt stopped the machine with, else ``None``.
    """

    machine: Machine
    objects: Mapping[ObjId, KObject]
    slots: Mapping[SlotRef, Slot]
    queues: Mapping[int, tuple[ObjId, ...]]
    current: ObjId
    irqs: Mapping[int, Irq]
    halted: int | None


def cnode_size_bits(radix: int) -> int:
    """log2 of the bytes a CNode of ``2**radix`` slots occupies."""
    return radix + CNODE_SLOT_BITS


def object_size_bits(obj: KObject) -> int:
    """log2 of the bytes ``obj`` occupies in memory."""
    if isinstance(obj, CNode):
        return cnode_size_bits(obj.radix)
    return OBJECT_SIZE_BITS[object_type(obj)]


def object_type(obj: KObject) -> ObjectType:
    """The :class:`ObjectType` of ``obj``."""
    return _OBJECT_TYPES[type(obj)]


_OBJECT_TYPES: dict[type, ObjectType] = {
    CNode: ObjectType.CNODE,
    Tcb: ObjectType.TCB,
    Endpoint: ObjectType.ENDPOINT,
    Notification: ObjectType.NOTIFICATION,
    Frame: ObjectType.FRAME,
    PageTable: ObjectType.PAGE_TABLE,
    VSpace: ObjectType.VSPACE,
}

#: The capability type that names each kind of object.
CAP_TYPE_OF: dict[type, CapType] = {
    CNode: CapType.CNODE,
    Tcb: CapType.TCB,
    Endpoint: CapType.ENDPOINT,
    Notification: CapType.NOTIFICATION,
    Frame: CapType.FRAME,
    PageTable: CapType.PAGE_TABLE,
    VSpace: CapType.VSPACE,
}
