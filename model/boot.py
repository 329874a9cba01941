"""Boot: the state in which the root task starts, as a function of the machine's memory map.

The kernel image occupies ``[kernel_base, kernel_base + kernel_size)``; the idle thread lives
inside it. Right after the image (page aligned) come the frames of the root task's image, then the
root task's kernel objects, each aligned to its size, in this order: its CNode (radix
:data:`~mlk.abi.objects.ROOT_CNODE_RADIX`), its VSpace, the three page tables that map the image,
and its TCB. Every other byte of RAM becomes untyped memory: the free ranges below the kernel and
above the boot objects are cut into the largest naturally aligned blocks of
2**UNTYPED_MIN_BITS .. 2**UNTYPED_MAX_BITS bytes, in address order, at most
:data:`~mlk.abi.objects.ROOT_MAX_UNTYPED` of them (what is left over is not handed out).

The root task's CNode is filled as :class:`~mlk.abi.objects.RootSlot` says; every capability has
all rights and no badge, and none has a parent. Its image is mapped at
:data:`~mlk.abi.objects.ROOT_IMAGE_VADDR`, readable and writable. The root task runs at the
highest priority with a full time slice, from PC = ROOT_IMAGE_VADDR with SP at the end of its
image, ``x0`` = the number of untyped capabilities, ``x1`` = the number of image frames, all other
registers zero, no fault endpoint. The timer line is kernel-owned; every other line is inactive.
"""

from __future__ import annotations

from mlk.abi.objects import (
    NULL_CPTR,
    NUM_PRIORITIES,
    OBJECT_SIZE_BITS,
    PAGE_BITS,
    ROOT_CNODE_RADIX,
    ROOT_IMAGE_MAX_PAGES,
    ROOT_IMAGE_VADDR,
    ROOT_MAX_UNTYPED,
    TIME_SLICE_TICKS,
    UNTYPED_MAX_BITS,
    UNTYPED_MIN_BITS,
    CapType,
    IrqState,
    ObjectType,
    RootSlot,
)
from mlk.abi.platform import Platform
from mlk.abi.rights import Right
from mlk.abi.syscalls import CONTEXT_REGS, ContextReg
from mlk.model import vm
from mlk.model.state import (
    IDLE,
    RUNNING,
    Cap,
    CNode,
    Frame,
    Irq,
    KObject,
    Machine,
    PageTable,
    Pte,
    Slot,
    SlotRef,
    State,
    Tcb,
    VSpace,
    cnode_size_bits,
)

#: The size of QEMU ``virt``'s RAM the test suite and the benchmark assume by default.
DEFAULT_RAM_SIZE = 1 << 27
#: Room the spec assumes for the kernel image, its stacks and the idle thread by default.
DEFAULT_KERNEL_SIZE = 1 << 20
#: Frames of the root task's image by default.
DEFAULT_ROOT_IMAGE_PAGES = 16


def qemu_virt(
    *,
    ram_size: int = DEFAULT_RAM_SIZE,
    kernel_size: int = DEFAULT_KERNEL_SIZE,
    root_image_pages: int = DEFAULT_ROOT_IMAGE_PAGES,
    debug: bool = True,
) -> Machine:
    """The QEMU ``virt`` board (see :class:`~mlk.abi.platform.Platform`); the idle thread is
    placed at the end of the kernel's region (the last TCB-sized block)."""
    kernel_end = Platform.KERNEL_BASE + kernel_size
    return Machine(
        ram_base=Platform.RAM_BASE,
        ram_size=ram_size,
        kernel_base=Platform.KERNEL_BASE,
        kernel_size=kernel_size,
        idle_tcb=kernel_end - (1 << OBJECT_SIZE_BITS[ObjectType.TCB]),
        console_base=Platform.UART0_BASE,
        console_irq=Platform.UART0_IRQ,
        timer_irq=Platform.TIMER_IRQ,
        irq_lines=Platform.IRQ_LINES,
        root_image_pages=root_image_pages,
        debug=debug,
    )


def _align_up(addr: int, bits: int) -> int:
    return (addr + (1 << bits) - 1) >> bits << bits


