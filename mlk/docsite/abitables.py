"""The ABI tables, generated from :mod:`mlk.abi`: system call numbers, the register convention,
error codes, invocation and fault labels, rights, the message-info layout and the trace records."""

from __future__ import annotations

import inspect
import re
from enum import Enum

from mlk.abi import errors, labels, msginfo, rights, syscalls, trace
from mlk.abi.fields import BitField, Layout
from mlk.docsite import rst

_MEMBER = re.compile(r"^\s*([A-Z][A-Z0-9_]*)\s*=")


def member_docs(enum: type[Enum]) -> dict[str, str]:
    """The ``#:`` comment above each member of ``enum``, by member name."""
    docs: dict[str, str] = {}
    pending: list[str] = []
    for line in inspect.getsource(enum).splitlines():
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        match = _MEMBER.match(line)
        if match:
            docs[match.group(1)] = " ".join(pending)
        pending = []
    return docs


def enum_table(enum: type[Enum]) -> str:
    """An enumeration as a table: name, value (decimal and hex) and meaning."""
    notes = member_docs(enum)
    rows = [
        [rst.literal(m.name), str(int(m.value)), rst.literal(hex(int(m.value))), rst.text(notes.get(m.name, ""))]
        for m in enum
    ]
    return rst.paragraph(inspect.getdoc(enum) or "") + rst.table(["name", "value", "hex", "meaning"], rows, "25 8 8 59")


def _register_rows() -> list[list[str]]:
    by_number: dict[int, list[str]] = {}
    for name, member in syscalls.Reg.__members__.items():
        by_number.setdefault(int(member), []).append(name)
    return [[rst.literal(f"x{n}"), ", ".join(rst.literal(x) for x in names)] for n, names in sorted(by_number.items())]


def bitfield_table(fields: tuple[BitField, ...]) -> str:
    """Bit fields as a table: name, bits, width, mask."""
    rows = [
        [rst.literal(f.name), f"{f.lsb + f.width - 1}..{f.lsb}", str(f.width), rst.literal(hex(f.mask << f.lsb))]
        for f in sorted(fields, key=lambda f: -f.lsb)
    ]
    return rst.table(["field", "bits", "width", "mask in the word"], rows, "25 25 15 35")


def layout_table(layout: Layout) -> str:
    """A struct layout as a table: member, offset, size."""
    offsets = layout.offsets
    rows = [[rst.literal(f.name), str(offsets[f.name]), str(f.size)] for f in layout.fields]
    return f"``{layout.name}``: {layout.size} bytes.\n\n" + rst.table(["member", "offset", "size"], rows, "50 25 25")


def page() -> str:
    """The whole ABI page."""
    out = rst.label("abi") + rst.heading("ABI tables", "=", overline=True)
    out += (
        "Generated from :mod:`mlk.abi`, the one ABI source that the kernel's assembler include is also made from.\n\n"
    )
    out += rst.heading("System call numbers", "-") + enum_table(syscalls.Syscall)
    out += rst.heading("Register convention", "-") + rst.paragraph(inspect.getdoc(syscalls.Reg) or "")
    out += rst.table(["register", "role"], _register_rows(), "20 80")
    out += f"Message registers: {syscalls.MSG_REGS}. Modelled user context: {syscalls.CONTEXT_REGS} registers.\n\n"
    out += rst.heading("Context registers", "-") + enum_table(syscalls.ContextReg)
    out += rst.heading("Error codes", "-") + rst.paragraph(inspect.getdoc(errors) or "") + enum_table(errors.Error)
    out += rst.heading("Invocation labels", "-") + enum_table(labels.Label)
    out += rst.heading("Fault labels", "-") + enum_table(labels.FaultLabel)
    out += rst.heading("Capability rights", "-") + enum_table(rights.Right)
    out += rst.heading("Message-info word", "-") + rst.paragraph(inspect.getdoc(msginfo) or "")
    out += bitfield_table(msginfo.FIELDS)
    out += rst.heading("Trace records", "-") + rst.paragraph(inspect.getdoc(trace) or "")
    out += rst.heading("Record types", "~") + enum_table(trace.RecordType)
    out += rst.heading("Record header", "~") + layout_table(trace.HEADER)
    for kind, layout in trace.LAYOUTS.items():
        out += rst.heading(f"{kind.name} record", "~") + layout_table(layout)
    return out
