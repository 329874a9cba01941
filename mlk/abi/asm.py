"""Render the ABI as an assembler include of ``.equ`` lines.

The kernel sources use only these names. Naming scheme: an enum member becomes
``PREFIX_MEMBER``; a bit field becomes ``PREFIX_SHIFT``, ``PREFIX_WIDTH`` and ``PREFIX_MASK``
(unshifted); a layout member becomes ``PREFIX_MEMBER`` (its byte offset), plus ``PREFIX_SIZE``.
"""

from __future__ import annotations

from enum import Enum

from mlk.abi import arch, errors, labels, layout, msginfo, objects, platform, rights, services, syscalls, trace
from mlk.abi.fields import BitField, Layout

#: (prefix, enum) pairs exported to assembly.
ENUMS: tuple[tuple[str, type[Enum]], ...] = (
    ("SYS", syscalls.Syscall),
    ("REG", syscalls.Reg),
    ("CTXREG", syscalls.ContextReg),
    ("ERR", errors.Error),
    ("LABEL", labels.Label),
    ("RIGHT", rights.Right),
    ("OBJ", objects.ObjectType),
    ("CAP", objects.CapType),
    ("", platform.Platform),
    ("PL011", platform.Pl011),
    ("BOOT", platform.Boot),
    ("EC", arch.ExceptionClass),
    ("SPSR", arch.Spsr),
    ("NZCV", arch.Nzcv),
    ("CURRENTEL", arch.CurrentEl),
    ("HCR", arch.Hcr),
    ("CNTHCTL", arch.Cnthctl),
    ("MPIDR", arch.Mpidr),
    ("TRACE", trace.RecordType),
    ("MAIR", arch.Mair),
    ("SCTLR", arch.Sctlr),
    ("PTE", arch.Pte),
    ("PMU", arch.Pmu),
    ("CNTP_CTL", arch.CntpCtl),
    ("GICD", platform.Gicd),
    ("GICC", platform.Gicc),
    ("KWIN", platform.KernelWindow),
    ("TS", objects.ThreadState),
    ("EPS", objects.EndpointState),
    ("NTFNS", objects.NotificationState),
    ("IRQS", objects.IrqState),
    ("FAULT", labels.FaultLabel),
    ("ROOT_SLOT", objects.RootSlot),
    ("BOOTOBJ", layout.BootObject),
    ("BOOT_START", layout.BootStart),
)

#: (prefix, field) pairs exported to assembly.
BITFIELDS: tuple[tuple[str, BitField], ...] = (
    ("MSGINFO_LENGTH", msginfo.LENGTH),
    ("MSGINFO_EXTRA_CAPS", msginfo.EXTRA_CAPS),
    ("MSGINFO_LABEL", msginfo.LABEL),
    ("ESR_EC", arch.ESR_EC),
    ("ESR_ISS", arch.ESR_ISS),
    ("CAPINFO_TYPE", layout.CAP_TYPE),
    ("CAPINFO_RIGHTS", layout.CAP_RIGHTS),
    ("CAPINFO_SIZE_BITS", layout.CAP_SIZE_BITS),
    ("CAPINFO_MAPPED", layout.CAP_MAPPED),
    ("CAPINFO_MAPPED_VSPACE", layout.CAP_MAPPED_VSPACE),
    ("CAPINFO_LAST_CHILD", layout.CAP_LAST_CHILD),
    ("CAPCDT_PARENT", layout.CAP_PARENT),
    ("CAPCDT_PREV_SIBLING", layout.CAP_PREV_SIBLING),
    ("VSPACE_ASID", layout.VSPACE_ASID),
)

