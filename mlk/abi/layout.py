"""Byte layouts of kernel structures in memory, and where the kernel puts them.

The kernel's assembly addresses these structures only through the offsets generated from here,
and the refinement harness decodes raw kernel memory through the same layouts. Every pointer the
kernel stores in these structures is a *physical* address (the spec names objects by physical
address); 0 means "none". The kernel itself reaches physical address ``pa`` at
``KernelWindow.BASE + pa``.

Placement in physical memory (``K`` = ``Platform.KERNEL_BASE``):

* ``[K, K + KERNEL_DATA_OFFSET)``: the boot code, entered at ``K``;
* ``[K + KERNEL_DATA_OFFSET, ... + KERNEL_DATA_SIZE)``: the kernel's global data: :data:`KSTATE`
  followed by the :data:`NUM_PRIORITIES` ready queues (:data:`SCHED_QUEUE` each), then the idle
  thread's :data:`TCB` at :data:`IDLE_TCB_OFFSET` from the start of :data:`KSTATE`, then the IRQ
  table (:data:`IRQ_LINE` per line) at :data:`IRQ_TABLE_OFFSET`;
* the rest of the kernel image (code, read-only data, stacks, kernel page tables);
* the root task's image: page-aligned frames that end the kernel image file (the spec's "frames
  right after the kernel image"), at most ``ROOT_IMAGE_MAX_PAGES``;
* the boot objects of the root task (:class:`BootObject`), from the first
  :data:`BOOT_OBJECTS_ALIGN`-aligned address after the root image.
"""

from __future__ import annotations

from enum import IntEnum

from mlk.abi.fields import BitField, Field, Layout
from mlk.abi.objects import CNODE_SLOT_BITS, NUM_PRIORITIES, OBJECT_SIZE_BITS, ROOT_CNODE_RADIX, ObjectType
from mlk.abi.platform import Gicd

#: The saved user context of a thread: x0-x30, then SP_EL0, ELR_EL1, SPSR_EL1 and TPIDR_EL0.
#: Exception entry stores the whole context here and exception exit restores it.
USER_CONTEXT = Layout(
    "ctx",
    (*(Field(f"x{i}") for i in range(31)), Field("sp_el0"), Field("elr_el1"), Field("spsr_el1"), Field("tpidr_el0")),
    align=16,
)

#: The register dump the panic path writes before printing it: what caused the exception.
PANIC_FRAME = Layout("panic", (Field("esr"), Field("elr"), Field("far"), Field("spsr")), align=16)

#: A thread control block. The user context comes first, so that its ``CTX_*`` offsets are also
#: offsets into the TCB (exception entry stores straight into the current TCB).
#:
#: * ``state`` is a :class:`~mlk.abi.objects.ThreadState`; ``state_obj``, ``state_badge`` and
#:   ``state_flags`` (:data:`TSTATE_GRANT`, :data:`TSTATE_GRANT_REPLY`, :data:`TSTATE_CALL`) are
#:   the data of a blocked state, as in the spec's ``TState``;
#: * ``priority`` (0-255) and ``time_slice`` (ticks left);
#: * ``cspace``, ``vspace`` (objects), ``fault_ep`` (a CPtr), ``bound`` (a notification),
#:   ``reply`` (the thread awaiting this thread's reply);
#: * ``fault_kind`` (a :class:`~mlk.abi.labels.FaultLabel`, 0 for none), ``fault_a``,
#:   ``fault_b``, ``fault_pc``: the pending fault;
#: * ``sched_next``/``sched_prev``: the doubly linked ready queue of its priority (both 0 and not
#:   the queue's head: not queued);
#: * ``ipc_next``/``ipc_prev``: the doubly linked queue of the endpoint or notification the thread
#:   is blocked on (:data:`IPC_QUEUE`; only a thread blocked sending, receiving or waiting is in
#:   one, and a thread is never in a ready queue and an IPC queue at once);
#: * ``ttbr0``: the TTBR0_EL1 value of its address space (the VSpace's address and its ASID,
#:   :data:`VSPACE_ASID`), 0 for a thread without a VSpace (the idle thread too): such a thread
#:   runs on the kernel's empty translation table, where every user access faults. A cache of
#:   ``vspace`` for the context switch; the spec has no counterpart;
#: * ``cspace_radix``: the radix of ``cspace`` (the spec keeps it in the CNode object; the
#:   kernel's CNode is only its slots), set together with ``cspace``;
#: * ``spaces_next``/``spaces_prev``: the doubly linked list of the threads that have a CSpace or
#:   a VSpace (:data:`KSTATE` ``spaces`` is its head). The kernel keeps no reference counts: a
#:   CNode's or VSpace's ``tcb_refs`` (which block its destruction) is the number of threads on
#:   this list that name it.
TCB = Layout(
    "tcb",
    (
        *USER_CONTEXT.fields,
        *(
            Field(name)
            for name in (
                "state", "state_obj", "state_badge", "state_flags",
                "priority", "time_slice",
                "cspace", "vspace", "fault_ep", "bound", "reply",
                "fault_kind", "fault_a", "fault_b", "fault_pc",
                "sched_next", "sched_prev", "ipc_next", "ipc_prev", "ttbr0", "cspace_radix",
                "spaces_next", "spaces_prev",
            )
        ),
    ),
    align=16,
)
assert TCB.size <= 1 << OBJECT_SIZE_BITS[ObjectType.TCB]
#: Members the kernel reads and writes in pairs (one ``ldp``/``stp``): each is followed by the next.
TCB_PAIRS = (("state", "state_obj"), ("state_obj", "state_badge"), ("state_badge", "state_flags"),
             ("fault_kind", "fault_a"), ("fault_a", "fault_b"), ("fault_b", "fault_pc"))  # fmt: skip
