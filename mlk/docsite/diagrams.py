"""State diagrams of the object kinds, drawn from runs of the spec.

Which kinds have states is read from the spec's types: every record type stored in one of
:class:`mlk.model.state.State`'s mappings (``objects``, ``irqs``, ...) that has a field typed with
an ABI enumeration named ``...State`` (directly, or as the ``kind`` of a nested record, as a
thread's ``state.kind``). Its diagram has a node per member of that enumeration.

The edges are *observed*: the spec's own random event generator (:class:`mlk.model.gen.EventGen`)
drives :func:`mlk.model.kernel.step` from boot for a fixed set of seeds, and every change of an
object's state (or its creation, or its removal from the mapping) becomes an edge labelled with
the event that caused it. Edges no run exercised are missing, so each diagram says how many runs
and steps it comes from and marks the states no run reached. A record type listed in ``ABSENT_STATE`` of the state
module (an interrupt line: absent from ``State.irqs`` means INACTIVE) draws absence as that
state instead of the start and end dot.
"""

from __future__ import annotations

import random
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from types import ModuleType, UnionType

from mlk.abi import msginfo
from mlk.abi.labels import Label
from mlk.abi.objects import CapType
from mlk.abi.syscalls import Reg, Syscall
from mlk.model import cspace
from mlk.model.boot import boot
from mlk.model.events import SyscallEvent
from mlk.model.gen import EventGen, test_machine
from mlk.model.kernel import step
from mlk.model.tx import Tx

#: The pseudo-state of an object that is not in the mapping (not created yet, or removed).
ABSENT = "(absent)"


@dataclass
class Diagram:
    """The observed state machine of one kind of record."""

    kind: str
    component: str
    enum: type[IntEnum]
    #: The node an object absent from the mapping is drawn as.
    absent: str = ABSENT
    edges: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    reached: set[str] = field(default_factory=set)

    def dot(self) -> str:
        """The diagram in Graphviz's dot language."""
        lines = [
            f'digraph "{self.kind}" {{',
            "  rankdir=LR; bgcolor=transparent;",
            '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="sans-serif", fontsize=11];',
            '  edge [fontname="sans-serif", fontsize=9, color="#44546a"];',
        ]
        if self.absent == ABSENT:
            lines.append(f'  "{ABSENT}" [shape=circle, label="", width=0.2, style=filled, fillcolor=black];')
        for member in self.enum:
            style = "" if member.name in self.reached else ', style="rounded,dashed", fontcolor=gray40'
            lines.append(f'  "{member.name}" [label="{member.name}"{style}];')
        for (src, dst), events in sorted(self.edges.items()):
            label = "\\n".join(sorted(events))
            lines.append(f'  "{src}" -> "{dst}" [label="{label}"];')
        lines.append("}")
        return "\n".join(lines)


Getter = Callable[[object], int]


def _state_getter(cls: type) -> tuple[type[IntEnum], Getter] | None:
    """The state enumeration of record type ``cls`` and how to read it, if it has one."""
    hints = typing.get_type_hints(cls)
    for name, hint in hints.items():
        if isinstance(hint, type) and issubclass(hint, IntEnum) and hint.__name__.endswith("State"):
            return hint, lambda obj, n=name: getattr(obj, n)
        if isinstance(hint, type) and hasattr(hint, "_fields"):
            inner = _state_getter(hint)
            if inner is not None:
                enum, get = inner
                return enum, lambda obj, n=name, g=get: g(getattr(obj, n))
    return None


def stateful_kinds(state_module: ModuleType) -> list[tuple[str, type, type[IntEnum], Getter]]:
    """``(component, record type, enumeration, getter)`` for every kind with states."""
    found = []
    for component, hint in typing.get_type_hints(state_module.State).items():
        if typing.get_origin(hint) is not Mapping:
            continue
        value = typing.get_args(hint)[1]
        members = typing.get_args(value) if isinstance(value, UnionType) else (value,)
        for cls in members:
            getter = _state_getter(cls) if isinstance(cls, type) else None
            if getter is not None:
                found.append((component, cls, *getter))
    return found


def event_name(state: object, event: object) -> str:
    """A short name for ``event`` in ``state``: the system call, the invocation label for a Call
    or Send on a capability that is not an endpoint or notification, or the event kind."""
    if not isinstance(event, SyscallEvent):
        return type(event).__name__.removesuffix("Event").lower()
    sysno = event.ctx[Reg.SYSNO]
    if sysno not in Syscall._value2member_map_:
        return "unknown syscall"
    name = Syscall(sysno).name
    label = msginfo.LABEL.get(event.ctx[Reg.MSGINFO])
    if sysno in (Syscall.CALL, Syscall.SEND, Syscall.NB_SEND) and label in Label._value2member_map_:
        tx = Tx(state)  # type: ignore[arg-type]
        ref = cspace.resolve(tx, tx.current, event.ctx[Reg.CPTR])
        if ref is not None and tx.slots[ref].cap.type not in (CapType.ENDPOINT, CapType.NOTIFICATION):
            return Label(label).name
    return name


def _absent(member: object, enum: type[IntEnum]) -> str:
    """The node an absent object is drawn as: ``member`` of its ``enum``, or the dot."""
    return member.name if isinstance(member, enum) else ABSENT


def explore(state_module: ModuleType, steps: int) -> tuple[list[Diagram], int]:
    """The diagrams observed over ``steps`` random events, and the number of runs they took: a
    run (seeds 0, 1, ...) starts from boot and ends when the machine halts or nothing can run but
    the idle thread."""
    kinds = stateful_kinds(state_module)
    absent_states = getattr(state_module, "ABSENT_STATE", {})
    diagrams = [
        Diagram(cls.__name__, component, enum, _absent(absent_states.get(cls), enum))
        for component, cls, enum, _ in kinds
    ]

    def snapshot(s: object) -> list[dict[object, str]]:
        return [
            {k: enum(get(v)).name for k, v in getattr(s, component).items() if isinstance(v, cls)}
            for component, cls, enum, get in kinds
        ]

    runs = 0
    state = None
    for _ in range(steps):
        if state is None or state.halted is not None or (state.current == state.machine.idle_tcb and not state.queues):
            gen = EventGen(random.Random(runs))
            runs += 1
            state = boot(test_machine())
            before = snapshot(state)
            for d, snap in zip(diagrams, before, strict=True):
                d.reached.update(snap.values())
                if d.absent != ABSENT:
                    d.reached.add(d.absent)
        event = gen.event(state)
        name = event_name(state, event)
        state = step(state, event)[0]
        after = snapshot(state)
        for d, old, new in zip(diagrams, before, after, strict=True):
            d.reached.update(new.values())
            for key in old.keys() | new.keys():
                src, dst = old.get(key, d.absent), new.get(key, d.absent)
                if src != dst:
                    d.edges.setdefault((src, dst), set()).add(name)
        before = after
    return diagrams, runs