#: (prefix, layout) pairs exported to assembly.
LAYOUTS: tuple[tuple[str, Layout], ...] = (
    ("CTX", layout.USER_CONTEXT),
    ("PANIC", layout.PANIC_FRAME),
    ("TCB", layout.TCB),
    ("KSTATE", layout.KSTATE),
    ("SCHEDQ", layout.SCHED_QUEUE),
    ("SLOT", layout.CAP_SLOT),
    ("BOOT_THREAD", layout.BOOT_THREAD),
    ("IPCQ", layout.IPC_QUEUE),
    ("EP", layout.ENDPOINT),
    ("NTFN", layout.NOTIFICATION),
    ("IRQ", layout.IRQ_LINE),
    ("TRACE_HEADER", trace.HEADER),
    ("SEMIHOST_OPEN", trace.SEMIHOST_OPEN),
    ("SEMIHOST_WRITE", trace.SEMIHOST_WRITE),
    ("CKPT_NOTICE", trace.CHECKPOINT_NOTICE),
    ("CKPT_ORDER", trace.CHECKPOINT_ORDER),
    *((f"TRACE_{kind.name}", lay) for kind, lay in trace.LAYOUTS.items()),
)

#: Plain integer constants exported to assembly.
SCALARS: tuple[tuple[str, int], ...] = (
    ("MSG_REGS", syscalls.MSG_REGS),
    ("CONTEXT_REGS", syscalls.CONTEXT_REGS),
    ("DEBUG_ARG_MASK", (1 << syscalls.DEBUG_ARG_BITS) - 1),
    ("TRACE_ABI_VERSION", trace.ABI_VERSION),
    ("TRACE_RECORD_MAX_SIZE", trace.RECORD_MAX_SIZE),
    ("SEMIHOST_SYS_OPEN", trace.SEMIHOST_SYS_OPEN),
    ("SEMIHOST_SYS_WRITE", trace.SEMIHOST_SYS_WRITE),
    ("SEMIHOST_SYS_READ", trace.SEMIHOST_SYS_READ),
    ("SEMIHOST_OPEN_RB", trace.SEMIHOST_OPEN_RB),
    ("SEMIHOST_OPEN_RPLUSB", trace.SEMIHOST_OPEN_RPLUSB),
    ("SEMIHOST_OPEN_WB", trace.SEMIHOST_OPEN_WB),
    ("TRACE_SINK_NAME_LENGTH", len(trace.SINK_FILE)),
    ("CKPT_IN_NAME_LENGTH", len(trace.CHECKPOINT_IN)),
    ("CKPT_OUT_NAME_LENGTH", len(trace.CHECKPOINT_OUT)),
    ("RAM_SIZE", layout.RAM_SIZE),
    ("ALL_RIGHTS", int(rights.ALL_RIGHTS)),
    ("NUM_PRIORITIES", objects.NUM_PRIORITIES),
    ("TIME_SLICE_TICKS", objects.TIME_SLICE_TICKS),
    ("PAGE_BITS", objects.PAGE_BITS),
    ("PT_INDEX_BITS", objects.PT_INDEX_BITS),
    ("PT_LEVELS", objects.PT_LEVELS),
    ("VADDR_BITS", objects.VADDR_BITS),
    ("CNODE_SLOT_BITS", objects.CNODE_SLOT_BITS),
    ("TCB_SIZE_BITS", objects.OBJECT_SIZE_BITS[objects.ObjectType.TCB]),
    ("ROOT_CNODE_RADIX", objects.ROOT_CNODE_RADIX),
    ("ROOT_IMAGE_VADDR", objects.ROOT_IMAGE_VADDR),
    ("ROOT_IMAGE_MAX_PAGES", objects.ROOT_IMAGE_MAX_PAGES),
    ("TICK_COUNTS", platform.TICK_COUNTS),
    ("MAIR_VALUE", arch.MAIR_VALUE),
    ("TCR_VALUE", arch.TCR_VALUE),
    ("SCTLR_VALUE", arch.SCTLR_VALUE),
    ("PTE_KERNEL_RAM", arch.PTE_KERNEL_RAM),
    ("PTE_KERNEL_DEVICE", arch.PTE_KERNEL_DEVICE),
    ("PTE_USER_RWX", arch.PTE_USER_RWX),
    ("PTE_USER_PAGE", arch.PTE_USER_PAGE),
    ("PTE_USER_NORMAL", arch.PTE_USER_NORMAL),
    ("PTE_USER_DEVICE", arch.PTE_USER_DEVICE),
    ("TTBR_ASID_SHIFT", arch.TTBR_ASID_SHIFT),
    ("TLBI_ASID_SHIFT", arch.TLBI_ASID_SHIFT),
    ("KSTATE_QUEUES", layout.KSTATE_QUEUES),
    ("KSTATE_READY_SHIFT", layout.KSTATE_READY_SHIFT),
    ("SCHEDQ_SHIFT", layout.SCHED_QUEUE_SHIFT),
    ("IDLE_TCB_OFFSET", layout.IDLE_TCB_OFFSET),
    ("IRQ_TABLE_OFFSET", layout.IRQ_TABLE_OFFSET),
    ("IRQ_LINE_SHIFT", layout.IRQ_LINE_SHIFT),
    ("KERNEL_DATA_OFFSET", layout.KERNEL_DATA_OFFSET),
    ("KERNEL_DATA_SIZE", layout.KERNEL_DATA_SIZE),
    ("BOOT_OBJECTS_ALIGN", layout.BOOT_OBJECTS_ALIGN),
    ("BOOT_MAX_THREADS", layout.BOOT_MAX_THREADS),
    ("ROOT_MAX_UNTYPED", objects.ROOT_MAX_UNTYPED),
    ("UNTYPED_MIN_BITS", objects.UNTYPED_MIN_BITS),
    ("UNTYPED_MAX_BITS", objects.UNTYPED_MAX_BITS),
    ("CNODE_MIN_RADIX", objects.CNODE_MIN_RADIX),
    ("CNODE_MAX_RADIX", objects.CNODE_MAX_RADIX),
    ("RETYPE_MAX_OBJECTS", objects.RETYPE_MAX_OBJECTS),
    ("NULL_CPTR", objects.NULL_CPTR),
    *((f"OBJ_SIZE_BITS_{kind.name}", bits) for kind, bits in objects.OBJECT_SIZE_BITS.items()),
    ("ROOT_PRIORITY", layout.ROOT_PRIORITY),
    ("FAULT_MSG_LENGTH", labels.FAULT_MSG_LENGTH),
    ("TSTATE_GRANT", layout.TSTATE_GRANT),
    ("TSTATE_GRANT_REPLY", layout.TSTATE_GRANT_REPLY),
    ("TSTATE_CALL", layout.TSTATE_CALL),
    *services.asm_constants(),
)


