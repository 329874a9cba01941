"""Between the spec's concrete states and the encoding.

:func:`abstract` turns a :class:`mlk.model.state.State` into a :class:`SymState` of Z3 literals
(array literals built from stores), so that the encoding can be *evaluated* on it;
:func:`observe` reads a (literal or model-evaluated) :class:`SymState` back into plain Python at
the points that matter. The differential test compares ``observe(encoding(abstract(s)))`` with
``observe(abstract(step(s)))``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

import z3

from mlk.model.state import State, Tcb, object_type
from mlk.proofs.smt import NONE, Arr, Bool, Int, const_array, const_matrix
from mlk.proofs.symstate import NO_OBJECT, SymState


def _array(default: int, items: Iterable[tuple[int, int]]) -> Arr:
    arr = const_array(default)
    for key, value in items:
        arr = z3.Store(arr, key, value)
    return arr


def abstract(state: State) -> SymState:
    """The encoding's view of ``state``: every component as a Z3 literal."""
    tcbs = [(oid, obj) for oid, obj in state.objects.items() if isinstance(obj, Tcb)]
    qat = const_matrix(0)
    for p, queue in state.queues.items():
        qat = z3.Store(qat, p, _array(0, enumerate(queue)))
    return SymState(
        kind=_array(NO_OBJECT, ((oid, int(object_type(obj))) for oid, obj in state.objects.items())),
        tstate=_array(0, ((oid, int(t.state.kind)) for oid, t in tcbs)),
        prio=_array(0, ((oid, t.priority) for oid, t in tcbs)),
        slice=_array(0, ((oid, t.time_slice) for oid, t in tcbs)),
        qlen=_array(0, ((p, len(q)) for p, q in state.queues.items())),
        qat=qat,
        qpos=_array(NONE, ((t, i) for q in state.queues.values() for i, t in enumerate(q))),
        current=z3.IntVal(state.current),
        idle=z3.IntVal(state.machine.idle_tcb),
        halted=z3.BoolVal(state.halted is not None),
    )


class ThreadView(NamedTuple):
    """The encoded fields of one object."""

    kind: int
    tstate: int
    prio: int
    slice: int
    qpos: int


class View(NamedTuple):
    """A :class:`SymState` read back at finitely many points: the listed objects and the ready
    queues of the listed priorities (entries up to the queue's length)."""

    current: int
    idle: int
    halted: bool
    objects: dict[int, ThreadView]
    queues: dict[int, tuple[int, ...]]


def observe(
    s: SymState,
    ids: Iterable[int],
    prios: Iterable[int],
    as_int: Callable[[Int], int],
    as_bool: Callable[[Bool], bool],
    max_queue: int = 1 << 20,
) -> View:
    """Read ``s`` at objects ``ids`` and priorities ``prios``; ``as_int``/``as_bool`` evaluate a
    term (by simplification for literals, in a model for counterexamples). Queues are read up to
    ``max_queue`` entries."""
    objects = {
        oid: ThreadView(
            as_int(z3.Select(s.kind, oid)),
            as_int(z3.Select(s.tstate, oid)),
            as_int(z3.Select(s.prio, oid)),
            as_int(z3.Select(s.slice, oid)),
            as_int(z3.Select(s.qpos, oid)),
        )
        for oid in sorted(set(ids))
    }
    queues: dict[int, tuple[int, ...]] = {}
    for p in sorted(set(prios)):
        n = as_int(z3.Select(s.qlen, p))
        if n:
            queues[p] = tuple(as_int(s.at(p, i)) for i in range(max(0, min(n, max_queue))))
    return View(as_int(s.current), as_int(s.idle), as_bool(s.halted), objects, queues)
