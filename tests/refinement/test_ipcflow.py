"""Messages in a trace, for Perfetto's flow arrows: derived from the spec's replay of a hand-built
trace (the records a correct kernel writes for a run with every kind of message), and drawn."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlk.abi import msginfo
from mlk.abi.labels import Label
from mlk.abi.objects import ObjectType, RootSlot
from mlk.abi.syscalls import Syscall
from mlk.cli import main
from mlk.model import gen
from mlk.model.boot import boot
from mlk.model.events import Event, IrqEvent, syscall_event
from mlk.model.kernel import step
from mlk.model.state import ObjId, State, Tcb
from mlk.refinement import capture, container, ipcflow, scenarios
from mlk.refinement.spec_trace import spec_trace
from mlk.refinement.tracefile import Record, decode

EP, NTFN, TCB_B, IRQ_SLOT = (RootSlot.FREE_FIRST + i for i in range(4))
LINE = 40


class Run:
    """A spec run written event by event, as a kernel would trace it."""

    def __init__(self) -> None:
        self.start = self.state = boot(gen.test_machine())
        self.root = self.state.current
        self.events: list[Event] = []

    def do(self, sysno: int, cptr: int = 0, label: int = 0, *mrs: int) -> State:
        return self.event(syscall_event(sysno, cptr=cptr, msginfo=msginfo.pack(label, len(mrs)), mrs=mrs))

    def event(self, event: Event) -> State:
        self.events.append(event)
        self.state = step(self.state, event)[0]
        return self.state

    def call(self, cptr: int, label: int, *mrs: int) -> None:
        self.do(Syscall.CALL, cptr, label, *mrs)


@pytest.fixture(scope="module")
def run() -> tuple[Run, ObjId]:
    """Root and B at one priority: Send to a waiting receiver, a Send picked up by a later Recv,
    Call and Reply, a Signal taken by a later Wait, a Signal to a waiter, an interrupt's signal."""
    r = Run()
    cn = RootSlot.CNODE
    for otype, slot in ((ObjectType.ENDPOINT, EP), (ObjectType.NOTIFICATION, NTFN), (ObjectType.TCB, TCB_B)):
        r.call(RootSlot.UNTYPED_FIRST, Label.UNTYPED_RETYPE, otype, 0, cn, slot, 1)
    r.call(TCB_B, Label.TCB_CONFIGURE, 0, cn, RootSlot.VSPACE)
    r.call(TCB_B, Label.TCB_SET_PRIORITY, 255)
    r.call(TCB_B, Label.TCB_RESUME)
    r.call(RootSlot.IRQ_CONTROL, Label.IRQ_CONTROL_ISSUE, LINE, cn, IRQ_SLOT)
    r.call(IRQ_SLOT, Label.IRQ_HANDLER_SET_NOTIFICATION, NTFN)
    root = r.state.objects[r.root]
    assert isinstance(root, Tcb) and root.cspace is not None
    b = r.state.slots[(root.cspace, TCB_B)].cap.obj
    r.do(Syscall.RECV, EP)  # root waits; B runs
    assert r.state.current == b
    r.do(Syscall.SEND, EP, 1, 11)  # 1: delivered at once to the waiting root
    r.do(Syscall.SEND, EP, 2, 22)  # 2: nobody waits: B blocks; root runs
    assert r.state.current == r.root
    r.do(Syscall.RECV, EP)  # picks up message 2; B runnable
    r.do(Syscall.RECV, EP)  # root waits again; B runs
    r.do(Syscall.CALL, EP, 3, 33)  # 3: delivered at once; B awaits the reply; root runs
    r.do(Syscall.REPLY, 0, 0, 44)  # 4: the reply, to B
    r.do(Syscall.SEND, NTFN)  # 5: a signal nobody waits for
    r.do(Syscall.YIELD)  # B runs
    assert r.state.current == b
    r.do(Syscall.RECV, NTFN)  # takes signal 5
    r.do(Syscall.RECV, NTFN)  # waits; root runs
    r.do(Syscall.SEND, NTFN)  # 6: delivered at once to the waiting B
    r.do(Syscall.RECV, NTFN)  # root waits too, behind nobody: B runs
    r.do(Syscall.RECV, NTFN)  # B waits as well
    r.event(IrqEvent(LINE))  # 7: the interrupt signals; the first waiter (root) gets it
    return r, b


