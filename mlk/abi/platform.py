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
    #: Interrupt lines of the ``virt`` board's GICv2: 32 private lines and 256 shared ones (the
    #: kernel reads the number from GICD_TYPER at boot; the spec's default machine uses this).
    IRQ_LINES = 288
    #: PSCI SYSTEM_OFF function id (SMC32/HVC32 calling convention).
    PSCI_SYSTEM_OFF = 0x8400_0008
    #: Semihosting operation numbers and the "application exit" reason code.
    SEMIHOST_SYS_EXIT = 0x18
    SEMIHOST_APP_EXIT = 0x20026


class Pl011(IntEnum):
    """PL011 UART register offsets and bits."""

    DR = 0x00
    FR = 0x18
    #: Interrupt mask set/clear, raw status and clear registers.
    IMSC = 0x38
    RIS = 0x3C
    ICR = 0x44
    #: Bit numbers in FR: transmit FIFO full, receive FIFO empty.
    FR_TXFF_BIT = 5
    FR_RXFE_BIT = 4
    #: The interrupts' bits in IMSC, RIS and ICR: transmit (raised once a character was sent,
    #: until cleared), receive and receive timeout (raised while received characters wait).
    INT_TX = 1 << 5
    INT_RX = 1 << 4
    INT_RT = 1 << 6
    #: Bits of a byte read from DR that hold the data (the bits above are error flags).
    DR_DATA_MASK = 0xFF


class Boot(IntEnum):
    """Kernel boot parameters."""

    #: Size of the boot CPU's kernel stack in bytes.
    KERNEL_STACK_SIZE = 0x4000
    #: Exit status the kernel reports after a kernel panic (an unexpected exception at EL1).
    PANIC_STATUS = 0x70


class Gicd(IntEnum):
    """GICv2 distributor register offsets (from ``GICD_BASE``) and bits."""

    CTLR = 0x000
    #: Interrupt controller type register; its ITLinesNumber field (bits 4:0, ``TYPER_LINES_MASK``)
    #: is N for 32 * (N + 1) interrupt lines.
    TYPER = 0x004
    TYPER_LINES_MASK = 0x1F
    #: Set-enable and clear-enable registers: one bit per interrupt ID, 32 IDs per 32-bit register.
    ISENABLER = 0x100
    ICENABLER = 0x180
    #: Clear-pending registers, laid out as the enable registers.
    ICPENDR = 0x280
    #: Priority registers: one byte per interrupt ID.
    IPRIORITYR = 0x400
    #: Target registers: one byte per interrupt ID, a bit per CPU interface (shared lines only).
    ITARGETSR = 0x800
    #: Configuration registers: two bits per interrupt ID, 16 IDs per 32-bit register; the upper
    #: bit of a pair set makes the line edge-triggered.
    ICFGR = 0xC00
    CTLR_ENABLE = 1
    #: Interrupt IDs per 32-bit enable register, and that register's size in bytes.
    IRQS_PER_REG = 32
    REG_BYTES = 4
    #: Interrupt IDs per configuration register, and the edge bit of an ID's pair.
    IRQS_PER_CFG_REG = 16
    CFG_EDGE = 0b10
    #: The first shared peripheral interrupt (lower IDs are private to each CPU).
    FIRST_SPI = 32
    #: The ITARGETSR byte that routes a shared line to CPU interface 0, the boot CPU.
    TARGET_CPU0 = 1
    #: Most interrupt IDs a GICv2 distributor reports (GICD_TYPER.ITLinesNumber = 31).
    MAX_LINES = 1024


class Gicc(IntEnum):
    """GICv2 CPU interface register offsets (from ``GICC_BASE``) and values."""

    CTLR = 0x000
    PMR = 0x004
    IAR = 0x00C
    EOIR = 0x010
    CTLR_ENABLE = 1
    #: Priority mask that lets every priority through.
    PMR_ALL = 0xFF
    #: The interrupt ID field of IAR and EOIR.
    IAR_ID_MASK = 0x3FF
    #: The ID IAR reads when no interrupt is pending.
    SPURIOUS = 1023
    #: Priority the kernel gives the interrupts it enables (lower is more urgent; all are equal).
    IRQ_PRIORITY = 0xA0


#: Frequency of the generic timer's counter on QEMU ``virt`` (``CNTFRQ_EL0``).
TIMER_FREQ_HZ = 62_500_000
#: The preemption tick period. Under ``-icount shift=0`` one instruction takes 1 ns, so a tick is
#: 100,000 instructions and a 5-tick time slice half a million: long enough for a thread to make
#: visible progress between ticks, short enough that scheduler tests finish in well under a second.
TICK_PERIOD_US = 100
#: The tick period in timer counts, what the kernel programs into ``CNTP_CVAL_EL0`` steps.
TICK_COUNTS = TICK_PERIOD_US * TIMER_FREQ_HZ // 1_000_000


class KernelWindow(IntEnum):
    """The kernel's view of physical memory.

    The kernel runs in the high half (TTBR1_EL1): physical address ``pa`` is mapped, for EL1 only,
    at ``BASE + pa``. Kernel objects store physical addresses; the kernel converts with ``BASE``
    (or) and ``PADDR_MASK`` (and), both single instructions since they are bit masks.
    """

    BASE = 0xFFFF_0000_0000_0000
    PADDR_MASK = 0x0000_FFFF_FFFF_FFFF
    #: The physical range [0, 1 GiB) mapped as device memory (the GIC and the UART are in it).
    DEVICE_GIB = 0
    #: The physical range [1 GiB, 2 GiB) mapped as normal cacheable memory: all of RAM.
    RAM_GIB = 1
