"""Rendering a counterexample as a small abstract state, before and after the transition.

A Z3 model assigns a value to every array at every index; what is shown is the part that matters:
the running and the idle thread, the objects the broken conjunct was falsified at (its
witnesses), the non-empty ready queues among the priorities of those threads, and the threads in
those queues. Object ids are printed in hex, states by their spec names.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlk.abi.objects import ObjectType, ThreadState
from mlk.proofs.concrete import View, observe
from mlk.proofs.smt import Int, Model, int_value, is_true
from mlk.proofs.symstate import SymState

#: Entries shown of each queue.
SHOWN_QUEUE_ENTRIES = 6


def _kind(code: int) -> str:
    return ObjectType(code).name if code in ObjectType._value2member_map_ else ("-" if code == 0 else str(code))


def _tstate(code: int) -> str:
    return ThreadState(code).name if code in ThreadState._value2member_map_ else str(code)


def _id(value: int) -> str:
    return hex(value) if value >= 0 else str(value)


def _view(model: Model, s: SymState, ids: set[int], prios: set[int]) -> View:
    return observe(
        s, ids, prios, lambda t: int_value(model, t), lambda b: is_true(model, b), max_queue=SHOWN_QUEUE_ENTRIES
    )


def _lines(title: str, view: View) -> list[str]:
    lines = [f"{title}: current {_id(view.current)}, idle {_id(view.idle)}" + (", HALTED" if view.halted else "")]
    queues = ", ".join(f"{p}: [{', '.join(map(_id, q))}]" for p, q in view.queues.items())
    lines.append(f"  ready queues  {queues or '(none shown non-empty)'}")
    for oid, obj in view.objects.items():
        if obj.kind == int(ObjectType.TCB):
            lines.append(
                f"  {_id(oid):>12}  TCB {_tstate(obj.tstate)} prio {obj.prio} slice {obj.slice} queue-pos {obj.qpos}"
            )
        else:
            lines.append(f"  {_id(oid):>12}  {_kind(obj.kind)}")
    return lines


def render(model: Model, before: SymState, after: SymState, witnesses: Sequence[Int]) -> str:
    """The counterexample in ``model`` as readable text (see the module documentation)."""
    values = {int_value(model, w) for w in witnesses}
    ids = {int_value(model, s.current) for s in (before, after)} | {int_value(model, before.idle)} | values
    first = [_view(model, s, ids, set()) for s in (before, after)]
    prios = {o.prio for v in first for o in v.objects.values()} | {v for v in values if 0 <= v < 1 << 16}
    views = [_view(model, s, ids, prios) for s in (before, after)]
    members = {t for v in views for q in v.queues.values() for t in q}
    views = [_view(model, s, ids | members, prios) for s in (before, after)]
    text = []
    if witnesses:
        text.append("witnesses: " + ", ".join(f"{w} = {_id(int_value(model, w))}" for w in witnesses))
    text += _lines("before", views[0]) + _lines("after", views[1])
    return "\n".join(text)
