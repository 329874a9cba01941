"""Building blocks for ABI definitions: bit fields inside a machine word and fixed struct layouts.

Every number the kernel and the tools share is declared with these types, once. The assembler
include (:mod:`mlk.abi.asm`) and every Python decoder derive their constants from the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BitField:
    """A field of ``width`` bits starting at bit ``lsb`` of a 64-bit word."""

    name: str
    lsb: int
    width: int

    def __post_init__(self) -> None:
        if not (0 <= self.lsb < 64 and self.width > 0 and self.lsb + self.width <= 64):
            raise ValueError(f"bit field {self.name} [{self.lsb}+{self.width}] does not fit in 64 bits")

    @property
    def mask(self) -> int:
        """The field's mask before shifting (``2**width - 1``)."""
        return (1 << self.width) - 1

    def get(self, word: int) -> int:
        """Extract this field from ``word``."""
        return (word >> self.lsb) & self.mask

    def put(self, word: int, value: int) -> int:
        """Return ``word`` with this field replaced by ``value`` truncated to the field's width."""
        return (word & ~(self.mask << self.lsb) & (2**64 - 1)) | ((value & self.mask) << self.lsb)

    def fits(self, value: int) -> bool:
        """Whether ``value`` is representable in this field without truncation."""
        return 0 <= value <= self.mask


@dataclass(frozen=True)
class Field:
    """One member of a struct layout: a name and its size in bytes (1, 2, 4 or 8)."""

    name: str
    size: int = 8


@dataclass(frozen=True)
class Layout:
    """A fixed struct layout: members placed in order, each aligned to its own size.

    The total size is rounded up to ``align`` bytes. Offsets are computed, never typed, so adding a
    member cannot leave a stale offset behind.
    """

    name: str
    fields: tuple[Field, ...]
    align: int = 8

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"layout {self.name} repeats a member name")
        for f in self.fields:
            if f.size not in (1, 2, 4, 8):
                raise ValueError(f"layout {self.name}: member {f.name} has size {f.size}")

    @property
    def offsets(self) -> dict[str, int]:
        """Byte offset of each member."""
        out: dict[str, int] = {}
        pos = 0
        for f in self.fields:
            pos = (pos + f.size - 1) // f.size * f.size
            out[f.name] = pos
            pos += f.size
        return out

    def offset(self, member: str) -> int:
        """Byte offset of ``member``; a ``KeyError`` names the layout when it has no such member."""
        try:
            return self.offsets[member]
        except KeyError:
            raise KeyError(f"layout {self.name} has no member {member!r}") from None

    def member(self, name: str) -> Field:
        """The member called ``name``."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"layout {self.name} has no member {name!r}")

    @property
    def size(self) -> int:
        """Total size in bytes, rounded up to the layout's alignment."""
        end = 0
        for f in self.fields:
            end = (end + f.size - 1) // f.size * f.size + f.size
        return (end + self.align - 1) // self.align * self.align

    def struct_format(self) -> str:
        """A :mod:`struct` format string (little-endian, explicit padding) for this layout."""
        codes = {1: "B", 2: "H", 4: "I", 8: "Q"}
        fmt = "<"
        pos = 0
        for f in self.fields:
            aligned = (pos + f.size - 1) // f.size * f.size
            if aligned > pos:
                fmt += f"{aligned - pos}x"
            fmt += codes[f.size]
            pos = aligned + f.size
        if self.size > pos:
            fmt += f"{self.size - pos}x"
        return fmt
