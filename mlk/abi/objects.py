"""Object types, capability types and object sizes.

``ObjectType`` names what Untyped Retype can create; ``CapType`` names what a capability slot
can hold (retypeable objects share their number with their ``ObjectType``).
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


class CapType(IntEnum):
    """Kinds of capability; ``NULL`` marks an empty slot."""

    NULL = 0
    UNTYPED = 1
    TCB = 2
    ENDPOINT = 3
    NOTIFICATION = 4
    CNODE = 5
    FRAME = 6
    PAGE_TABLE = 7
    IRQ_CONTROL = 8
    IRQ_HANDLER = 9
    REPLY = 10


#: log2 of the size in bytes of each fixed-size object kind. Untyped and CNode take their size
#: from the Retype call (bytes, resp. slots).
OBJECT_SIZE_BITS: dict[ObjectType, int] = {
    ObjectType.TCB: 10,
    ObjectType.ENDPOINT: 4,
    ObjectType.NOTIFICATION: 5,
    ObjectType.FRAME: 12,
    ObjectType.PAGE_TABLE: 12,
}

#: log2 of the size of one CNode slot in bytes.
CNODE_SLOT_BITS = 5
#: Smallest and largest Untyped a Retype may create (log2 bytes).
UNTYPED_MIN_BITS = 4
UNTYPED_MAX_BITS = 47
