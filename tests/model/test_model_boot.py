"""Boot: the root task's initial state as a function of the memory map."""

from __future__ import annotations

import pytest

from mlk.abi.objects import (
    NUM_PRIORITIES,
    PAGE_BITS,
    ROOT_CNODE_RADIX,
    ROOT_IMAGE_VADDR,
    CapType,
    IrqState,
    RootSlot,
    ThreadState,
)
from mlk.abi.platform import Platform
from mlk.abi.syscalls import ContextReg
from mlk.model.boot import boot, qemu_virt, untyped_blocks
from mlk.model.invariants import violations
from mlk.model.state import CNode, Frame, Tcb, VSpace
from tests.model.model_fixtures import booted, cap, ctx, root_cnode


def test_boot_satisfies_every_invariant() -> None:
    assert violations(booted()) == []
    assert violations(boot(qemu_virt())) == []


def test_root_cnode_layout() -> None:
    s = booted()
    cn = root_cnode(s)
    node = s.objects[cn]
    assert isinstance(node, CNode) and node.radix == ROOT_CNODE_RADIX and node.tcb_refs == 1
    assert cap(s, RootSlot.TCB).type == CapType.TCB and cap(s, RootSlot.TCB).obj == s.current
    assert cap(s, RootSlot.CNODE).obj == cn
    assert cap(s, RootSlot.VSPACE).type == CapType.VSPACE
    assert cap(s, RootSlot.IRQ_CONTROL).type == CapType.IRQ_CONTROL
    console = cap(s, RootSlot.CONSOLE_FRAME)
    assert console.type == CapType.FRAME and console.obj == Platform.UART0_BASE and console.mapped is None
    assert s.objects[Platform.UART0_BASE] == Frame(True)
    for level, slot in enumerate((RootSlot.PAGE_TABLE_L1, RootSlot.PAGE_TABLE_L2, RootSlot.PAGE_TABLE_L3)):
        pt = cap(s, slot)
        assert pt.type == CapType.PAGE_TABLE and pt.mapped is not None
        assert pt.mapped[1] == (ROOT_IMAGE_VADDR if level == 2 else 0)
    pages = s.machine.root_image_pages
    for i in range(pages):
        frame = cap(s, RootSlot.IMAGE_FIRST + i)
        assert frame.mapped == (cap(s, RootSlot.VSPACE).obj, ROOT_IMAGE_VADDR + (i << PAGE_BITS))
    assert (cn, RootSlot.IMAGE_FIRST + pages) not in s.slots
    assert all(sl.parent is None and not sl.children for sl in s.slots.values())
    assert all(i < RootSlot.FREE_FIRST for (_, i) in s.slots)


def test_untyped_regions_cover_free_ram() -> None:
    s = booted()
    uts = sorted((c.obj, c.size_bits) for c in (sl.cap for sl in s.slots.values()) if c.type == CapType.UNTYPED)
    assert uts[0] == (Platform.RAM_BASE, 19)
    assert sum(1 << b for _, b in uts) + (1 << 20) + (16 << PAGE_BITS) + (7 << PAGE_BITS) + (1 << 13) >= 1 << 22
    end = max(a + (1 << b) for a, b in uts)
    assert end == s.machine.ram_base + s.machine.ram_size


def test_root_thread_registers_and_scheduling() -> None:
    s = booted()
    root = s.objects[s.current]
    assert isinstance(root, Tcb)
    assert root.state.kind == ThreadState.RUNNING and root.priority == NUM_PRIORITIES - 1
    n_ut = sum(1 for sl in s.slots.values() if sl.cap.type == CapType.UNTYPED)
    assert ctx(s, s.current)[ContextReg.X0] == n_ut
    assert ctx(s, s.current)[ContextReg.X1] == s.machine.root_image_pages
    assert ctx(s, s.current)[ContextReg.PC] == ROOT_IMAGE_VADDR
    assert ctx(s, s.current)[ContextReg.SP] == ROOT_IMAGE_VADDR + (s.machine.root_image_pages << PAGE_BITS)
    assert s.queues == {} and s.halted is None
    assert s.irqs[Platform.TIMER_IRQ].state == IrqState.KERNEL and len(s.irqs) == 1
    vs = s.objects[cap(s, RootSlot.VSPACE).obj]
    assert isinstance(vs, VSpace) and vs.tcb_refs == 1


def test_boot_rejects_impossible_maps() -> None:
    with pytest.raises(ValueError):
        boot(qemu_virt(root_image_pages=0))
    with pytest.raises(ValueError):
        boot(qemu_virt(ram_size=1 << 19))
    with pytest.raises(ValueError):
        boot(qemu_virt(ram_size=(1 << 19) + (1 << 20) + (1 << 12)))


def test_untyped_blocks_are_maximal_and_aligned() -> None:
    assert untyped_blocks(0x1000, 0x4000) == [(0x1000, 12), (0x2000, 13)]
    assert untyped_blocks(0x8, 0x30) == [(0x10, 4), (0x20, 4)]
    assert untyped_blocks(0x10, 0x18) == []