def _name(prefix: str, member: str) -> str:
    return f"{prefix}_{member}".upper() if prefix else member.upper()


def constants() -> dict[str, int]:
    """Every exported constant, by assembler name. Raises ``ValueError`` on a name clash."""
    out: dict[str, int] = {}

    def add(name: str, value: int) -> None:
        if name in out and out[name] != value:
            raise ValueError(f"ABI name {name} defined twice ({out[name]:#x} and {value:#x})")
        out[name] = value

    for prefix, enum in ENUMS:
        for member_name, member in enum.__members__.items():
            add(_name(prefix, member_name), int(member.value))
    for prefix, field in BITFIELDS:
        add(f"{prefix}_SHIFT", field.lsb)
        add(f"{prefix}_WIDTH", field.width)
        add(f"{prefix}_MASK", field.mask)
    for prefix, lay in LAYOUTS:
        for member_name, offset in lay.offsets.items():
            add(_name(prefix, member_name), offset)
        add(f"{prefix}_SIZE", lay.size)
    for name, value in SCALARS:
        add(name, value)
    return out


def render() -> str:
    """The assembler include text, deterministic for a given ABI."""
    lines = ["/* Generated from mlk.abi by mlk.abi.asm: do not edit. */"]
    for name, value in constants().items():
        lines.append(f".equ {name}, {value:#x}")
    return "\n".join(lines) + "\n"
