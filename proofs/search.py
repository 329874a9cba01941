"""Concrete (state, event) pairs for every transition, and the counterexample search on them.

:func:`pairs` draws reachable states and events with :mod:`mlk.model.gen` and adds the events the
generator rarely makes (user faults, unknown system calls, events in a halted machine or while the
idle thread runs), so that every transition of :data:`mlk.model.kernel.TRANSITIONS` occurs. The
differential test uses them, and so does :func:`preserve_counterexample`: when a proof does not go
through, the encoding is evaluated on such pairs, and a pair whose next state breaks the goal is a
genuine counterexample (its state before is reachable, so it satisfies every invariant), shown as
spec states before and after.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Sequence
from functools import cache

from mlk.abi import msginfo
from mlk.abi.labels import FaultLabel, Label
from mlk.abi.objects import ObjectType, RootSlot
from mlk.abi.syscalls import CONTEXT_REGS, Syscall
from mlk.model import gen
from mlk.model.events import Event, FaultEvent, TickEvent, syscall_event
from mlk.model.kernel import classify, step
from mlk.model.state import State, Tcb
from mlk.proofs.concrete import abstract, domains, keys, read_back
from mlk.proofs.counterexample import render_states
from mlk.proofs.enc import Kernel, concrete_event
from mlk.proofs.invariants import ALL, Invariant
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import Val


def _extra(rng: random.Random, s: State) -> list[Event]:
    """Events the generator rarely draws for ``s``: user faults, unknown system calls, and a Retype
    that asks the first untyped region for more memory than it has left. (:func:`pairs` adds
    replies of threads that hold a reply right, too.)"""
    ctx = tuple(rng.choice((0, 1, 7, 300, (1 << 64) - 1)) for _ in range(CONTEXT_REGS))
    big = msginfo.pack(Label.UNTYPED_RETYPE, 5)
    size = rng.choice((12, 16, 18))
    return [
        FaultEvent(rng.choice([*FaultLabel, 1 << 21]), rng.getrandbits(70), rng.getrandbits(70), ctx),
        syscall_event(rng.choice((0, 9, 15, 18, 1 << 40)), pc=rng.randrange(1 << 20)),
        syscall_event(
            Syscall.CALL,
            cptr=RootSlot.UNTYPED_FIRST,
            msginfo=big,
            mrs=(ObjectType.UNTYPED, size, RootSlot.CNODE, rng.randrange(200, 250), rng.choice((2, 4, 8))),
        ),
    ]


def pairs(seed: int, count: int) -> list[tuple[State, Event]]:
    """About ``count`` (state, event) pairs (see the module documentation); the same ``seed``
    gives the same pairs."""
    rng = random.Random(seed)
    base = gen.pairs(seed, count)
    out = list(base)
    for s, _ in base[:: max(1, len(base) // 300)]:
        if s.current != s.machine.idle_tcb:
            out += [(s, e) for e in _extra(rng, s)]
        halted = s._replace(halted=rng.randrange(256))
        events: list[Event] = [TickEvent(), syscall_event(Syscall.YIELD)]
        event = rng.choice(events)
        out.append((halted, event))
    for s, _ in base:
        cur = s.objects.get(s.current)
        if isinstance(cur, Tcb) and cur.reply is not None:
            info = msginfo.pack(rng.choice((0, 1)), 2)
            out.append((s, syscall_event(rng.choice((Syscall.REPLY, Syscall.REPLY_RECV)), msginfo=info, mrs=(1, 2))))
    idle = [s for s, _ in base if s.current == s.machine.idle_tcb]
    for s in idle[:100]:
        out.append((s, syscall_event(Syscall.YIELD)))
        out.append((s, FaultEvent(1, 2, 3, (0,) * CONTEXT_REGS)))
    return out


@cache
def pool() -> dict[str, list[tuple[State, Event]]]:
    """Pairs for the counterexample search, by transition."""
    by: dict[str, list[tuple[State, Event]]] = {}
    for s, e in pairs(11, 20000):
        by.setdefault(classify(s, e), []).append((s, e))
    rng = random.Random(11)
    for candidates in by.values():
        rng.shuffle(candidates)
    return by


def spec_after(before: State, sym: SymState) -> State:
    """The encoded state ``sym`` (a successor of ``before``) read back as a spec state."""
    objects = set(before.objects) | {o for o in keys(sym.kind) if isinstance(o, int)}
    slots = set(before.slots) | {r for r in keys(sym.occ) if isinstance(r, tuple)}
    return read_back(sym, before.machine, objects, slots, range(256), range(before.machine.irq_lines + 8))


def witness(inv: Invariant, conjunct: str, s: SymState, d: dict[str, list[Val]]) -> tuple[Val, ...]:
    """The first point where ``conjunct`` of ``inv`` fails on the concrete state ``s``."""
    c = inv.conjunct(conjunct)
    for xs in itertools.product(*(d[sort] for sort in c.sorts)):
        if not c.body(s, *xs):
            return tuple(xs)
    return ()


def preserve_counterexample(
    kernel: Kernel, transition: str, inv: Invariant, seconds: float
) -> tuple[list[str], str] | None:
    """A pair of :func:`pool` of ``transition`` whose encoded next state breaks ``inv``: the
    broken conjuncts and a rendering, or ``None`` within ``seconds``."""
    candidates: Sequence[tuple[State, Event]] = pool().get(transition, [])
    start = time.perf_counter()
    for before, event in candidates:
        if time.perf_counter() - start > seconds:
            return None
        sym = abstract(before)
        after_sym = kernel.effect(sym, concrete_event(event), transition)
        spec_next, _ = step(before, event)
        d = _merged(domains(before), domains(spec_next), keys(after_sym.kind), keys(after_sym.occ))
        broken = inv.broken(after_sym, d)
        if not broken:
            continue
        if not all(f.holds(sym, domains(before)) for f in ALL):
            continue
        after = spec_after(before, after_sym)
        xs = witness(inv, broken[0], after_sym, d)
        text = render_states(before, after, event, xs, spec_next)
        return [f"{inv.name}.{b}" for b in broken], text
    return None


def _merged(
    a: dict[str, list[Val]], b: dict[str, list[Val]], objs: set[object], refs: set[object]
) -> dict[str, list[Val]]:
    out = {k: sorted(set(a[k]) | set(b[k])) for k in a}
    out["live"] = sorted(set(out["live"]) | {o for o in objs if isinstance(o, int)})
    out["obj"] = sorted(set(out["obj"]) | {o for o in objs if isinstance(o, int)})
    out["ref"] = sorted(set(out["ref"]) | {r for r in refs if isinstance(r, tuple)})
    return out
