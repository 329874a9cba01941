"""AArch64 architectural constants the kernel uses (exception classes, system register bits).

Values are those of the Arm Architecture Reference Manual for A-profile.
"""

from __future__ import annotations

from enum import IntEnum

from mlk.abi.fields import BitField

#: ESR_ELx.EC: the exception class.
ESR_EC = BitField("ec", 26, 6)
#: ESR_ELx.ISS: the instruction-specific syndrome.
ESR_ISS = BitField("iss", 0, 25)
#: ISS.WnR of a data abort: 1 when the access that faulted was a write.
ESR_DABT_WNR = BitField("wnr", 6, 1)


class ExceptionClass(IntEnum):
    """ESR_ELx.EC values the kernel distinguishes."""

    UNKNOWN = 0x00
    SVC64 = 0x15
    IABT_LOWER = 0x20
    IABT_CURRENT = 0x21
    PC_ALIGN = 0x22
    DABT_LOWER = 0x24
    DABT_CURRENT = 0x25
    SP_ALIGN = 0x26
    BRK64 = 0x3C


class Spsr(IntEnum):
    """SPSR_ELx / PSTATE values."""

    #: EL1 using SP_EL1, with D, A, I and F masked: the state the kernel runs in.
    EL1H_MASKED = 0x3C5
    #: EL0 with interrupts enabled: the state user threads run in.
    EL0T = 0x000
    #: EL1 using SP_EL1 with only IRQs unmasked: the state the idle thread runs in.
    EL1H_IRQ = 0x345


class Nzcv(IntEnum):
    """The condition flags as the 4-bit ``#nzcv`` immediate of ``ccmp``/``ccmn`` sets them."""

    N = 8
    Z = 4
    C = 2
    V = 1


class CurrentEl(IntEnum):
    """CurrentEL register values."""

    EL1 = 1 << 2
    EL2 = 2 << 2


class Hcr(IntEnum):
    """HCR_EL2 bits used when the kernel drops from EL2 to EL1."""

    #: EL1 is AArch64.
    RW = 1 << 31


class Cnthctl(IntEnum):
    """CNTHCTL_EL2 bits: let EL1 and EL0 use the physical counter and timer."""

    EL1PCTEN = 1 << 0
    EL1PCEN = 1 << 1


class Mpidr(IntEnum):
    """MPIDR_EL1 fields."""

    #: Affinity level 0: the core number within a cluster.
    AFF0_MASK = 0xFF


class Mair(IntEnum):
    """MAIR_EL1 attribute indices (what a descriptor's AttrIndx selects) and their encodings."""

    IDX_DEVICE = 0
    IDX_NORMAL = 1
    #: Device-nGnRE: the UART and the GIC.
    DEVICE_NGNRE = 0x04
    #: Normal memory, inner and outer write-back, read- and write-allocate.
    NORMAL_WB = 0xFF


#: The MAIR_EL1 value: each attribute encoding in the byte its index selects.
MAIR_VALUE = (Mair.DEVICE_NGNRE << (8 * Mair.IDX_DEVICE)) | (Mair.NORMAL_WB << (8 * Mair.IDX_NORMAL))


class Tcr(IntEnum):
    """TCR_EL1 fields (shifts and values) for the 48-bit, 4 KiB-granule regime in both halves."""

    T0SZ_SHIFT = 0
    IRGN0_SHIFT = 8
    ORGN0_SHIFT = 10
    SH0_SHIFT = 12
    TG0_SHIFT = 14
    T1SZ_SHIFT = 16
    IRGN1_SHIFT = 24
    ORGN1_SHIFT = 26
    SH1_SHIFT = 28
    TG1_SHIFT = 30
    IPS_SHIFT = 32
    #: ASID size: 1 selects 16-bit ASIDs (the Cortex-A72 has them).
    AS_SHIFT = 36
    #: 64 - 48: each half spans 2**48 bytes.
    TSZ_48BIT = 16
    #: Walks use write-back, write-allocate cacheable memory.
    WBWA = 1
    INNER_SHAREABLE = 3
    TG0_4K = 0
    TG1_4K = 2
    #: 40-bit intermediate physical addresses (1 TiB; QEMU ``virt`` RAM lies far below).
    IPS_40BIT = 2