def _records(r: Run) -> list[Record]:
    trace = decode(spec_trace(r.start, r.events, build_id=1))
    return list(trace.records)


def test_every_kind_of_message_is_found_by_the_spec_replay(run: tuple[Run, ObjId]) -> None:
    r, b = run
    records = _records(r)
    found, stopped = ipcflow.messages(records, r.start)
    assert stopped is None
    got = [(m.kind, "irq" if m.sender is None else "root" if m.sender == r.root else "B",
            "root" if m.receiver == r.root else "B", m.sent.seq < m.received.seq) for m in found]  # fmt: skip
    assert got == [
        ("endpoint_send", "B", "root", False),
        ("endpoint_send", "B", "root", True),  # sent by the blocking Send, received by the later Recv
        ("endpoint_send", "B", "root", False),  # the Call
        ("reply", "root", "B", False),
        ("notification_signal", "root", "B", True),  # the signal taken by a later Wait
        ("notification_signal", "root", "B", False),
        ("device_irq", "irq", "root", False),
    ]
    by_records = ipcflow.from_records(records)  # the records alone: only deliveries to a waiting thread
    assert len(by_records) == 4 and {m.sender for m in by_records} == {r.root, b}


def test_perfetto_draws_them_as_flow_arrows(run: tuple[Run, ObjId], tmp_path: Path) -> None:
    r, b = run
    path = tmp_path / "ipc.trace"
    path.write_bytes(spec_trace(r.start, r.events, build_id=1))
    assert main(["trace", str(path), "--format", "perfetto", "-o", str(tmp_path / "t.json")]) == 0
    events = json.loads((tmp_path / "t.json").read_text())["traceEvents"]
    tracks = {e["tid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    starts = {e["id"]: e for e in events if e["ph"] == "s"}
    ends = {e["id"]: e for e in events if e["ph"] == "f"}
    assert starts.keys() == ends.keys() and len(starts) == 7
    arrows = [(starts[i]["name"], tracks[starts[i]["tid"]], tracks[ends[i]["tid"]]) for i in sorted(starts)]
    root, other = f"thread {r.root:#x}", f"thread {b:#x}"
    assert arrows[1] == ("endpoint_send", other, root) and arrows[3] == ("reply", root, other)
    assert arrows[-1] == ("device_irq", "interrupts", root)
    for i, start in starts.items():  # each arrow goes forward in time, from a slice to a receive slice
        assert start["ts"] <= ends[i]["ts"]
        assert any(e["ph"] == "X" and e["name"] == "receive" and e["tid"] == ends[i]["tid"]
                   and e["ts"] == ends[i]["ts"] for e in events)  # fmt: skip
    assert any(e["ph"] == "i" and e["name"] == f"IRQ {LINE}" for e in events)


def test_a_trace_the_spec_cannot_follow_falls_back_to_the_records(run: tuple[Run, ObjId]) -> None:
    r, _ = run
    records = _records(r)
    elsewhere = boot(gen.test_machine())._replace(current=r.start.machine.idle_tcb)  # not the kernel's start
    found, stopped = ipcflow.messages(records, elsewhere)
    assert stopped == records[0].seq and len(found) == len(ipcflow.from_records(records))


@pytest.mark.qemu
def test_the_kernels_ipc_scenario_is_replayed_whole(tmp_path: Path) -> None:
    """On the IPC scenario's trace file (boot threads included) the spec's replay follows the
    whole run and finds the messages picked up late, which the records alone miss."""
    assert scenarios.refine("ipc", tmp_path).passed
    stream, found = container.load(tmp_path / "run" / capture.CONTAINER_FILE)
    assert found is not None
    trace = decode(stream)
    threads = [scenarios.boot_thread_from_json(t) for t in found.header["boot_threads"]]
    messages, stopped = ipcflow.messages(list(trace.records), scenarios.initial_state_with(trace, threads))
    assert stopped is None
    late = [m for m in messages if m.sent.seq < m.received.seq]
    assert late and len(messages) > len(ipcflow.from_records(list(trace.records)))
    assert {"endpoint_send", "reply"} <= {m.kind for m in messages}
