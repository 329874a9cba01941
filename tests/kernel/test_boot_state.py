"""The kernel's memory layout agrees with the ABI and with the spec's boot state (no QEMU)."""

from __future__ import annotations

from pathlib import Path

from mlk.abi import layout
from mlk.abi.objects import PAGE_BITS, ROOT_IMAGE_MAX_PAGES
from mlk.abi.platform import Platform
from mlk.model import boot as spec_boot
from tests.kernel.conftest import build_scenario


def test_kernel_data_sits_at_the_abi_addresses(tmp_path: Path) -> None:
    symbols = build_scenario(tmp_path).symbols
    assert symbols["_start"] == Platform.KERNEL_BASE
    assert symbols["kstate"] == Platform.KERNEL_BASE + layout.KERNEL_DATA_OFFSET
    assert symbols["idle_tcb"] == symbols["kstate"] + layout.IDLE_TCB_OFFSET


def test_root_objects_are_where_the_spec_boot_puts_them(tmp_path: Path) -> None:
    symbols = build_scenario(tmp_path).symbols
    start, end = symbols["root_image_start"], symbols["root_image_end"]
    pages = (end - start) >> PAGE_BITS
    assert start % (1 << PAGE_BITS) == 0 and end % (1 << PAGE_BITS) == 0
    assert 0 < pages <= ROOT_IMAGE_MAX_PAGES
    machine = spec_boot.qemu_virt(kernel_size=start - Platform.KERNEL_BASE, root_image_pages=pages)
    state = spec_boot.boot(machine)
    base = -(-end // layout.BOOT_OBJECTS_ALIGN) * layout.BOOT_OBJECTS_ALIGN
    assert state.current == base + layout.BootObject.TCBS
    root = state.objects[state.current]
    assert root.cspace == base + layout.BootObject.CNODE  # type: ignore[union-attr]
    assert root.vspace == base + layout.BootObject.VSPACE  # type: ignore[union-attr]
