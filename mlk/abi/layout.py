"""Byte layouts of kernel structures in memory.

The kernel's assembly addresses these structures only through the offsets generated from here,
and the refinement harness decodes raw kernel memory through the same layouts.
"""

from __future__ import annotations

from mlk.abi.fields import Field, Layout

#: The saved user context of a thread: x0-x30, then SP_EL0, ELR_EL1, SPSR_EL1 and TPIDR_EL0.
#: Exception entry stores the whole context here and exception exit restores it.
USER_CONTEXT = Layout(
    "ctx",
    (*(Field(f"x{i}") for i in range(31)), Field("sp_el0"), Field("elr_el1"), Field("spsr_el1"), Field("tpidr_el0")),
    align=16,
)

#: The register dump the panic path writes before printing it: what caused the exception.
PANIC_FRAME = Layout("panic", (Field("esr"), Field("elr"), Field("far"), Field("spsr")), align=16)

LAYOUTS = (USER_CONTEXT, PANIC_FRAME)
