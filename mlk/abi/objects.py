"""Object types, capability types, object sizes, kernel object states and the root task's CSpace.

``ObjectType`` names what Untyped Retype can create; ``CapType`` names what a capability slot
can hold (retypeable objects share their number with their ``ObjectType``). The state enums
(``ThreadState``, ``EndpointState``, ``NotificationState``, ``IrqState``) are the values the kernel
stores in its objects and the refinement checker decodes. ``RootSlot`` fixes where the boot code
puts each capability of the root task, so that the kernel and user programs agree on it.
"""

from __future__ import annotations

from enum import IntEnum


class ObjectType(IntEnum):
    """Kinds of object that Untyped Retype creates (the ``type`` argument)."""

    UNTYPED = 1
    TCB = 2
    ENDPOINT = 3
    NOTIFICATION = 4
    CNODE = 5
    FRAME = 6
    PAGE_TABLE = 7
    #: A level-0 translation table: the root of an address space (what TTBR0_EL1 points at).
    VSPACE = 8


class CapType(IntEnum):
    """Kinds of capability; ``NULL`` marks an empty slot.

    There is no reply capability type: the right to reply lives in the replier's TCB (its
    reply field), never in a CNode slot.
    """

    NULL = 0
    #: A capability to an object that Retype creates has that object type's number, so that
    #: ``CapType(object_type)`` names the capability Retype inserts.
    UNTYPED = ObjectType.UNTYPED.value
    TCB = ObjectType.TCB.value
    ENDPOINT = ObjectType.ENDPOINT.value
    NOTIFICATION = ObjectType.NOTIFICATION.value
    CNODE = ObjectType.CNODE.value
    FRAME = ObjectType.FRAME.value
    PAGE_TABLE = ObjectType.PAGE_TABLE.value
    VSPACE = ObjectType.VSPACE.value
    #: Capabilities to what Retype does not create: the interrupt controller and its lines.
    IRQ_CONTROL = max(ObjectType) + 1
    IRQ_HANDLER = max(ObjectType) + 2


class ThreadState(IntEnum):
    """The scheduling state of a thread."""

    INACTIVE = 0
    RUNNING = 1
    BLOCKED_ON_SEND = 2
    BLOCKED_ON_RECEIVE = 3
    BLOCKED_ON_REPLY = 4
    BLOCKED_ON_NOTIFICATION = 5
    #: Only the idle thread is ever in this state.
    IDLE = 6


class EndpointState(IntEnum):
    """What an endpoint's queue holds: nothing, blocked senders or blocked receivers."""

    IDLE = 0
    SENDING = 1
    RECEIVING = 2


class NotificationState(IntEnum):
    """A notification is idle, has blocked waiters, or holds a pending signal word."""

    IDLE = 0
    WAITING = 1
    ACTIVE = 2


class IrqState(IntEnum):
    """The state of one interrupt line."""

    #: No handler capability exists; the line is disabled.
    INACTIVE = 0
    #: A handler capability was issued; the line signals its notification (if set).
    SIGNAL = 1
    #: The kernel owns the line (the timer).
    KERNEL = 2


#: log2 of the size in bytes of each fixed-size object kind. Untyped and CNode take their size
#: from the Retype call (bytes, resp. slots).
OBJECT_SIZE_BITS: dict[ObjectType, int] = {
    ObjectType.TCB: 10,
    ObjectType.ENDPOINT: 4,
    ObjectType.NOTIFICATION: 5,
    ObjectType.FRAME: 12,
    ObjectType.PAGE_TABLE: 12,
    ObjectType.VSPACE: 12,
}

#: log2 of the size of one CNode slot in bytes.
CNODE_SLOT_BITS = 5
#: Smallest and largest radix (log2 of the number of slots) of a CNode made by Retype.
CNODE_MIN_RADIX = 1
CNODE_MAX_RADIX = 12
#: Smallest and largest Untyped a Retype may create (log2 bytes).
UNTYPED_MIN_BITS = 4
UNTYPED_MAX_BITS = 47
#: Most objects one Untyped Retype creates (the bound keeps every transition loop-free).
RETYPE_MAX_OBJECTS = 8

#: Number of thread priorities (0 lowest, NUM_PRIORITIES - 1 highest).
NUM_PRIORITIES = 256
#: Timer ticks a thread runs before it goes to the back of its priority's queue.
TIME_SLICE_TICKS = 5

#: log2 of the page size (the 4 KiB granule) and of the number of entries of a translation table.
PAGE_BITS = 12
PT_INDEX_BITS = 9
#: Translation levels of the 48-bit, 4 KiB-granule regime: level 0 (the VSpace) to level 3.
PT_LEVELS = 4
#: Bits of user virtual address (TTBR0_EL1 covers [0, 2**VADDR_BITS)).
VADDR_BITS = 48

#: CPtr 0 never names a capability: every lookup of it fails, and arguments that take an optional
#: capability use it for "none".
NULL_CPTR = 0

#: log2 of the number of slots of the root task's CNode.
ROOT_CNODE_RADIX = 8
#: Virtual address at which the boot code maps the root task's image, and where it starts.
ROOT_IMAGE_VADDR = 0x40_0000
#: Most 4 KiB frames of the root task's image (code, data and stack, the stack at the top).
ROOT_IMAGE_MAX_PAGES = 48
#: Most untyped capabilities handed to the root task.
ROOT_MAX_UNTYPED = 64


class RootSlot(IntEnum):
    """Slots of the root task's CNode (its CSpace root) as the boot code fills them.

    The root task's CPtrs are these slot numbers. ``IMAGE_FIRST`` .. hold the frames of the
    root task's image in address order, ``UNTYPED_FIRST`` .. the untyped regions in address order;
    ``FREE_FIRST`` and above are empty.
    """

    NULL = 0
    TCB = 1
    CNODE = 2
    VSPACE = 3
    IRQ_CONTROL = 4
    CONSOLE_FRAME = 5
    PAGE_TABLE_L1 = 6
    PAGE_TABLE_L2 = 7
    PAGE_TABLE_L3 = 8
    IMAGE_FIRST = 16
    UNTYPED_FIRST = 64
    FREE_FIRST = 128