def untyped_blocks(start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` cut into the largest naturally aligned blocks within the untyped size
    limits, as ``(address, size_bits)`` in address order; pieces below the minimum are dropped."""
    blocks: list[tuple[int, int]] = []
    addr = _align_up(start, UNTYPED_MIN_BITS)
    while addr + (1 << UNTYPED_MIN_BITS) <= end:
        bits = UNTYPED_MAX_BITS
        while addr & ((1 << bits) - 1) or addr + (1 << bits) > end:
            bits -= 1
        blocks.append((addr, bits))
        addr += 1 << bits
    return blocks


def boot(machine: Machine) -> State:
    """The state handed to the root task on ``machine`` (see the module documentation).
    ``ValueError`` when the memory map cannot hold the kernel, the root task and its objects."""
    ram_end = machine.ram_base + machine.ram_size
    kernel_end = machine.kernel_base + machine.kernel_size
    if not (
        machine.ram_base <= machine.kernel_base <= machine.idle_tcb < kernel_end <= ram_end
        and 0 < machine.root_image_pages <= ROOT_IMAGE_MAX_PAGES
    ):
        raise ValueError("memory map does not hold the kernel and the root task's image")
    cursor = _align_up(kernel_end, PAGE_BITS)
    image = [cursor + (i << PAGE_BITS) for i in range(machine.root_image_pages)]
    cursor = image[-1] + (1 << PAGE_BITS)

    def alloc(bits: int) -> int:
        nonlocal cursor
        addr = _align_up(cursor, bits)
        cursor = addr + (1 << bits)
        return addr

    cnode = alloc(cnode_size_bits(ROOT_CNODE_RADIX))
    vspace = alloc(OBJECT_SIZE_BITS[ObjectType.VSPACE])
    tables = [alloc(OBJECT_SIZE_BITS[ObjectType.PAGE_TABLE]) for _ in range(vm.LEAF_LEVEL)]
    root = alloc(OBJECT_SIZE_BITS[ObjectType.TCB])
    if cursor > ram_end:
        raise ValueError("RAM too small for the root task's objects")
    untypeds = (untyped_blocks(machine.ram_base, machine.kernel_base) + untyped_blocks(cursor, ram_end))[
        :ROOT_MAX_UNTYPED
    ]

    page_rights = Right.READ | Right.WRITE
    objects: dict[int, KObject] = {}
    slots: dict[SlotRef, Slot] = {}

    def give(slot: int, cap: Cap) -> None:
        slots[(cnode, slot)] = Slot(cap, None, ())

    chain = [vspace, *tables]
    for level, table in enumerate(chain[:-1]):
        child = chain[level + 1]
        entries = {vm.table_index(ROOT_IMAGE_VADDR, level): Pte(child, 0)}
        objects[table] = VSpace(entries, 1) if level == 0 else PageTable(entries)
        covered = vm.level_shift(level)
        give(
            RootSlot.PAGE_TABLE_L1 + level,
            Cap(CapType.PAGE_TABLE, child, mapped=(vspace, ROOT_IMAGE_VADDR >> covered << covered)),
        )
    leaf: dict[int, Pte] = {}
    for i, frame in enumerate(image):
        vaddr = ROOT_IMAGE_VADDR + (i << PAGE_BITS)
        objects[frame] = Frame(False)
        leaf[vm.table_index(vaddr, vm.LEAF_LEVEL)] = Pte(frame, page_rights)
        give(RootSlot.IMAGE_FIRST + i, Cap(CapType.FRAME, frame, mapped=(vspace, vaddr)))
    objects[tables[-1]] = PageTable(leaf)
    objects[machine.console_base] = Frame(True)
    give(RootSlot.CONSOLE_FRAME, Cap(CapType.FRAME, machine.console_base))
    for i, (addr, bits) in enumerate(untypeds):
        give(RootSlot.UNTYPED_FIRST + i, Cap(CapType.UNTYPED, addr, size_bits=bits))
    give(RootSlot.TCB, Cap(CapType.TCB, root))
    give(RootSlot.CNODE, Cap(CapType.CNODE, cnode))
    give(RootSlot.VSPACE, Cap(CapType.VSPACE, vspace))
    give(RootSlot.IRQ_CONTROL, Cap(CapType.IRQ_CONTROL, 0))
    objects[cnode] = CNode(ROOT_CNODE_RADIX, len(slots), 1)

    ctx = [0] * CONTEXT_REGS
    ctx[ContextReg.X0] = len(untypeds)
    ctx[ContextReg.X1] = len(image)
    ctx[ContextReg.SP] = ROOT_IMAGE_VADDR + (len(image) << PAGE_BITS)
    ctx[ContextReg.PC] = ROOT_IMAGE_VADDR
    objects[root] = Tcb(
        tuple(ctx), RUNNING, NUM_PRIORITIES - 1, TIME_SLICE_TICKS, cnode, vspace, NULL_CPTR, None, None, None
    )
    objects[machine.idle_tcb] = Tcb(
        (0,) * CONTEXT_REGS, IDLE, 0, TIME_SLICE_TICKS, None, None, NULL_CPTR, None, None, None
    )
    irqs = {machine.timer_irq: Irq(IrqState.KERNEL, None, 0, False)}
    return State(machine, objects, slots, {}, root, irqs, None)
