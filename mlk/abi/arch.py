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
