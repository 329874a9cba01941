"""Kernel memory taken at a record boundary: the raw bytes the abstraction function decodes.

A :class:`Memory` is a copy of a physical address range, taken from outside while the guest is
stopped (never formatted by the kernel). A :class:`Checkpoint` places one in the trace: records
``0 .. seq - 1`` had been written when it was taken, so it shows the spec's state after the
transitions those records describe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: What a checkpoint was taken for: the boot (just before the root task's first instruction),
#: every N transitions, at a chosen record number, a thread's ``DebugCheckpoint``, or the end of
#: the run (QEMU exited).
KINDS = ("boot", "every", "at", "requested", "final")


@dataclass(frozen=True)
class Memory:
    """A snapshot of physical memory ``[base, base + len(data))``."""

    base: int
    data: bytes

    def word(self, address: int) -> int:
        """The little-endian 64-bit word at physical ``address``; ``KeyError`` outside the snapshot."""
        offset = address - self.base
        if not 0 <= offset <= len(self.data) - 8:
            raise KeyError(f"{address:#x} is outside the memory checkpoint")
        return int.from_bytes(self.data[offset : offset + 8], "little")


@dataclass(frozen=True)
class Checkpoint:
    """Kernel memory at a record boundary: records ``0 .. seq - 1`` had been written (``offset``
    bytes of the stream) when ``memory`` was taken. ``kind`` is one of :data:`KINDS`; the final
    checkpoint's ``seq`` is that of ``END`` (-1 when the stream has no ``END``)."""

    index: int
    seq: int
    kind: str
    offset: int
    memory: Memory = field(repr=False)

    def describe(self) -> str:
        """E.g. ``checkpoint 3 (every) at record 120``."""
        return f"checkpoint {self.index} ({self.kind}) at record {self.seq}"
