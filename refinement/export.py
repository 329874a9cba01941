"""Converting a trace stream for people and tools: JSON lines, and Perfetto timelines.

``jsonl`` writes one JSON object per record (``seq``, ``time``, ``type`` and the record's fields).
``perfetto`` writes the Chrome trace-event JSON format that https://ui.perfetto.dev opens as a
timeline: one track per thread with a slice for each stretch it ran; each kernel entry as a short
slice on the entering thread's track (system calls named by their number, faults by their kind);
every message as a flow arrow from the sender's slice to a "receive" slice on the receiver's track
(:mod:`mlk.refinement.ipcflow`: Send/Recv, Call/Reply, notifications, fault messages, also those
picked up long after they were sent; an interrupt's from the "interrupts" track); interrupts also
as global instants, faults as instants on the faulting thread. Times are microseconds of the
virtual counter.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from mlk.abi.labels import FaultLabel
from mlk.abi.platform import TIMER_FREQ_HZ
from mlk.abi.syscalls import Reg, Syscall
from mlk.abi.trace import RecordType
from mlk.refinement import ipcflow
from mlk.refinement.ipcflow import Message
from mlk.refinement.tracefile import Record

#: Kernel entries are drawn as slices of this many microseconds, so flow arrows can attach to them.
ENTRY_SLICE_US = 0.05
#: The track of device interrupts (no thread's address is -1), where an interrupt's arrow starts.
IRQ_TRACK = -1
_PID = 1
_ENTRIES = (RecordType.SYSCALL, RecordType.TICK, RecordType.IRQ, RecordType.FAULT)


def to_jsonl(records: Iterable[Record]) -> str:
    """One JSON object per record, one per line."""
    lines = [
        json.dumps({"seq": r.seq, "time": r.time, "type": r.kind.name, **r.fields()}, separators=(",", ":"))
        for r in records
    ]
    return "\n".join(lines) + ("\n" if lines else "")


def _us(time: int) -> float:
    return time * 1_000_000 / TIMER_FREQ_HZ


def _syscall_name(number: int) -> str:
    try:
        return Syscall(number).name
    except ValueError:
        return f"syscall {number}"


def _fault_name(kind: int) -> str:
    try:
        return f"fault {FaultLabel(kind).name}"
    except ValueError:
        return f"fault kind {kind}"


class _Timeline:
    """Accumulates trace events; threads get small track ids in order of first appearance."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = [
            {"ph": "M", "name": "process_name", "pid": _PID, "args": {"name": "MyLittleKernel"}}
        ]
        self.tids: dict[int, int] = {}
        self.flows = 0

    def tid(self, thread: int) -> int:
        if thread not in self.tids:
            self.tids[thread] = len(self.tids) + 1
            name = "interrupts" if thread == IRQ_TRACK else f"thread {thread:#x}"
            self.events.append(
                {"ph": "M", "name": "thread_name", "pid": _PID, "tid": self.tids[thread], "args": {"name": name}}
            )
        return self.tids[thread]

    def slice(self, thread: int, name: str, ts: float, dur: float, args: dict[str, Any] | None = None) -> None:
        event: dict[str, Any] = {"ph": "X", "name": name, "pid": _PID, "tid": self.tid(thread), "ts": ts, "dur": dur}
        if args:
            event["args"] = args
        self.events.append(event)

    def flow(self, name: str, src: int, src_ts: float, dst: int, dst_ts: float) -> None:
        self.flows += 1
        common = {"name": name, "cat": "ipc", "pid": _PID, "id": self.flows}
        self.events.append({**common, "ph": "s", "tid": self.tid(src), "ts": src_ts})
        self.events.append({**common, "ph": "f", "bp": "e", "tid": self.tid(dst), "ts": dst_ts})


def to_perfetto(records: Sequence[Record], messages: Sequence[Message] | None = None) -> dict[str, Any]:
    """The Chrome trace-event JSON object for a record sequence; ``messages`` are drawn as flow
    arrows (default: those the records alone show, :func:`mlk.refinement.ipcflow.from_records`)."""
    tl = _Timeline()
    running: tuple[int, float] | None = None
    for r in records:
        ts = _us(r.time)
        if r.kind in _ENTRIES:
            if running is not None:
                thread, since = running
                tl.slice(thread, "running", since, max(ts - since, 0.0))
                running = None
            if r.kind is RecordType.IRQ:
                tl.events.append({"ph": "i", "s": "g", "name": f"IRQ {r.get('irq')}", "pid": _PID, "ts": ts})
                tl.slice(IRQ_TRACK, f"IRQ {r.get('irq')}", ts, ENTRY_SLICE_US)
                continue
            thread = r.get("thread")
            if r.kind is RecordType.SYSCALL:
                name = _syscall_name(r.get(f"r{int(Reg.SYSNO)}"))
                tl.slice(thread, name, ts, ENTRY_SLICE_US, {k: hex(v) for k, v in r.fields().items()})
            elif r.kind is RecordType.FAULT:
                tl.slice(thread, _fault_name(r.get("kind")), ts, ENTRY_SLICE_US)
                tl.events.append({"ph": "i", "s": "t", "name": _fault_name(r.get("kind")), "pid": _PID,
                                  "tid": tl.tid(thread), "ts": ts, "args": {"esr": hex(r.get("esr")),
                                                                            "far": hex(r.get("far"))}})  # fmt: skip
            else:
                tl.slice(thread, "tick", ts, ENTRY_SLICE_US)
        elif r.kind is RecordType.SCHED:
            running = (r.get("running"), ts)
    if running is not None:
        tl.slice(running[0], "running", running[1], 0.0)
    for m in messages if messages is not None else ipcflow.from_records(records):
        src = m.sender if m.sender is not None else IRQ_TRACK
        dst_ts = _us(m.received.time) + ENTRY_SLICE_US / 2
        tl.slice(m.receiver, "receive", dst_ts, ENTRY_SLICE_US / 2)
        tl.flow(m.kind, src, _us(m.sent.time), m.receiver, dst_ts)
    return {"traceEvents": tl.events, "displayTimeUnit": "ns"}