#: The TCR_EL1 value: TTBR0 (user, 16-bit ASIDs from TTBR0) and TTBR1 (kernel) both 48-bit, 4 KiB.
TCR_VALUE = (
    (Tcr.TSZ_48BIT << Tcr.T0SZ_SHIFT)
    | (Tcr.WBWA << Tcr.IRGN0_SHIFT)
    | (Tcr.WBWA << Tcr.ORGN0_SHIFT)
    | (Tcr.INNER_SHAREABLE << Tcr.SH0_SHIFT)
    | (Tcr.TG0_4K << Tcr.TG0_SHIFT)
    | (Tcr.TSZ_48BIT << Tcr.T1SZ_SHIFT)
    | (Tcr.WBWA << Tcr.IRGN1_SHIFT)
    | (Tcr.WBWA << Tcr.ORGN1_SHIFT)
    | (Tcr.INNER_SHAREABLE << Tcr.SH1_SHIFT)
    | (Tcr.TG1_4K << Tcr.TG1_SHIFT)
    | (Tcr.IPS_40BIT << Tcr.IPS_SHIFT)
    | (1 << Tcr.AS_SHIFT)
)


class Sctlr(IntEnum):
    """SCTLR_EL1 bits."""

    M = 1 << 0
    C = 1 << 2
    #: SP alignment checks at EL1 and at EL0 (a misaligned SP faults).
    SA = 1 << 3
    SA0 = 1 << 4
    I = 1 << 12  # noqa: E741 (the architecture's name)
    #: Bits that are RES1 in Armv8.0 (11, 20, 22, 23, 28, 29).
    RES1 = 0x30D0_0800


#: The SCTLR_EL1 value with the MMU on: caches enabled, SP alignment checked at EL0 and EL1.
SCTLR_VALUE = Sctlr.RES1 | Sctlr.M | Sctlr.C | Sctlr.SA | Sctlr.SA0 | Sctlr.I


class Pte(IntEnum):
    """Stage-1 translation descriptor bits (4 KiB granule)."""

    #: Bits [1:0]: a block (levels 1 and 2), a table (levels 0-2) or a page (level 3).
    BLOCK = 0b01
    TABLE = 0b11
    PAGE = 0b11
    ATTR_SHIFT = 2
    #: AP[2:1] = 01: read/write at EL1 and EL0 (00, the default, is EL1 only).
    AP_EL0_RW = 1 << 6
    #: AP[2]: read-only (with AP[1]: read-only at EL1 and EL0).
    AP_READ_ONLY = 1 << 7
    SH_INNER = 3 << 8
    AF = 1 << 10
    #: Not global: the translation belongs to the ASID it was walked with.
    NG = 1 << 11
    PXN = 1 << 53
    UXN = 1 << 54
    #: Bits [47:12] of a descriptor: the output address.
    ADDR_MASK = 0x0000_FFFF_FFFF_F000


#: A 1 GiB kernel block of RAM: EL1 only, cacheable, never executable at EL0.
PTE_KERNEL_RAM = Pte.BLOCK | (Mair.IDX_NORMAL << Pte.ATTR_SHIFT) | Pte.SH_INNER | Pte.AF | Pte.UXN
#: A 1 GiB kernel block of devices: EL1 only, Device-nGnRE, never executable.
PTE_KERNEL_DEVICE = Pte.BLOCK | (Mair.IDX_DEVICE << Pte.ATTR_SHIFT) | Pte.AF | Pte.UXN | Pte.PXN
#: What every user page descriptor has: a page, accessible at EL0 (read/write unless
#: ``AP_READ_ONLY`` is added), tagged with its ASID, never executable at EL1.
PTE_USER_PAGE = Pte.PAGE | Pte.AP_EL0_RW | Pte.AF | Pte.NG | Pte.PXN
#: The attributes of a user page of RAM: normal cacheable memory, executable at EL0.
PTE_USER_NORMAL = (Mair.IDX_NORMAL << Pte.ATTR_SHIFT) | Pte.SH_INNER
#: The attributes of a user page of a device's registers: Device-nGnRE, never executable.
PTE_USER_DEVICE = (Mair.IDX_DEVICE << Pte.ATTR_SHIFT) | Pte.UXN
#: A user page of the root task's image: read/write/execute at EL0, never executable at EL1.
PTE_USER_RWX = PTE_USER_PAGE | PTE_USER_NORMAL

#: Bit position of the ASID in TTBR0_EL1.
TTBR_ASID_SHIFT = 48
#: Bit position of the ASID in the operand of a TLB invalidation by address (``tlbi vae1is``),
#: whose bits [43:0] are the virtual address's bits [55:12].
TLBI_ASID_SHIFT = 48


class Pmu(IntEnum):
    """Performance monitor values used to count instructions (exact under ``-icount``)."""

    #: PMCR_EL0: enable (E), reset event counters (P), reset the cycle counter (C).
    PMCR_START = 0b111
    #: PMCNTENSET_EL0 bit of event counter 0.
    COUNTER0 = 1 << 0
    #: The architectural event "instruction architecturally executed".
    EVENT_INST_RETIRED = 0x08


class CntpCtl(IntEnum):
    """CNTP_CTL_EL0 bits."""

    ENABLE = 1 << 0
