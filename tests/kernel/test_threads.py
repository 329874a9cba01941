"""EL0 threads in QEMU: the root task, the scheduler against the spec, user faults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlk.abi import layout
from mlk.abi.labels import FaultLabel
from mlk.abi.objects import OBJECT_SIZE_BITS, PAGE_BITS, ObjectType
from mlk.abi.platform import KernelWindow, Platform
from mlk.kernel_aarch64.config import Scenario
from mlk.model import boot as spec_boot
from mlk.model import kernel as spec_kernel
from mlk.model import sched as spec_sched
from mlk.model.state import INACTIVE, ObjId, State, Tcb
from mlk.model.tx import Tx
from tests.kernel.conftest import boot_scenario

pytestmark = pytest.mark.qemu

_FAULT = re.compile(
    r"\[mlk\] fault: thread 0x(?P<thread>[0-9a-f]+) kind 0x(?P<kind>[0-9a-f]+) mr0 0x(?P<mr0>[0-9a-f]+) "
    r"mr1 0x(?P<mr1>[0-9a-f]+) pc 0x(?P<pc>[0-9a-f]+): thread stopped\n"
)
_BOOT_COUNT = re.compile(r"\[mlk\] boot: (\d+) instructions from reset to the root task's first instruction")


def test_root_task_prints_through_the_debug_call(tmp_path: Path) -> None:
    booted = boot_scenario(tmp_path, SCENARIO=Scenario.HELLO)
    assert booted.run.status == 0
    assert "Hello from the root task at EL0\n" in booted.console
    count = _BOOT_COUNT.search(booted.console)
    assert count is not None and int(count.group(1)) > 1000


def test_user_faults_stop_only_the_faulting_thread(tmp_path: Path) -> None:
    booted = boot_scenario(tmp_path, SCENARIO=Scenario.FAULTS)
    assert booted.run.status == 0, booted.console
    body = booted.console.split("root task's first instruction\n", 1)[1]
    faults = list(_FAULT.finditer(body))
    # Each thread prints its letter, then faults; the worker W prints between and after them.
    assert _FAULT.sub("*", body) == "Wr*u*j*p*y*WWW\n"
    kinds = [int(f["kind"], 16) for f in faults]
    assert kinds == [
        FaultLabel.DATA_ABORT,
        FaultLabel.UNDEFINED_INSTRUCTION,
        FaultLabel.INSTRUCTION_ABORT,
        FaultLabel.PC_ALIGNMENT,
        FaultLabel.UNKNOWN_SYSCALL,
    ]
    read_kernel, _, jump, _, syscall = faults
    assert int(read_kernel["mr1"], 16) == KernelWindow.BASE + Platform.KERNEL_BASE
    assert int(jump["mr1"], 16) == int(jump["pc"], 16) == 0x1000_0000
    assert int(syscall["mr0"], 16) == 99
    assert len({f["thread"] for f in faults}) == len(faults)


def _tick(state: State, wake: ObjId | None) -> State:
    """One tick of the SCHED scenario in the spec: the kernel's scenario hook wakes ``wake``
    (if given), then the spec's tick and scheduling decision."""
    tx = Tx(state)
    if wake is not None:
        spec_sched.wake(tx, wake)
    spec_kernel.tick(tx)
    spec_sched.schedule(tx)
    return tx.finish()[0]


def _stop(state: State, tid: ObjId) -> State:
    """The current thread ``tid`` faulted without a fault endpoint: INACTIVE, then schedule."""
    tx = Tx(state)
    tx.put_tcb(tid, tx.tcb(tid)._replace(state=INACTIVE))
    spec_sched.schedule(tx)
    return tx.finish()[0]


def test_time_slices_and_preemption_follow_the_spec_scheduler(tmp_path: Path) -> None:
    wake_tick = 17
    booted = boot_scenario(tmp_path, SCENARIO=Scenario.SCHED, SCHED_WAKE_TICK=wake_tick)
    assert booted.run.status == 0, booted.console
    symbols = booted.built.symbols
    start, end = symbols["root_image_start"], symbols["root_image_end"]
    machine = spec_boot.qemu_virt(kernel_size=start - Platform.KERNEL_BASE, root_image_pages=(end - start) >> PAGE_BITS)
    state = spec_boot.boot(machine)
    root = state.current
    root_tcb = state.objects[root]
    assert isinstance(root_tcb, Tcb)
    tcb_bytes = 1 << OBJECT_SIZE_BITS[ObjectType.TCB]
    a, b, h = (root + i * tcb_bytes for i in (1, 2, 3))
    low, high = 10, 20
    objects = dict(state.objects)
    for tid, prio in ((a, low), (b, low), (h, high)):
        objects[tid] = root_tcb._replace(priority=prio, state=INACTIVE if tid == h else root_tcb.state)
    state = state._replace(objects=objects, queues={low: (a, b)})
    letters = {a: "A", b: "B", h: "H"}
    assert layout.BootObject.TCBS + 3 * tcb_bytes <= layout.BootObject.END

    body = booted.console.split("root task's first instruction\n", 1)[1]
    ticks = 0
    checked = 0
    for token in re.finditer(r"\[mlk\] fault: thread 0x([0-9a-f]+)[^\n]*\n|\||[ABH]", body):
        if token.group(1) is not None:
            assert int(token.group(1), 16) == state.current
            state = _stop(state, state.current)
        elif token.group(0) == "|":
            ticks += 1
            state = _tick(state, h if ticks == wake_tick else None)
        else:
            assert letters.get(state.current) == token.group(0), f"after tick {ticks}: {body[: token.end()]}"
            checked += 1
    assert ticks > wake_tick + 2 * 5 and checked > 100
    assert "H" in body and body.index("H") > body.index("B")
