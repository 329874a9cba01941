"""The symbolic kernel state: the part of :class:`mlk.model.state.State` the proofs encode.

Every per-object field is a Z3 array indexed by object id (an address), i.e. a total function over
unboundedly many objects: a proof about a :class:`SymState` whose arrays are fresh constants is a
proof for every state, of every size. Absent objects have kind 0.

Ready queues are encoded as arrays too: ``qlen[p]`` is the length of priority ``p``'s queue and
``qat[p][i]`` its ``i``-th thread (the head is index 0). The ghost array ``qpos[t]`` is the index
of thread ``t`` in its priority's queue, or -1 when it is in none; the spec does not store it (it
is derived from the queues, see :mod:`mlk.proofs.concrete`), it gives the proofs constant-time
membership and makes "no duplicates" a local fact.

Components of the spec's state that are not here (registers, capability slots, endpoints,
notifications, interrupt lines, translation tables) are not yet encoded: see
:data:`mlk.proofs.catalogue.NOT_ENCODED`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import z3

from mlk.proofs.smt import NONE, Arr, Bool, Int, const_array, const_matrix, int_array, int_matrix, int_var

#: The ``kind`` of an absent object.
NO_OBJECT = 0


@dataclass(frozen=True)
class SymState:
    """One (symbolic or concrete) kernel state; see the module documentation."""

    kind: Arr
    tstate: Arr
    prio: Arr
    slice: Arr
    qlen: Arr
    qat: Arr
    qpos: Arr
    current: Int
    idle: Int
    halted: Bool

    @classmethod
    def fresh(cls, tag: str) -> SymState:
        """A state whose every component is a fresh constant (an arbitrary state)."""
        return cls(
            kind=int_array(f"{tag}.kind"),
            tstate=int_array(f"{tag}.tstate"),
            prio=int_array(f"{tag}.prio"),
            slice=int_array(f"{tag}.slice"),
            qlen=int_array(f"{tag}.qlen"),
            qat=int_matrix(f"{tag}.qat"),
            qpos=int_array(f"{tag}.qpos"),
            current=int_var(f"{tag}.current"),
            idle=int_var(f"{tag}.idle"),
            halted=z3.Bool(f"{tag}.halted"),
        )

    def but(self, **changes: object) -> SymState:
        """This state with some components replaced."""
        return replace(self, **changes)

    def select(self, other: SymState, cond: Bool) -> SymState:
        """``self`` where ``cond`` holds, else ``other`` (component-wise if-then-else)."""
        return SymState(
            **{f.name: z3.If(cond, getattr(self, f.name), getattr(other, f.name)) for f in fields(SymState)}
        )

    def names(self) -> list[str]:
        """The names of the components, in declaration order."""
        return [f.name for f in fields(self)]

    def at(self, prio: Int, index: Int) -> Int:
        """The thread at ``index`` of ready queue ``prio``."""
        return z3.Select(z3.Select(self.qat, prio), index)


def bounded(tag: str, objects: int) -> tuple[SymState, list[Bool], list[Int]]:
    """A state with at most ``objects`` objects (ids 1..objects) of priorities below ``objects``,
    ready queues of at most ``objects`` entries, every other point at its default; the
    constraints that keep it so; and the points at which to instantiate quantified invariants
    (object ids, queue keys, indices). Used only to *search* for counterexamples, never to
    prove: a candidate is replayed with the quantified invariants before it counts."""
    ids = range(1, objects + 1)
    kind, tstate, prio, slc, qpos = (const_array(d) for d in (NO_OBJECT, 0, 0, 0, NONE))
    constraints: list[Bool] = []
    for oid in ids:
        kind = z3.Store(kind, oid, z3.Int(f"{tag}.kind.{oid}"))
        tstate = z3.Store(tstate, oid, z3.Int(f"{tag}.tstate.{oid}"))
        priority = z3.Int(f"{tag}.prio.{oid}")
        constraints.append(z3.And(priority >= 0, priority < objects))
        prio = z3.Store(prio, oid, priority)
        slc = z3.Store(slc, oid, z3.Int(f"{tag}.slice.{oid}"))
        qpos = z3.Store(qpos, oid, z3.Int(f"{tag}.qpos.{oid}"))
    qlen, qat = const_array(0), const_matrix(0)
    for key in range(objects):
        row = const_array(0)
        for i in range(objects):
            entry = z3.Int(f"{tag}.qat.{key}.{i}")
            row = z3.Store(row, i, entry)
            constraints.append(z3.And(entry >= 0, entry <= objects))
        length = z3.Int(f"{tag}.qlen.{key}")
        constraints.append(z3.And(length >= 0, length <= objects))
        qlen = z3.Store(qlen, key, length)
        qat = z3.Store(qat, key, row)
    current, idle = z3.Int(f"{tag}.current"), z3.Int(f"{tag}.idle")
    constraints += [z3.And(v >= 1, v <= objects) for v in (current, idle)]
    state = SymState(kind, tstate, prio, slc, qlen, qat, qpos, current, idle, z3.Bool(f"{tag}.halted"))
    points = [z3.IntVal(v) for v in range(objects + 1)]
    return state, constraints, points
