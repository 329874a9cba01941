"""Facts of the machine the kernel runs on (QEMU ``virt``, Cortex-A72) that the kernel uses.

Addresses and interrupt numbers come from QEMU's ``virt`` board; PSCI and semihosting numbers from
the Arm specifications. Only this module names them.
"""

from __future__ import annotations

from enum import IntEnum


class Platform(IntEnum):
    """Physical addresses, interrupt IDs and firmware call numbers of QEMU ``virt``."""

    RAM_BASE = 0x4000_0000
    #: Where the kernel image is loaded and entered (the ELF's load address).
    KERNEL_BASE = 0x4008_0000
    UART0_BASE = 0x0900_0000
    UART0_IRQ = 33
    GICD_BASE = 0x0800_0000
    GICC_BASE = 0x0801_0000
    #: EL1 physical timer PPI.
    TIMER_IRQ = 30
    #: PSCI SYSTEM_OFF function id (SMC32/HVC32 calling convention).
    PSCI_SYSTEM_OFF = 0x8400_0008
    #: Semihosting operation numbers and the "application exit" reason code.
    SEMIHOST_SYS_EXIT = 0x18
    SEMIHOST_APP_EXIT = 0x20026


class Pl011(IntEnum):
    """PL011 UART register offsets and bits."""

    DR = 0x00
    FR = 0x18
    #: Bit numbers in FR: transmit FIFO full, receive FIFO empty.
    FR_TXFF_BIT = 5
    FR_RXFE_BIT = 4


class Boot(IntEnum):
    """Kernel boot parameters."""

    #: Size of the boot CPU's kernel stack in bytes.
    KERNEL_STACK_SIZE = 0x4000
    #: Exit status the kernel reports after a kernel panic (an unexpected exception at EL1).
    PANIC_STATUS = 0x70
