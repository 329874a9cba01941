"""The encoded kernel state: every component of :class:`mlk.model.state.State` as total functions.

A :class:`SymState` maps each field of :data:`SCHEMA` to a value of either backend
(:mod:`mlk.proofs.terms`): Z3 terms in proofs, :class:`~mlk.proofs.terms.CArray` arrays and Python
scalars when evaluated on a concrete state. Every per-object field is an array over all integers
(object ids are addresses), every per-slot field an array over all slot references, every
per-line field an array over all line numbers: a proof about a state whose arrays are fresh
constants is a proof about every state, of every size. An array's value at a point where there is
no object (slot, line) of the kind the field belongs to is meaningless and unconstrained.

Queues (ready queues, endpoint and notification queues, a slot's children in the derivation
tree) are a length and an array of entries. Fields marked *ghost* are not in the spec's state but
determined by it (positions in queues, the derivation tree's depth and ancestor relation, the
capability that records a translation entry, ...); :func:`mlk.proofs.concrete.abstract` computes
them. Fields marked *bijection* witness that a counter of the spec is exact (``used`` of a CNode,
``tcb_refs``, ``irq_refs``, a table's entry count): they number the counted things 0..n-1 and list
them by number, which the spec does not determine; they are checked through the invariants that
define them, never compared with the spec.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import z3

from mlk.proofs.terms import NO_REF, NONE, RIGHTS_BITS, CArray, RefSort, Val, ite

#: A sort: "I" integer, "B" Boolean, "R" slot reference, "W" a rights set (a 4-bit vector in Z3),
#: or (index sort, value sort) for an array.
Sort = str | tuple[Any, Any]

#: How the differential test treats a field: "state" (the spec's), "ghost" (determined by the
#: spec's state, compared) or "bijection" (not determined, checked through invariants).
Role = str


@dataclass(frozen=True)
class FieldSpec:
    """One component of the encoded state."""

    name: str
    sort: Sort
    default: Any
    role: Role
    doc: str


def _f(name: str, sort: Sort, default: Any, doc: str, role: Role = "state") -> FieldSpec:
    return FieldSpec(name, sort, default, role, doc)


OBJ_I = ("I", "I")
OBJ_B = ("I", "B")
OBJ_II = ("I", ("I", "I"))
REF_I = ("R", "I")
REF_B = ("R", "B")

#: Every field of the encoded state.
SCHEMA: tuple[FieldSpec, ...] = (
    # -- scalars and the machine
    _f("current", "I", 0, "the running thread"),
    _f("halted", "B", False, "a debug halt stopped the machine"),
    _f("idle", "I", 0, "machine.idle_tcb"),
    _f("kbase", "I", 0, "machine.kernel_base"),
    _f("ksize", "I", 0, "machine.kernel_size"),
    _f("console", "I", 0, "machine.console_base"),
    _f("timer", "I", 0, "machine.timer_irq"),
    _f("lines", "I", 0, "machine.irq_lines"),
    _f("debug", "B", False, "machine.debug"),
    # -- objects
    _f("kind", OBJ_I, 0, "ObjectType of the object at an address, 0 when there is none"),
    _f("ctx", OBJ_II, 0, "Tcb.ctx: register -> value"),
    _f("tstate", OBJ_I, 0, "Tcb.state.kind"),
    _f("tobj", OBJ_I, NONE, "Tcb.state.obj"),
    _f("tbadge", OBJ_I, 0, "Tcb.state.badge"),
    _f("tgrant", OBJ_B, False, "Tcb.state.grant"),
    _f("tgrantr", OBJ_B, False, "Tcb.state.grant_reply"),
    _f("tcall", OBJ_B, False, "Tcb.state.call"),
    _f("prio", OBJ_I, 0, "Tcb.priority"),
    _f("slice", OBJ_I, 0, "Tcb.time_slice"),
    _f("cspace", OBJ_I, NONE, "Tcb.cspace"),
    _f("vspace", OBJ_I, NONE, "Tcb.vspace"),
    _f("fault_ep", OBJ_I, 0, "Tcb.fault_ep"),
    _f("bound", OBJ_I, NONE, "Tcb.bound"),
    _f("reply", OBJ_I, NONE, "Tcb.reply"),
    _f("fhas", OBJ_B, False, "Tcb.fault is not None"),
    _f("fkind", OBJ_I, 0, "Tcb.fault.kind"),
    _f("fa", OBJ_I, 0, "Tcb.fault.a"),
    _f("fb", OBJ_I, 0, "Tcb.fault.b"),
    _f("fpc", OBJ_I, 0, "Tcb.fault.pc"),
    _f("epstate", OBJ_I, 0, "Endpoint.state"),
    _f("nstate", OBJ_I, 0, "Notification.state"),
    _f("word", OBJ_I, 0, "Notification.word"),
    _f("nbound", OBJ_I, NONE, "Notification.bound"),
    _f("irq_refs", OBJ_I, 0, "Notification.irq_refs"),
    _f("wlen", OBJ_I, 0, "length of an endpoint's or notification's queue"),
    _f("wat", OBJ_II, 0, "entries of an endpoint's or notification's queue"),
    _f("wpos", OBJ_II, NONE, "position of a thread in an object's queue, -1 when absent", "ghost"),
    _f("radix", OBJ_I, 0, "CNode.radix"),
    _f("nslots", OBJ_I, 0, "2**radix: the number of slots of a CNode", "ghost"),
    _f("osize", OBJ_I, 0, "the size in bytes of an object (2**object_size_bits)", "ghost"),
    _f("used", OBJ_I, 0, "CNode.used"),
    _f("trefs", OBJ_I, 0, "CNode.tcb_refs, VSpace.tcb_refs"),
    _f("device", OBJ_B, False, "Frame.device"),
    _f("pte", OBJ_II, NONE, "translation entry index -> Pte.obj, -1 when invalid"),
    _f("pter", ("I", ("I", "W")), 0, "translation entry index -> Pte.rights"),
    _f("nent", OBJ_I, 0, "number of valid entries of a table", "ghost"),
    _f("ptlevel", OBJ_I, NONE, "level of a page table reached from a VSpace, -1 when none", "ghost"),
    _f("ptvs", OBJ_I, NONE, "the VSpace a page table is reached from, -1 when none", "ghost"),
    # -- ready queues
    _f("qlen", OBJ_I, 0, "length of the ready queue of a priority"),
    _f("qat", OBJ_II, 0, "entries of the ready queue of a priority"),
    _f("qpos", OBJ_I, NONE, "position of a thread in its priority's ready queue, -1 when absent", "ghost"),
    # -- capability slots
    _f("occ", REF_B, False, "the slot is occupied"),
    _f("ctype", REF_I, 0, "Cap.type"),
    _f("cobj", REF_I, 0, "Cap.obj"),
    _f("crights", ("R", "W"), 0, "Cap.rights"),
    _f("cbadge", REF_I, 0, "Cap.badge"),
    _f("cmvs", REF_I, NONE, "Cap.mapped[0], -1 when unmapped"),
    _f("cmva", REF_I, 0, "Cap.mapped[1]"),
    _f("csb", REF_I, 0, "Cap.size_bits"),
    _f("cwm", REF_I, 0, "Cap.watermark"),
    _f("usize", REF_I, 0, "2**size_bits: the size in bytes of an untyped capability's region", "ghost"),
    _f("parent", ("R", "R"), NO_REF, "Slot.parent"),
    _f("nchild", REF_I, 0, "len(Slot.children)"),
    _f("childat", ("R", ("I", "R")), NO_REF, "Slot.children, oldest first"),
    _f("cpos", REF_I, NONE, "position of a slot among its parent's children", "ghost"),
    _f("depth", REF_I, 0, "length of the parent chain of a slot", "ghost"),
    _f("anc", ("R", ("R", "B")), False, "slot -> slot -> the second is a proper ancestor", "ghost"),
    _f("achild", ("R", ("R", "R")), NO_REF, "slot -> ancestor -> the ancestor's child on the path", "ghost"),
    # -- interrupt lines
    _f("irqstate", OBJ_I, NONE, "Irq.state, -1 for a line absent from State.irqs"),
    _f("intfn", OBJ_I, NONE, "Irq.ntfn"),
    _f("ibadge", OBJ_I, 0, "Irq.badge"),
    _f("imasked", OBJ_B, False, "Irq.masked"),
    # -- determined ghosts
    _f("orig", ("I", "R"), NO_REF, "object -> the slot of its original capability", "ghost"),
    _f("handler", ("I", "R"), NO_REF, "line -> the slot of its handler capability", "ghost"),
    _f("pte_cap", ("I", ("I", "R")), NO_REF, "entry -> the slot of the capability recording it", "ghost"),
    # -- bijections behind the counters
    _f("srank", REF_I, NONE, "number of an occupied slot among its CNode's (0..used-1)", "bijection"),
    _f("sat", ("I", ("I", "R")), NO_REF, "CNode -> number -> occupied slot", "bijection"),
    _f("trank_c", OBJ_I, NONE, "number of a thread among its CSpace's users", "bijection"),
    _f("trank_v", OBJ_I, NONE, "number of a thread among its VSpace's users", "bijection"),
    _f("tat", OBJ_II, NONE, "object -> number -> using thread", "bijection"),
    _f("tatf", OBJ_II, 0, "object -> number -> 0 as CSpace, 1 as VSpace", "bijection"),
    _f("irank", OBJ_I, NONE, "number of a line among its notification's lines", "bijection"),
    _f("iat", OBJ_II, NONE, "notification -> number -> line", "bijection"),
    _f("erank", OBJ_II, NONE, "table -> index -> number of the valid entry", "bijection"),
    _f("eat", OBJ_II, NONE, "table -> number -> index of a valid entry", "bijection"),
)

FIELDS: dict[str, FieldSpec] = {f.name: f for f in SCHEMA}


def z3_sort(sort: Sort) -> Any:
    """The Z3 sort of ``sort``."""
    if sort == "I":
        return z3.IntSort()
    if sort == "B":
        return z3.BoolSort()
    if sort == "R":
        return RefSort
    if sort == "W":
        return z3.BitVecSort(RIGHTS_BITS)
    assert isinstance(sort, tuple)
    return z3.ArraySort(z3_sort(sort[0]), z3_sort(sort[1]))


def default_value(sort: Sort, default: Any) -> Any:
    """A concrete value of ``sort`` that is ``default`` everywhere."""
    if isinstance(sort, tuple):
        return CArray(default_value(sort[1], default))
    return default


class SymState:
    """One state of the encoding: field name -> value (see the module documentation)."""

    __slots__ = ("f",)

    def __init__(self, values: dict[str, Val]) -> None:
        missing = set(FIELDS) - set(values)
        if missing:
            raise ValueError(f"state lacks fields {sorted(missing)}")
        self.f = values

    def __getattr__(self, name: str) -> Val:
        try:
            return self.f[name]
        except KeyError:
            raise AttributeError(name) from None

    @classmethod
    def fresh(cls, tag: str) -> SymState:
        """A state whose every field is a fresh Z3 constant: an arbitrary state."""
        return cls({f.name: z3.Const(f"{tag}.{f.name}", z3_sort(f.sort)) for f in SCHEMA})

    def but(self, **changes: Val) -> SymState:
        """This state with some fields replaced."""
        unknown = set(changes) - set(FIELDS)
        if unknown:
            raise KeyError(f"no such fields {sorted(unknown)}")
        return SymState({**self.f, **changes})

    def select(self, other: SymState, cond: Val) -> SymState:
        """``self`` where ``cond`` holds, else ``other``; fields that are the same term stay
        that term (so that an unchanged field is recognisably unchanged)."""
        return SymState({n: ite(cond, v, other.f[n]) for n, v in self.f.items()})

    def items(self) -> Iterator[tuple[str, Val]]:
        """(field name, value) pairs in schema order."""
        for f in SCHEMA:
            yield f.name, self.f[f.name]
