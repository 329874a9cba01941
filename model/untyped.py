"""Untyped Retype: carving new objects out of untyped memory.

The finite interface: the caller chooses the destination slots (a run of at most
:data:`~mlk.abi.objects.RETYPE_MAX_OBJECTS` consecutive slots of a CNode) and the kernel only
validates them. Objects are carved at the untyped region's watermark, each aligned to its own
size, and the watermark moves past the last one. When the untyped capability has no children
(every object carved from it was destroyed), its watermark first returns to 0: the whole region
is reused.
"""

from __future__ import annotations

from mlk.abi.errors import Error
from mlk.abi.objects import (
    CNODE_MAX_RADIX,
    CNODE_MIN_RADIX,
    NULL_CPTR,
    OBJECT_SIZE_BITS,
    RETYPE_MAX_OBJECTS,
    TIME_SLICE_TICKS,
    UNTYPED_MAX_BITS,
    UNTYPED_MIN_BITS,
    CapType,
    EndpointState,
    NotificationState,
    ObjectType,
)
from mlk.abi.syscalls import CONTEXT_REGS
from mlk.model import cspace
from mlk.model.errors import KernelError
from mlk.model.state import (
    INACTIVE,
    Cap,
    CNode,
    Endpoint,
    Frame,
    KObject,
    Notification,
    ObjId,
    PageTable,
    SlotRef,
    Tcb,
    VSpace,
    cnode_size_bits,
)
from mlk.model.tx import Tx


def new_object(otype: ObjectType, size: int) -> KObject:
    """A freshly created object of kind ``otype`` (not UNTYPED); ``size`` is a CNode's radix.

    A new thread is INACTIVE at priority 0 with a full time slice, zero registers and nothing
    configured; a new endpoint, notification or table is empty.
    """
    if otype == ObjectType.TCB:
        return Tcb((0,) * CONTEXT_REGS, INACTIVE, 0, TIME_SLICE_TICKS, None, None, NULL_CPTR, None, None, None)
    if otype == ObjectType.ENDPOINT:
        return Endpoint(EndpointState.IDLE, ())
    if otype == ObjectType.NOTIFICATION:
        return Notification(NotificationState.IDLE, (), 0, None, 0)
    if otype == ObjectType.CNODE:
        return CNode(size, 0, 0)
    if otype == ObjectType.FRAME:
        return Frame(False)
    if otype == ObjectType.PAGE_TABLE:
        return PageTable({})
    return VSpace({}, 0)


def size_bits_of(otype: ObjectType, size: int) -> int:
    """log2 of the bytes one object of kind ``otype`` with Retype size argument ``size`` takes."""
    if otype == ObjectType.UNTYPED:
        return size
    if otype == ObjectType.CNODE:
        return cnode_size_bits(size)
    return OBJECT_SIZE_BITS[otype]


def check_size(otype: ObjectType, size: int) -> None:
    """RANGE_ERROR unless ``size`` is valid for ``otype``: an untyped's log2 bytes within
    [UNTYPED_MIN_BITS, UNTYPED_MAX_BITS], a CNode's radix within [CNODE_MIN_RADIX,
    CNODE_MAX_RADIX]; other kinds ignore it."""
    if otype == ObjectType.UNTYPED and not UNTYPED_MIN_BITS <= size <= UNTYPED_MAX_BITS:
        raise KernelError(Error.RANGE_ERROR)
    if otype == ObjectType.CNODE and not CNODE_MIN_RADIX <= size <= CNODE_MAX_RADIX:
        raise KernelError(Error.RANGE_ERROR)


def first_free(cap: Cap, has_children: bool) -> int:
    """The untyped region's watermark as Retype uses it: 0 when nothing carved from it is left."""
    return cap.watermark if has_children else 0


def retype(tx: Tx, tid: ObjId, ref: SlotRef, cap: Cap, args: tuple[int, ...]) -> tuple[int, ...]:
    """Untyped Retype (MR0 = object type, MR1 = size, MR2 = destination CNode CPtr, MR3 = first
    slot index, MR4 = count): create ``count`` objects of the type in the slots ``first`` ..
    ``first + count - 1`` of the CNode. Each gets an original capability with all rights, a child
    of the untyped capability.

    Checks, in order: the type is an :class:`~mlk.abi.objects.ObjectType` (INVALID_ARGUMENT); the
    size (:func:`check_size`, RANGE_ERROR); 1 <= count <= RETYPE_MAX_OBJECTS (RANGE_ERROR); the
    CNode (FAILED_LOOKUP, INVALID_CAPABILITY); the slots exist (RANGE_ERROR); they are empty, in
    index order (DELETE_FIRST); the objects fit between the aligned watermark and the region's
    end (NOT_ENOUGH_MEMORY).
    """
    type_arg, size, cnode_cptr, first, count = args[0], args[1], args[2], args[3], args[4]
    if type_arg not in ObjectType._value2member_map_:
        raise KernelError(Error.INVALID_ARGUMENT)
    otype = ObjectType(type_arg)
    check_size(otype, size)
    if not 1 <= count <= RETYPE_MAX_OBJECTS:
        raise KernelError(Error.RANGE_ERROR)
    _, cncap = cspace.lookup_arg(tx, tid, cnode_cptr, CapType.CNODE)
    cspace.slot_in(tx, cncap.obj, first + count - 1)
    dests = [(cncap.obj, first + i) for i in range(count)]
    for dst in dests:
        cspace.ensure_empty(tx, dst)
    bits = size_bits_of(otype, size)
    free = cap.obj + first_free(cap, bool(tx.slots[ref].children))
    start = (free + (1 << bits) - 1) >> bits << bits
    end = start + (count << bits)
    if end > cap.obj + (1 << cap.size_bits):
        raise KernelError(Error.NOT_ENOUGH_MEMORY)
    cspace.set_cap(tx, ref, cap._replace(watermark=end - cap.obj))
    for i, dst in enumerate(dests):
        addr = start + (i << bits)
        if otype == ObjectType.UNTYPED:
            cspace.insert(tx, dst, Cap(CapType.UNTYPED, addr, size_bits=size), ref)
        else:
            tx.put(addr, new_object(otype, size))
            cspace.insert(tx, dst, Cap(CapType(otype), addr), ref)
    return ()