assert all(TCB.offset(b) == TCB.offset(a) + 8 for a, b in TCB_PAIRS)

#: Bits of ``TCB.state_flags``.
TSTATE_GRANT = 1 << 0
TSTATE_GRANT_REPLY = 1 << 1
TSTATE_CALL = 1 << 2

#: The FIFO queue of threads blocked on an endpoint or notification: its first and last thread
#: (physical addresses, which fit in 32 bits: :data:`PHYS_ADDR_BITS`; both 0 when empty), linked
#: through the TCBs' ``ipc_next``/``ipc_prev``. Both objects hold it at the same offset, so one set
#: of kernel routines serves both; a queue is passed around by its own address.
IPC_QUEUE = Layout("ipcq", (Field("head", 4), Field("tail", 4)))

#: An endpoint (``2**OBJECT_SIZE_BITS[ENDPOINT]`` bytes): ``state`` is an
#: :class:`~mlk.abi.objects.EndpointState`, then the :data:`IPC_QUEUE` of its blocked senders or
#: receivers. All zero is the IDLE endpoint Retype creates.
ENDPOINT = Layout("endpoint", (Field("state"), *IPC_QUEUE.fields))

#: A notification (``2**OBJECT_SIZE_BITS[NOTIFICATION]`` bytes): ``state`` is a
#: :class:`~mlk.abi.objects.NotificationState`, ``irq_refs`` counts the interrupt lines that
#: signal it, then the :data:`IPC_QUEUE` of its waiters, the signal ``word`` (the OR of the badges
#: signalled while ACTIVE) and the ``bound`` thread (0: none). All zero is the IDLE notification
#: Retype creates.
NOTIFICATION = Layout(
    "notification", (Field("state", 4), Field("irq_refs", 4), *IPC_QUEUE.fields, Field("word"), Field("bound"))
)
assert ENDPOINT.size <= 1 << OBJECT_SIZE_BITS[ObjectType.ENDPOINT]
assert NOTIFICATION.size <= 1 << OBJECT_SIZE_BITS[ObjectType.NOTIFICATION]
assert ENDPOINT.offset("tail") - ENDPOINT.offset("head") == IPC_QUEUE.offset("tail")
assert NOTIFICATION.offset("tail") - NOTIFICATION.offset("head") == IPC_QUEUE.offset("tail")

#: log2 of the bits of one ``ready`` word of :data:`KSTATE`: priority ``p`` is bit ``p & 63`` of
#: word ``p >> 6``.
KSTATE_READY_SHIFT = 6

#: The kernel's global scheduling state.
#:
#: * ``current``: the running thread (a TCB, possibly the idle thread's);
#: * ``idle``: the idle thread's TCB;
#: * ``ticks``: timer ticks since boot;
#: * ``boot_instructions``: instructions retired from ``_start`` to the root task's first
#:   instruction (PMU; exact only under ``-icount``);
#: * ``halt_instructions``: instructions retired from ``_start`` to ``power_off`` (PMU, as
#:   above), written when the machine stops: the harness reads it from the final memory
#:   checkpoint to measure what tracing costs;
#: * ``fastpath_calls``, ``fastpath_reply_recvs``: the Calls and ReplyRecvs the fast paths
#:   completed (statistics, no spec counterpart: the fast paths' results are the slow path's);
#: * ``ready0``..``ready3``: bit ``p % 64`` of word ``p // 64`` is set exactly when ready queue
#:   ``p`` is non-empty;
#: * ``spaces``: the first thread of the list of threads with a CSpace or a VSpace (``TCB``
#:   ``spaces_next``), 0 when there is none.
#:
#: The ready queues follow at :data:`KSTATE_QUEUES`: queue ``p`` is a :data:`SCHED_QUEUE` at
#: ``KSTATE_QUEUES + p * SCHED_QUEUE.size``.
KSTATE = Layout(
    "kstate",
    (
        Field("current"),
        Field("idle"),
        Field("ticks"),
        Field("boot_instructions"),
        Field("halt_instructions"),
        Field("fastpath_calls"),
        Field("fastpath_reply_recvs"),
        *(Field(f"ready{w}") for w in range(NUM_PRIORITIES >> KSTATE_READY_SHIFT)),
        Field("spaces"),
    ),
    align=16,
)

