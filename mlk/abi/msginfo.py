"""The message-info word: label, message length and number of extra capabilities.

It travels in :attr:`mlk.abi.syscalls.Reg.MSGINFO` in both directions. Bits not covered by a field
are ignored on entry and zero on return.
"""

from __future__ import annotations

from mlk.abi.fields import BitField

#: Number of message registers used (0..MSG_REGS; larger values are truncated to MSG_REGS).
LENGTH = BitField("length", 0, 4)
#: Number of capabilities sent along (0 or 1).
EXTRA_CAPS = BitField("extra_caps", 4, 2)
#: The invocation label, or the user's own label on an endpoint.
LABEL = BitField("label", 12, 20)

FIELDS = (LENGTH, EXTRA_CAPS, LABEL)


def pack(label: int, length: int, extra_caps: int = 0) -> int:
    """Build a message-info word (each value truncated to its field)."""
    word = 0
    word = LABEL.put(word, label)
    word = LENGTH.put(word, length)
    return EXTRA_CAPS.put(word, extra_caps)
