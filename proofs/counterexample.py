"""Rendering a counterexample as a small abstract state, before and after the transition.

A counterexample is two spec states (:class:`mlk.model.state.State`), found on concrete states or
read back from a Z3 model, and the points where the broken conjunct fails (its witnesses). What is
shown is the part that matters: the event, the running and the idle thread, the non-empty ready
queues, the objects and slots the witnesses name (with what they point at), and every object and
slot the transition changed. Object ids are printed in hex, enumerations by their spec names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mlk.abi.syscalls import Reg
from mlk.model.events import Event, FaultEvent, IrqEvent, SyscallEvent, TickEvent
from mlk.model.state import (
    CNode,
    Endpoint,
    KObject,
    Notification,
    PageTable,
    Slot,
    SlotRef,
    State,
    Tcb,
    VSpace,
)
from mlk.proofs.terms import Val, is_sym

#: At most this many changed objects and slots are listed.
SHOWN_CHANGES = 8


def _id(value: int | None) -> str:
    if value is None:
        return "-"
    return hex(value) if value >= 0 else str(value)


def _ref(r: SlotRef | None) -> str:
    return "-" if r is None else f"({_id(r[0])}, {r[1]})"


def describe_object(oid: int, o: KObject) -> str:
    """One line about object ``o`` at ``oid``."""
    if isinstance(o, Tcb):
        st = o.state
        extra = f" on {_id(st.obj)}" if st.obj is not None else ""
        fault = f" fault {o.fault.kind}" if o.fault is not None else ""
        return (
            f"{_id(oid)} TCB {st.kind.name}{extra} prio {o.priority} slice {o.time_slice} "
            f"cspace {_id(o.cspace)} vspace {_id(o.vspace)} bound {_id(o.bound)} reply {_id(o.reply)}{fault} "
            f"x0..x2 {[_id(v) for v in o.ctx[:3]]}"
        )
    if isinstance(o, Endpoint):
        return f"{_id(oid)} Endpoint {o.state.name} queue {[_id(t) for t in o.queue]}"
    if isinstance(o, Notification):
        return (
            f"{_id(oid)} Notification {o.state.name} queue {[_id(t) for t in o.queue]} word {_id(o.word)} "
            f"bound {_id(o.bound)} irq_refs {o.irq_refs}"
        )
    if isinstance(o, CNode):
        return f"{_id(oid)} CNode radix {o.radix} used {o.used} tcb_refs {o.tcb_refs}"
    if isinstance(o, PageTable | VSpace):
        entries = ", ".join(f"{i}: {_id(e.obj)}" for i, e in sorted(o.entries.items())[:6])
        more = " ..." if len(o.entries) > 6 else ""
        refs = f" tcb_refs {o.tcb_refs}" if isinstance(o, VSpace) else ""
        return f"{_id(oid)} {type(o).__name__} entries {{{entries}{more}}}{refs}"
    return f"{_id(oid)} {type(o).__name__} {o}"


def describe_slot(ref: SlotRef, sl: Slot) -> str:
    """One line about the capability slot ``ref``."""
    c = sl.cap
    mapped = f" mapped {_id(c.mapped[0])}@{_id(c.mapped[1])}" if c.mapped else ""
    untyped = f" size_bits {c.size_bits} watermark {_id(c.watermark)}" if c.size_bits else ""
    name = getattr(c.type, "name", str(c.type))
    return (
        f"slot {_ref(ref)}: {name} {_id(c.obj)} rights {c.rights} badge {c.badge}{mapped}{untyped} "
        f"parent {_ref(sl.parent)} children {[_ref(x) for x in sl.children[:4]]}"
    )


def describe_event(e: Event) -> str:
    """One line about event ``e``."""
    if isinstance(e, SyscallEvent):
        return (
            f"system call x8={e.ctx[Reg.SYSNO]} x0={_id(e.ctx[Reg.CPTR])} x1={_id(e.ctx[Reg.MSGINFO])} "
            f"mrs={[_id(v) for v in e.ctx[Reg.MR0 : Reg.SYSNO]]} x9={e.ctx[Reg.XFER_CAP]} x10={e.ctx[Reg.RECV_SLOT]}"
        )
    if isinstance(e, TickEvent):
        return "timer tick"
    if isinstance(e, IrqEvent):
        return f"interrupt on line {e.irq}"
    assert isinstance(e, FaultEvent)
    return f"user fault kind {e.kind} esr {_id(e.esr)} far {_id(e.far)}"


def _focus(s: State, points: Iterable[Val]) -> tuple[set[int], set[SlotRef]]:
    objects: set[int] = set()
    slots: set[SlotRef] = set()
    for p in points:
        if isinstance(p, tuple):
            slots.add(p)
            sl = s.slots.get(p)
            if sl is not None:
                if sl.parent is not None:
                    slots.add(sl.parent)
                if sl.cap.obj in s.objects:
                    objects.add(sl.cap.obj)
        elif isinstance(p, int) and p in s.objects:
            objects.add(p)
            o = s.objects[p]
            if isinstance(o, Tcb):
                objects |= {x for x in (o.state.obj, o.reply, o.bound) if x is not None and x in s.objects}
    return objects, slots


def _state_lines(title: str, s: State, objects: set[int], slots: set[SlotRef]) -> list[str]:
    lines = [f"{title}: current {_id(s.current)}, idle {_id(s.machine.idle_tcb)}" + (", HALTED" if s.halted else "")]
    queues = ", ".join(f"{p}: [{', '.join(map(_id, q))}]" for p, q in sorted(s.queues.items()))
    lines.append(f"  ready queues {{{queues}}}")
    for oid in sorted(objects):
        o = s.objects.get(oid)
        lines.append("  " + (describe_object(oid, o) if o is not None else f"{_id(oid)} (no object)"))
    for ref in sorted(slots):
        sl = s.slots.get(ref)
        lines.append("  " + (describe_slot(ref, sl) if sl is not None else f"slot {_ref(ref)} (empty)"))
    irqs = ", ".join(f"{line}: {v.state.name} ntfn {_id(v.ntfn)}" for line, v in sorted(s.irqs.items()))
    lines.append(f"  interrupt lines {{{irqs}}}")
    return lines


def render_states(
    before: State, after: State, event: Event | None, witnesses: Sequence[Val], spec_after: State | None = None
) -> str:
    """The counterexample: ``before`` and ``after`` (the encoding's next state) at the witnesses
    and at what changed; ``spec_after`` is the spec's own next state when it differs (a seeded
    bug: the encoding is wrong, not the spec)."""
    changed_objs = {
        o for o in set(before.objects) | set(after.objects) if before.objects.get(o) != after.objects.get(o)
    }
    changed_slots = {r for r in set(before.slots) | set(after.slots) if before.slots.get(r) != after.slots.get(r)}
    objects, slots = _focus(before, witnesses)
    more_objs, more_slots = _focus(after, witnesses)
    objects |= more_objs | {before.current, after.current} | set(sorted(changed_objs)[:SHOWN_CHANGES])
    slots |= more_slots | set(sorted(changed_slots)[:SHOWN_CHANGES])
    text = []
    if event is not None:
        text.append("event: " + describe_event(event))
    if witnesses:
        text.append("witnesses: " + ", ".join(_ref(w) if isinstance(w, tuple) else _id(w) for w in witnesses))
    text += _state_lines("before", before, objects, slots)
    text += _state_lines("after", after, objects, slots)
    if spec_after is not None and spec_after._replace(halted=None) != after._replace(halted=None):
        diff = [
            describe_object(o, spec_after.objects[o])
            for o in sorted(objects)
            if o in spec_after.objects and spec_after.objects[o] != after.objects.get(o)
        ]
        diff += [
            describe_slot(r, spec_after.slots[r])
            for r in sorted(slots)
            if r in spec_after.slots and spec_after.slots[r] != after.slots.get(r)
        ]
        text.append("the spec's own next state differs: " + ("; ".join(diff) if diff else "elsewhere"))
    return "\n".join(text)


def render_model(model: object, query: object, goal: object) -> str:
    """A counterexample found by the solver (a model of the hypotheses and the negated goal),
    read back at the goal's witnesses and the objects and slots around them."""
    import z3  # noqa: PLC0415

    from mlk.model.boot import qemu_virt  # noqa: PLC0415
    from mlk.proofs.concrete import model_reader, read_back  # noqa: PLC0415
    from mlk.proofs.terms import RefSort  # noqa: PLC0415

    before, after = getattr(query, "before", None), getattr(query, "after", None)
    witnesses = list(getattr(goal, "witnesses", ()))
    if before is None or after is None:
        return "(no states to show)"
    reader = model_reader(model)
    points: list[Val] = []
    for w in witnesses:
        points.append(reader.as_ref(w) if is_sym(w) and w.sort() == RefSort else reader.as_int(w))
    objects = {reader.as_int(before.current), reader.as_int(after.current), reader.as_int(before.idle)}
    slots: set[SlotRef] = set()
    for p in points:
        if isinstance(p, tuple):
            slots.add(p)
            slots.add(reader.as_ref(z3.Select(before.parent, RefSort.ref(p[0], p[1]))))
            objects.add(reader.as_int(z3.Select(before.cobj, RefSort.ref(p[0], p[1]))))
        else:
            objects.add(p)
    slots.discard((-1, 0))
    machine = qemu_virt()
    prios = {p for p in points if isinstance(p, int) and 0 <= p < 256}
    lines = {p for p in points if isinstance(p, int) and 0 <= p < 1024}
    b = read_back(before, machine, objects, slots, prios, lines, reader, max_len=8)
    a = read_back(after, machine, objects, slots, prios, lines, reader, max_len=8)
    return render_states(b, a, None, points)