#: One ready queue: its first and last thread (both 0 when empty).
SCHED_QUEUE = Layout("schedq", (Field("head"), Field("tail")), align=16)

#: Offset of ready queue 0 from the start of the kernel state.
KSTATE_QUEUES = KSTATE.size
#: log2 of ``SCHED_QUEUE.size``: the kernel indexes the queues with a shift.
SCHED_QUEUE_SHIFT = SCHED_QUEUE.size.bit_length() - 1
assert SCHED_QUEUE.size == 1 << SCHED_QUEUE_SHIFT

_TCB_BYTES = 1 << OBJECT_SIZE_BITS[ObjectType.TCB]
_PAGE = 1 << 12

#: Offset of the kernel's global data (:data:`KSTATE`) from ``Platform.KERNEL_BASE``: one page,
#: after the boot code that the image starts with.
KERNEL_DATA_OFFSET = _PAGE
#: Offset of the idle thread's TCB from the start of :data:`KSTATE`.
IDLE_TCB_OFFSET = -(-(KSTATE_QUEUES + NUM_PRIORITIES * SCHED_QUEUE.size) // _TCB_BYTES) * _TCB_BYTES

#: One interrupt line's entry of the IRQ table: ``state`` is a
#: :class:`~mlk.abi.objects.IrqState` (INACTIVE: no handler capability exists), ``masked`` is 1
#: while a delivered interrupt awaits its handler's Ack, ``ntfn`` the notification the line
#: signals (0: none) and ``badge`` the badge it signals with; as the spec's ``Irq``.
IRQ_LINE = Layout("irq_line", (Field("state", 2), Field("masked", 2), Field("ntfn", 4), Field("badge")))
#: log2 of ``IRQ_LINE.size``: the kernel indexes the table with a shift.
IRQ_LINE_SHIFT = IRQ_LINE.size.bit_length() - 1
assert IRQ_LINE.size == 1 << IRQ_LINE_SHIFT
#: Offset of the IRQ table (an :data:`IRQ_LINE` for each of ``Gicd.MAX_LINES`` lines, indexed by
#: line) from the start of :data:`KSTATE`, after the idle thread's TCB.
IRQ_TABLE_OFFSET = IDLE_TCB_OFFSET + _TCB_BYTES
#: Size of the kernel's global data at the start of the image (page-aligned).
KERNEL_DATA_SIZE = -(-(IRQ_TABLE_OFFSET + (Gicd.MAX_LINES << IRQ_LINE_SHIFT)) // _PAGE) * _PAGE

#: One capability slot of a CNode (``2**CNODE_SLOT_BITS`` bytes).
#:
#: * ``info``: the fields :data:`CAP_TYPE`, :data:`CAP_RIGHTS`, :data:`CAP_SIZE_BITS` (an untyped's
#:   size; a CNode capability's radix, which the kernel needs to bound slot indices: the spec keeps
#:   the radix in the CNode object, the kernel's CNode is nothing but its slots), :data:`CAP_MAPPED`
#:   and :data:`CAP_MAPPED_VSPACE` (a mapped frame or page table: the VSpace's address >> 12), and
#:   :data:`CAP_LAST_CHILD`, the youngest slot derived from this one (its address >> 5, 0: none);
#: * ``obj``: the object's address (0 for the IRQ control capability, the line for an IRQ handler);
#: * ``data``: the badge (endpoint, notification), the watermark (untyped) or the mapped virtual
#:   address (frame, page table);
#: * ``cdt``: :data:`CAP_PARENT`, the slot this capability was derived from (its address, 0 for
#:   boot capabilities), and :data:`CAP_PREV_SIBLING`, the next older child of the same parent.
#:
#: The derivation tree is thus a chain per parent, youngest child first: inserting a child and
#: finding the youngest (what Revoke deletes) take constant time; unlinking walks the chain.
#: Every link is a physical address below 2**32 (:data:`PHYS_ADDR_BITS`).
CAP_SLOT = Layout("slot", (Field("info"), Field("obj"), Field("data"), Field("cdt")))
assert CAP_SLOT.size == 1 << CNODE_SLOT_BITS

#: Physical addresses the kernel stores in packed fields fit in this many bits (QEMU ``virt``
#: with up to 3 GiB of RAM from ``RAM_BASE``).
PHYS_ADDR_BITS = 32

CAP_TYPE = BitField("type", 0, 5)
CAP_RIGHTS = BitField("rights", 5, 4)
CAP_SIZE_BITS = BitField("size_bits", 9, 6)
CAP_MAPPED = BitField("mapped", 15, 1)
CAP_MAPPED_VSPACE = BitField("mapped_vspace", 16, PHYS_ADDR_BITS - 12)
CAP_LAST_CHILD = BitField("last_child", 64 - (PHYS_ADDR_BITS - CNODE_SLOT_BITS), PHYS_ADDR_BITS - CNODE_SLOT_BITS)
CAP_PARENT = BitField("parent", 0, PHYS_ADDR_BITS)
CAP_PREV_SIBLING = BitField("prev_sibling", PHYS_ADDR_BITS, PHYS_ADDR_BITS)
assert CAP_MAPPED_VSPACE.lsb + CAP_MAPPED_VSPACE.width <= CAP_LAST_CHILD.lsb

#: The ASID (16 bits, TCR_EL1.AS) of an address space: these bits of its root table's physical
#: address. Distinct pages of RAM (at most ``2**(12 + 16)`` bytes of it, see :data:`RAM_SIZE`) and
#: the kernel's empty table (inside the kernel image, where no VSpace can be) get distinct ASIDs,
#: without an allocator. A TLB entry of a destroyed VSpace cannot outlive it: only an empty VSpace
#: can be destroyed, and every unmap invalidates its translations by ASID and address.
VSPACE_ASID = BitField("asid", 12, 16)
#: The root task's priority: the highest, as in seL4.
ROOT_PRIORITY = NUM_PRIORITIES - 1

#: Alignment of the boot object region that follows the root task's image: the root CNode's size,
#: so that each boot object lands where the spec's boot (``mlk.model.boot.boot``) allocates it.
BOOT_OBJECTS_ALIGN = 1 << (ROOT_CNODE_RADIX + CNODE_SLOT_BITS)
#: Most threads a boot creates: the root task plus the extra threads of a test scenario.
BOOT_MAX_THREADS = 8

#: The RAM the kernel assumes it boots with (it reads no device tree yet): QEMU's ``-m`` (see
#: :mod:`mlk.qemu`), reported in the trace's ``BOOT`` record as the machine's ``ram_size``.
RAM_SIZE = 256 << 20
assert (RAM_SIZE - 1) >> (VSPACE_ASID.lsb + VSPACE_ASID.width) == 0, "ASIDs would repeat within RAM"


class BootStart(IntEnum):
    """How a test scenario's boot thread starts (the ``start`` word of :data:`BOOT_THREAD`)."""

    #: Runnable: queued at boot, in table order.
    RUNNABLE = 1
    #: Inactive until the SCHED scenario's kernel hook wakes it at tick ``CONFIG_SCHED_WAKE_TICK``.
    AT_WAKE_TICK = 2


#: One entry of a test scenario's ``boot_threads`` table in the root image (after a count word):
#: entry point and stack top (link addresses of image labels), priority, and :class:`BootStart`.
#: The boot code creates one TCB per entry after the root task's; the refinement harness reads the
#: same table to give the spec the same threads.
BOOT_THREAD = Layout("boot_thread", (Field("entry"), Field("stack"), Field("priority"), Field("start")))


_CNODE_BYTES = 1 << (ROOT_CNODE_RADIX + CNODE_SLOT_BITS)
_TABLE_BYTES = 1 << OBJECT_SIZE_BITS[ObjectType.PAGE_TABLE]


class BootObject(IntEnum):
    """Offsets of the root task's boot objects from the boot object region, each aligned to its
    size: its CNode, its VSpace and the three page tables that map its image, then the TCBs
    (thread 0 is the root task; further ones are the threads of a test scenario). ``END`` is the
    region's size."""

    CNODE = 0
    VSPACE = _CNODE_BYTES
    PT_L1 = VSPACE + _TABLE_BYTES
    PT_L2 = PT_L1 + _TABLE_BYTES
    PT_L3 = PT_L2 + _TABLE_BYTES
    TCBS = PT_L3 + _TABLE_BYTES
    END = TCBS + BOOT_MAX_THREADS * _TCB_BYTES


LAYOUTS = (
    USER_CONTEXT, PANIC_FRAME, TCB, KSTATE, SCHED_QUEUE, CAP_SLOT, BOOT_THREAD, IPC_QUEUE, ENDPOINT, NOTIFICATION,
    IRQ_LINE,
)  # fmt: skip
