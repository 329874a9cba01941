"""The binary trace stream: the records the kernel writes for every transition it performs.

The stream is a sequence of records, each a multiple of 8 bytes, little-endian. Every record
starts with the :data:`HEADER` (type, total length in bytes, sequence number, time). The kernel writes one
event record when it is entered (:attr:`RecordType.SYSCALL`, ``TICK``, ``IRQ``, ``FAULT``), then the
effects of the transition (``REGS`` for each thread whose saved registers changed, ``OUTPUT`` for
each debug-console byte, ``HALT``), then ``SCHED`` naming the thread it returns to: exactly the
spec's :class:`mlk.model.events.Event` and :class:`mlk.model.events.Result`. Choices the spec
leaves open are in the records: which IRQ arrived, and that a tick fell where it fell.

The stream begins with ``BOOT`` (the kernel's build id and the machine it booted on, field for
field the spec's :class:`mlk.model.state.Machine`, so that a stream captured anywhere, on QEMU or
on a board, says everything the spec needs to start) and ends with ``END``, which carries the
number of records before it and the :func:`checksum` of every byte before its ``count`` field (the
records before it and its own header), so that a truncated or damaged stream is never mistaken for
a divergence. The same bytes can arrive from QEMU (semihosting writes to a host file) or, on
hardware, over a serial line.

Checkpoints are no part of the stream: a harness that takes kernel memory at record boundaries
talks to the kernel over the *checkpoint channel* (:data:`CHECKPOINT_IN`, :data:`CHECKPOINT_OUT`),
so the stream is the same byte for byte with and without checkpoints.
"""

from __future__ import annotations

import struct
from enum import IntEnum

from mlk.abi.fields import Field, Layout
from mlk.abi.syscalls import CONTEXT_REGS


class RecordType(IntEnum):
    """Trace record types (the ``type`` field of :data:`HEADER`)."""

    BOOT = 1
    SYSCALL = 2
    TICK = 3
    IRQ = 4
    FAULT = 5
    REGS = 6
    OUTPUT = 7
    HALT = 8
    SCHED = 9
    END = 11


#: Every record starts with this header; ``length`` counts the whole record in bytes, ``time`` is
#: the virtual counter (CNTVCT_EL0) when the record was written: with ``-icount shift=0`` it is
#: deterministic, and it places each event (a tick, an IRQ) on a timeline.
HEADER = Layout("trace_header", (Field("type", 4), Field("length", 4), Field("seq", 8), Field("time", 8)))

_CTX = tuple(Field(f"r{i}") for i in range(CONTEXT_REGS))

#: The machine description in ``BOOT``: the fields of the spec's ``Machine``, in its order.
MACHINE_FIELDS = (
    "ram_base",
    "ram_size",
    "kernel_base",
    "kernel_size",
    "idle_tcb",
    "console_base",
    "console_irq",
    "timer_irq",
    "irq_lines",
    "root_image_pages",
    "debug",
)
MACHINE = tuple(Field(name) for name in MACHINE_FIELDS)

#: The layout of each record type, header included.
LAYOUTS: dict[RecordType, Layout] = {
    RecordType.BOOT: Layout("trace_boot", (*HEADER.fields, Field("build_id"), Field("abi_version"), *MACHINE)),
    RecordType.SYSCALL: Layout("trace_syscall", (*HEADER.fields, Field("thread"), *_CTX)),
    RecordType.TICK: Layout("trace_tick", (*HEADER.fields, Field("thread"), *_CTX)),
    RecordType.IRQ: Layout("trace_irq", (*HEADER.fields, Field("irq"), Field("thread"), *_CTX)),
    RecordType.FAULT: Layout(
        "trace_fault", (*HEADER.fields, Field("thread"), Field("kind"), Field("esr"), Field("far"), *_CTX)
    ),
    RecordType.REGS: Layout("trace_regs", (*HEADER.fields, Field("thread"), *_CTX)),
    RecordType.OUTPUT: Layout("trace_output", (*HEADER.fields, Field("byte"))),
    RecordType.HALT: Layout("trace_halt", (*HEADER.fields, Field("status"))),
    RecordType.SCHED: Layout("trace_sched", (*HEADER.fields, Field("running"))),
    RecordType.END: Layout("trace_end", (*HEADER.fields, Field("count"), Field("checksum"))),
}

