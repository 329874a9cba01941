"""A minimal ELF64 writer for the kernel image.

The kernel is one loadable segment (read, write, execute) at its link address, with a ``.text``
section and a symbol table (``.symtab``/``.strtab``), so that QEMU's ``-kernel`` loads it,
``readelf`` reads it and ``gdb-multiarch`` knows its symbols. AArch64 mapping symbols (``$x`` for
code, ``$d`` for data) mark where instructions and data alternate, so disassemblers do not decode
strings as code. No Python library writes ELF files of this kind without pulling in a large
native toolchain, so these hundred lines are our own.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

EM_AARCH64 = 183
_PAGE = 0x1000
_SHT_PROGBITS, _SHT_SYMTAB, _SHT_STRTAB = 1, 2, 3
_SHF_WRITE, _SHF_ALLOC, _SHF_EXECINSTR = 1, 2, 4
_STB_LOCAL, _STB_GLOBAL = 0, 1
_STT_NOTYPE, _STT_OBJECT, _STT_FUNC = 0, 1, 2


@dataclass(frozen=True)
class Symbol:
    """A symbol of the image: a name, an address, a size, and whether it names code."""

    name: str
    address: int
    size: int
    is_code: bool


class _StrTab:
    def __init__(self) -> None:
        self.data = bytearray(b"\0")
        self.index: dict[str, int] = {"": 0}

    def add(self, name: str) -> int:
        if name not in self.index:
            self.index[name] = len(self.data)
            self.data += name.encode() + b"\0"
        return self.index[name]


def write_elf(image: bytes, base: int, entry: int, symbols: list[Symbol], mapping: list[tuple[int, bool]]) -> bytes:
    """Return the bytes of an ELF64 executable holding ``image`` at ``base``.

    ``mapping`` lists (address, is_code) points where the image switches between code and data.
    """
    text_off = _PAGE
    strtab = _StrTab()
    shstr = _StrTab()
    entries: list[bytes] = [bytes(24)]
    for address, is_code in mapping:
        name = strtab.add("$x" if is_code else "$d")
        entries.append(struct.pack("<IBBHQQ", name, (_STB_LOCAL << 4) | _STT_NOTYPE, 0, 1, address, 0))
    first_global = len(entries)
    for sym in sorted(symbols, key=lambda s: (s.address, s.name)):
        info = (_STB_GLOBAL << 4) | (_STT_FUNC if sym.is_code else _STT_OBJECT)
        entries.append(struct.pack("<IBBHQQ", strtab.add(sym.name), info, 0, 1, sym.address, sym.size))
    symtab = b"".join(entries)

    names = {n: shstr.add(n) for n in ("", ".text", ".symtab", ".strtab", ".shstrtab")}
    symtab_off = text_off + len(image)
    symtab_off = (symtab_off + 7) // 8 * 8
    strtab_off = symtab_off + len(symtab)
    shstr_off = strtab_off + len(strtab.data)
    sh_off = (shstr_off + len(shstr.data) + 7) // 8 * 8

    header = struct.pack(
        "<4sBBBBB7sHHIQQQIHHHHHH",
        b"\x7fELF", 2, 1, 1, 0, 0, bytes(7),
        2, EM_AARCH64, 1, entry, 64, sh_off, 0, 64, 56, 1, 64, 5, 4,
    )  # fmt: skip
    phdr = struct.pack("<IIQQQQQQ", 1, 7, text_off, base, base, len(image), len(image), _PAGE)  # PT_LOAD, flags R|W|X
    sections = [
        bytes(64),
        struct.pack("<IIQQQQIIQQ", names[".text"], _SHT_PROGBITS, _SHF_ALLOC | _SHF_EXECINSTR | _SHF_WRITE,
                    base, text_off, len(image), 0, 0, 16, 0),
        struct.pack("<IIQQQQIIQQ", names[".symtab"], _SHT_SYMTAB, 0, 0, symtab_off, len(symtab), 3,
                    first_global, 8, 24),
        struct.pack("<IIQQQQIIQQ", names[".strtab"], _SHT_STRTAB, 0, 0, strtab_off, len(strtab.data), 0, 0, 1, 0),
        struct.pack("<IIQQQQIIQQ", names[".shstrtab"], _SHT_STRTAB, 0, 0, shstr_off, len(shstr.data), 0, 0,
                    1, 0),
    ]  # fmt: skip
    out = bytearray(header + phdr)
    out += bytes(text_off - len(out)) + image
    out += bytes(symtab_off - len(out)) + symtab + strtab.data + shstr.data
    out += bytes(sh_off - len(out)) + b"".join(sections)
    return bytes(out)
