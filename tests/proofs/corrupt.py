"""Random corruptions of spec states: one field of one object, slot, queue or line changed to a
value drawn from the state's own values (object ids, slots, small numbers, edge cases), so that the
result is still a :class:`~mlk.model.state.State` but breaks some invariants in some way."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from mlk.abi.objects import CapType, EndpointState, IrqState, NotificationState, ThreadState
from mlk.model.state import (
    CNode,
    Endpoint,
    FaultInfo,
    Frame,
    Irq,
    Notification,
    PageTable,
    Pte,
    Slot,
    State,
    Tcb,
    TState,
    VSpace,
)


def _pick(rng: random.Random, s: State) -> int | None:
    pool: list[int | None] = [None, 0, 1, 2, 3, 5, 1 << 64, *s.objects, s.machine.idle_tcb]
    return rng.choice(pool)


def _num(rng: random.Random) -> int:
    return rng.choice((0, 1, 2, 3, 4, 5, 6, 7, 15, 16, 255, 256, 1 << 63, (1 << 64) - 1, 1 << 64, -1))


def _tcb(rng: random.Random, s: State, t: Tcb) -> Tcb:
    choice = rng.randrange(10)
    if choice == 0:
        ctx = list(t.ctx)
        ctx[rng.randrange(len(ctx))] = _num(rng)
        return t._replace(ctx=tuple(ctx))
    if choice == 1:
        kind = rng.choice(list(ThreadState))
        return t._replace(state=TState(kind, _pick(rng, s), rng.choice((0, 5, 1 << 64)), rng.random() < 0.5,
                                       rng.random() < 0.5, rng.random() < 0.5))
    if choice == 2:
        return t._replace(priority=_num(rng))
    if choice == 3:
        return t._replace(time_slice=_num(rng))
    if choice == 4:
        return t._replace(cspace=_pick(rng, s))
    if choice == 5:
        return t._replace(vspace=_pick(rng, s))
    if choice == 6:
        return t._replace(bound=_pick(rng, s))
    if choice == 7:
        return t._replace(reply=_pick(rng, s))
    if choice == 8:
        return t._replace(fault=None if t.fault else FaultInfo(1, _num(rng), _num(rng), _num(rng)))
    return t._replace(state=t.state._replace(obj=_pick(rng, s)))


def _queue(rng: random.Random, s: State, q: tuple[int, ...]) -> tuple[int, ...]:
    choice = rng.randrange(4)
    if choice == 0 and q:
        return q[1:]
    if choice == 1 and q:
        return (*q, q[0])
    if choice == 2:
        return (*q, *(x for x in [_pick(rng, s)] if x is not None))
    return tuple(reversed(q))


def _object(rng: random.Random, s: State, oid: int) -> Any:
    o = s.objects[oid]
    if isinstance(o, Tcb):
        return _tcb(rng, s, o)
    if isinstance(o, Endpoint):
        if rng.random() < 0.5:
            return o._replace(state=rng.choice(list(EndpointState)))
        return o._replace(queue=_queue(rng, s, o.queue))
    if isinstance(o, Notification):
        choice = rng.randrange(5)
        if choice == 0:
            return o._replace(state=rng.choice(list(NotificationState)))
        if choice == 1:
            return o._replace(queue=_queue(rng, s, o.queue))
        if choice == 2:
            return o._replace(word=_num(rng))
        if choice == 3:
            return o._replace(bound=_pick(rng, s))
        return o._replace(irq_refs=_num(rng))
    if isinstance(o, CNode):
        choice = rng.randrange(3)
        if choice == 0:
            return o._replace(radix=rng.choice((1, 2, 5, 8, 12)))
        if choice == 1:
            return o._replace(used=o.used + rng.choice((-1, 1)))
        return o._replace(tcb_refs=o.tcb_refs + rng.choice((-1, 1)))
    if isinstance(o, Frame):
        return o._replace(device=not o.device)
    if isinstance(o, PageTable | VSpace):
        entries = dict(o.entries)
        if entries and rng.random() < 0.4:
            del entries[rng.choice(list(entries))]
        else:
            target = rng.choice(list(s.objects))
            entries[rng.choice((0, 1, 2, 300, 511))] = Pte(target, rng.choice((0, 1, 2, 3, 7)))
        if isinstance(o, VSpace) and rng.random() < 0.3:
            return o._replace(tcb_refs=o.tcb_refs + 1)
        return o._replace(entries=entries)
    raise AssertionError(o)


def _slot(rng: random.Random, s: State, ref: tuple[int, int]) -> Slot | None:
    sl = s.slots[ref]
    cap = sl.cap
    refs = list(s.slots)
    choice = rng.randrange(11)
    if choice == 0:
        return None
    if choice == 1:
        return sl._replace(cap=cap._replace(type=rng.choice(list(CapType)[1:])))
    if choice == 2:
        return sl._replace(cap=cap._replace(obj=_pick(rng, s) or 0))
    if choice == 3:
        return sl._replace(cap=cap._replace(rights=rng.randrange(16)))
    if choice == 4:
        return sl._replace(cap=cap._replace(badge=rng.choice((0, 7, 1 << 64))))
    if choice == 5:
        return sl._replace(parent=rng.choice([None, *refs]))
    if choice == 6:
        return sl._replace(children=(*sl.children, rng.choice(refs)))
    if choice == 7:
        return sl._replace(children=sl.children[1:])
    if choice == 8:
        other = s.slots[rng.choice(refs)].cap
        return sl._replace(cap=cap._replace(mapped=other.mapped or (rng.choice(list(s.objects)), 0x400000)))
    if choice == 9:
        return sl._replace(cap=cap._replace(size_bits=rng.choice((3, 4, 12, 19, 47, 48))))
    return sl._replace(cap=cap._replace(watermark=rng.choice((0, 16, 1 << 12, 1 << 19, 1 << 20))))


def corrupt(rng: random.Random, s: State) -> State:
    """``s`` with one random change (see the module documentation)."""
    choices: list[Callable[[], State]] = []

    def obj() -> State:
        oid = rng.choice(list(s.objects))
        return s._replace(objects={**s.objects, oid: _object(rng, s, oid)})

    def slot() -> State:
        ref = rng.choice(list(s.slots))
        new = _slot(rng, s, ref)
        slots = dict(s.slots)
        if new is None:
            del slots[ref]
        else:
            slots[ref] = new
        return s._replace(slots=slots)

    def queues() -> State:
        qs = dict(s.queues)
        prio = rng.choice([*qs, 0, 255, 256])
        q = _queue(rng, s, qs.get(prio, ()))
        if q:
            qs[prio] = q
        else:
            qs.pop(prio, None)
        return s._replace(queues=qs)

    def current() -> State:
        return s._replace(current=rng.choice(list(s.objects)))

    def irqs() -> State:
        lines = dict(s.irqs)
        line = rng.choice([*lines, s.machine.console_irq, s.machine.irq_lines, 40])
        if line in lines and rng.random() < 0.3:
            del lines[line]
        else:
            ntfns = [o for o, x in s.objects.items() if isinstance(x, Notification)]
            lines[line] = Irq(
                rng.choice(list(IrqState)), rng.choice([None, *ntfns, *s.objects]), _num(rng), rng.random() < 0.5
            )
        return s._replace(irqs=lines)

    def remove() -> State:
        oid = rng.choice(list(s.objects))
        return s._replace(objects={k: v for k, v in s.objects.items() if k != oid})

    def add() -> State:
        oid = rng.choice(list(s.objects)) + rng.choice((0x10, 0x100, 0x1000, 0x100000))
        return s._replace(objects={**s.objects, oid: rng.choice(list(s.objects.values()))})

    choices = [obj, obj, obj, slot, slot, slot, queues, current, irqs, remove, add]
    return rng.choice(choices)()