#: Version of this record format, carried in ``BOOT``; bump it whenever a layout changes.
ABI_VERSION = 3

#: The largest record: the kernel stages each record in a buffer of this size.
RECORD_MAX_SIZE = max(layout.size for layout in LAYOUTS.values())

#: The QEMU sink: the kernel opens this file (relative to QEMU's working directory) once at boot
#: with the semihosting ``SYS_OPEN`` call in binary write mode and appends every record to it with
#: ``SYS_WRITE`` (operation numbers and the mode from the Arm semihosting specification).
SINK_FILE = "trace.bin"
SEMIHOST_SYS_OPEN = 0x01
SEMIHOST_SYS_WRITE = 0x05
SEMIHOST_SYS_READ = 0x06
SEMIHOST_OPEN_RB = 1
SEMIHOST_OPEN_RPLUSB = 3
SEMIHOST_OPEN_WB = 5
#: The parameter block of ``SYS_OPEN``: the file name's address, the mode, the name's length.
SEMIHOST_OPEN = Layout("semihost_open", (Field("name"), Field("mode"), Field("length")))
#: The parameter block of ``SYS_WRITE`` and ``SYS_READ``: the handle ``SYS_OPEN`` returned, the
#: data's address and its length in bytes.
SEMIHOST_WRITE = Layout("semihost_write", (Field("handle"), Field("buffer"), Field("length")))

#: The checkpoint channel (QEMU only): two named pipes the harness creates in QEMU's working
#: directory before it starts QEMU. At boot the kernel opens :data:`CHECKPOINT_IN` for reading
#: and :data:`CHECKPOINT_OUT` for reading and writing (semihosting ``SYS_OPEN`` modes that never
#: create a file); with no harness there is no channel and every checkpoint is a no-op. At each record boundary where
#: its objects are exactly the spec's state (the end of every transition, and the boot just
#: before the root task's first instruction) the kernel counts down :data:`CHECKPOINT_ORDER`'s
#: ``countdown``; when it reaches zero, or the next record's number reaches the order's ``seq``,
#: or a thread asked for one (``DebugCheckpoint``), the kernel writes a
#: :data:`CHECKPOINT_NOTICE` to ``CHECKPOINT_OUT`` and blocks in ``SYS_READ`` on ``CHECKPOINT_IN``
#: until the harness, having copied kernel memory, writes the next order. Both semihosting calls
#: happen at every boundary (with length zero when no checkpoint is due), so the kernel runs the
#: same instructions either way and, under ``-icount``, checkpoints never move a tick. The first
#: order, before the boot, is a countdown of 1: the boot checkpoint is always taken.
CHECKPOINT_IN = "checkpoint.in"
CHECKPOINT_OUT = "checkpoint.out"
#: What the kernel tells the harness at a checkpoint: the number of the next record it will write
#: (records ``0 .. seq - 1`` are in the stream), what is left of the order's countdown (zero when
#: the count made the checkpoint due), and 1 when a thread asked for the checkpoint.
CHECKPOINT_NOTICE = Layout("checkpoint_notice", (Field("seq"), Field("countdown"), Field("requested")))
#: What the harness answers: how many more boundaries until the next checkpoint (0: none by
#: count), and the record number at or after which the next one is due (all ones: none).
CHECKPOINT_ORDER = Layout("checkpoint_order", (Field("countdown"), Field("seq")))

_MASK = (1 << 64) - 1


def checksum_step(state: int, word: int) -> int:
    """One step of the stream checksum: rotate the 64-bit state left by one, XOR the next word.

    Two instructions per 8-byte word in the kernel (``ror #63``, ``eor``).
    """
    return (((state << 1) | (state >> 63)) & _MASK) ^ word


def checksum(data: bytes) -> int:
    """The checksum of ``data`` (a multiple of 8 bytes), starting from 0."""
    state = 0
    for (word,) in struct.iter_unpack("<Q", data):
        state = checksum_step(state, word)
    return state
