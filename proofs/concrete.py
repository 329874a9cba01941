"""Between the spec's states and the encoding.

:func:`abstract` turns a :class:`mlk.model.state.State` into a concrete :class:`SymState`
(:class:`~mlk.proofs.terms.CArray` arrays and Python scalars), computing the ghost fields and a
canonical numbering for the bijection fields. :func:`read_back` reads an encoded state (concrete,
or through a Z3 model) back into the spec's representation at finitely many points, so that the
differential test can compare it with the spec's own next state with ``==``. :func:`to_z3` turns
a concrete state into Z3 literals (the boot obligations prove quantified invariants of it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import z3

from mlk.abi.objects import CapType, ObjectType, ThreadState
from mlk.abi.syscalls import CONTEXT_REGS
from mlk.model import vm
from mlk.model.state import (
    CNode,
    Endpoint,
    FaultInfo,
    Frame,
    Irq,
    KObject,
    Machine,
    Notification,
    ObjId,
    PageTable,
    Pte,
    Slot,
    SlotRef,
    State,
    Tcb,
    TState,
    VSpace,
    object_size_bits,
    object_type,
)
from mlk.proofs.symstate import FIELDS, SCHEMA, Sort, SymState, default_value, z3_sort
from mlk.proofs.terms import NO_REF, NONE, RIGHTS_BITS, CArray, FnArray, RefSort, Val, select

_NO_WALK: tuple[int, int] | None = None


def _arr(name: str, items: Iterable[tuple[object, Val]]) -> CArray:
    spec = FIELDS[name]
    arr = default_value(spec.sort, spec.default)
    assert isinstance(arr, CArray)
    arr.entries.update(items)
    return arr


def _rows(name: str, rows: Mapping[Any, Mapping[Any, Val]]) -> CArray:
    spec = FIELDS[name]
    assert isinstance(spec.sort, tuple) and isinstance(spec.sort[1], tuple)
    inner_default = spec.default
    return _arr(name, ((k, CArray(inner_default, dict(v))) for k, v in rows.items()))


def _ref(r: SlotRef | None) -> tuple[int, int]:
    return NO_REF if r is None else r


def _same_target(a: Slot, b: Slot) -> bool:
    return a.cap.type == b.cap.type and a.cap.obj == b.cap.obj and a.cap.type != CapType.UNTYPED


def recorded_entry(s: State, ref: SlotRef) -> tuple[int, int] | None:
    """The translation entry (table, index) the mapped frame or page-table capability in ``ref``
    records (:func:`mlk.model.invariants.recorded_entry`), ``None`` when there is none."""
    from mlk.model.invariants import recorded_entry as spec_recorded  # noqa: PLC0415

    return spec_recorded(s, s.slots[ref].cap)


def tables_reached(s: State) -> dict[ObjId, tuple[int, ObjId]]:
    """The page tables reached from a VSpace through entries of levels 0 to 2: each with its
    level and the VSpace it was reached from (the first, level by level, in a state where some
    table is reached twice, which the invariants exclude)."""
    reached: dict[ObjId, tuple[int, ObjId]] = {}
    frontier = [(oid, oid) for oid, o in s.objects.items() if isinstance(o, VSpace)]
    for level in range(1, vm.LEAF_LEVEL + 1):
        nxt = []
        for table, vspace in frontier:
            obj = s.objects.get(table)
            if not isinstance(obj, PageTable | VSpace):
                continue
            for entry in obj.entries.values():
                if isinstance(s.objects.get(entry.obj), PageTable) and entry.obj not in reached:
                    reached[entry.obj] = (level, vspace)
                    nxt.append((entry.obj, vspace))
        frontier = nxt
    return reached


def _chain(s: State, ref: SlotRef) -> list[SlotRef]:
    """The proper ancestors of ``ref`` (the transitive closure of the parent function), nearest
    first: the chain of parents up to the first unoccupied one or the first repetition."""
    out: list[SlotRef] = []
    cur = s.slots[ref].parent
    while cur is not None and cur not in out:
        out.append(cur)
        slot = s.slots.get(cur)
        if slot is None:
            break
        cur = slot.parent
    return out


def abstract(s: State) -> SymState:
    """The encoding's view of ``s`` (see the module documentation)."""
    m = s.machine
    objs = s.objects
    tcbs = {oid: o for oid, o in objs.items() if isinstance(o, Tcb)}
    waits = {oid: o for oid, o in objs.items() if isinstance(o, Endpoint | Notification)}
    ntfns = {oid: o for oid, o in objs.items() if isinstance(o, Notification)}
    tables = {oid: o for oid, o in objs.items() if isinstance(o, PageTable | VSpace)}
    v: dict[str, Val] = {
        "current": s.current,
        "halted": s.halted is not None,
        "idle": m.idle_tcb,
        "kbase": m.kernel_base,
        "ksize": m.kernel_size,
        "console": m.console_base,
        "timer": m.timer_irq,
        "lines": m.irq_lines,
        "debug": m.debug,
        "kind": _arr("kind", ((oid, int(object_type(o))) for oid, o in objs.items())),
        "ctx": _rows("ctx", {oid: dict(enumerate(t.ctx)) for oid, t in tcbs.items()}),
    }
    tfields: dict[str, Callable[[Tcb], Val]] = {
        "tstate": lambda t: int(t.state.kind),
        "tobj": lambda t: NONE if t.state.obj is None else t.state.obj,
        "tbadge": lambda t: t.state.badge,
        "tgrant": lambda t: t.state.grant,
        "tgrantr": lambda t: t.state.grant_reply,
        "tcall": lambda t: t.state.call,
        "prio": lambda t: t.priority,
        "slice": lambda t: t.time_slice,
        "cspace": lambda t: NONE if t.cspace is None else t.cspace,
        "vspace": lambda t: NONE if t.vspace is None else t.vspace,
        "fault_ep": lambda t: t.fault_ep,
        "bound": lambda t: NONE if t.bound is None else t.bound,
        "reply": lambda t: NONE if t.reply is None else t.reply,
        "fhas": lambda t: t.fault is not None,
        "fkind": lambda t: 0 if t.fault is None else t.fault.kind,
        "fa": lambda t: 0 if t.fault is None else t.fault.a,
        "fb": lambda t: 0 if t.fault is None else t.fault.b,
        "fpc": lambda t: 0 if t.fault is None else t.fault.pc,
    }
    for name, get in tfields.items():
        v[name] = _arr(name, ((oid, get(t)) for oid, t in tcbs.items()))
    v["epstate"] = _arr("epstate", ((oid, int(o.state)) for oid, o in objs.items() if isinstance(o, Endpoint)))
    v["nstate"] = _arr("nstate", ((oid, int(o.state)) for oid, o in ntfns.items()))
    v["word"] = _arr("word", ((oid, o.word) for oid, o in ntfns.items()))
    v["nbound"] = _arr("nbound", ((oid, NONE if o.bound is None else o.bound) for oid, o in ntfns.items()))
    v["irq_refs"] = _arr("irq_refs", ((oid, o.irq_refs) for oid, o in ntfns.items()))
    v["wlen"] = _arr("wlen", ((oid, len(o.queue)) for oid, o in waits.items()))
    v["wat"] = _rows("wat", {oid: dict(enumerate(o.queue)) for oid, o in waits.items()})
    v["wpos"] = _rows("wpos", {oid: {t: i for i, t in enumerate(o.queue)} for oid, o in waits.items()})
    cnodes = {oid: o for oid, o in objs.items() if isinstance(o, CNode)}
    v["radix"] = _arr("radix", ((oid, o.radix) for oid, o in cnodes.items()))
    v["nslots"] = _arr("nslots", ((oid, 1 << o.radix) for oid, o in cnodes.items() if o.radix >= 0))
    v["osize"] = _arr("osize", ((oid, 1 << object_size_bits(o)) for oid, o in objs.items() if object_size_bits(o) >= 0))
    v["used"] = _arr("used", ((oid, o.used) for oid, o in cnodes.items()))
    v["trefs"] = _arr("trefs", ((oid, o.tcb_refs) for oid, o in objs.items() if isinstance(o, CNode | VSpace)))
    v["device"] = _arr("device", ((oid, o.device) for oid, o in objs.items() if isinstance(o, Frame)))
    v["pte"] = _rows("pte", {oid: {i: e.obj for i, e in o.entries.items()} for oid, o in tables.items()})
    v["pter"] = _rows("pter", {oid: {i: e.rights for i, e in o.entries.items()} for oid, o in tables.items()})
    v["nent"] = _arr("nent", ((oid, len(o.entries)) for oid, o in tables.items()))
    reached = tables_reached(s)
    v["ptlevel"] = _arr("ptlevel", ((t, level) for t, (level, _) in reached.items()))
    v["ptvs"] = _arr("ptvs", ((t, vspace) for t, (_, vspace) in reached.items()))
    v["qlen"] = _arr("qlen", ((p, len(q)) for p, q in s.queues.items()))
    v["qat"] = _rows("qat", {p: dict(enumerate(q)) for p, q in s.queues.items()})
    v["qpos"] = _arr("qpos", ((t, i) for q in s.queues.values() for i, t in enumerate(q)))
    _abstract_slots(s, v)
    _abstract_lines(s, v)
    _abstract_bijections(s, v)
    return SymState(v)


def _abstract_slots(s: State, v: dict[str, Val]) -> None:
    slots = s.slots
    caps = {ref: sl.cap for ref, sl in slots.items()}
    v["occ"] = _arr("occ", ((ref, True) for ref in slots))
    v["ctype"] = _arr("ctype", ((ref, int(c.type)) for ref, c in caps.items()))
    v["cobj"] = _arr("cobj", ((ref, c.obj) for ref, c in caps.items()))
    v["crights"] = _arr("crights", ((ref, int(c.rights)) for ref, c in caps.items()))
    v["cbadge"] = _arr("cbadge", ((ref, c.badge) for ref, c in caps.items()))
    v["cmvs"] = _arr("cmvs", ((ref, NONE if c.mapped is None else c.mapped[0]) for ref, c in caps.items()))
    v["cmva"] = _arr("cmva", ((ref, 0 if c.mapped is None else c.mapped[1]) for ref, c in caps.items()))
    v["csb"] = _arr("csb", ((ref, c.size_bits) for ref, c in caps.items()))
    v["cwm"] = _arr("cwm", ((ref, c.watermark) for ref, c in caps.items()))
    v["usize"] = _arr(
        "usize", ((ref, 1 << c.size_bits) for ref, c in caps.items() if c.type == CapType.UNTYPED and c.size_bits >= 0)
    )
    v["parent"] = _arr("parent", ((ref, _ref(sl.parent)) for ref, sl in slots.items()))
    v["nchild"] = _arr("nchild", ((ref, len(sl.children)) for ref, sl in slots.items()))
    v["childat"] = _rows("childat", {ref: dict(enumerate(sl.children)) for ref, sl in slots.items()})
    cpos: dict[SlotRef, int] = {}
    for ref, sl in slots.items():
        for i, child in enumerate(sl.children):
            cslot = slots.get(child)
            if cslot is not None and cslot.parent == ref:
                cpos[child] = i
    v["cpos"] = _arr("cpos", cpos.items())
    chains = {ref: _chain(s, ref) for ref in slots}
    v["depth"] = _arr("depth", ((ref, len(chain)) for ref, chain in chains.items()))
    v["anc"] = _rows("anc", {ref: dict.fromkeys(chain, True) for ref, chain in chains.items()})
    v["achild"] = _rows(
        "achild", {ref: {y: ([ref, *chain])[i] for i, y in enumerate(chain)} for ref, chain in chains.items()}
    )
    orig: dict[int, SlotRef] = {}
    for ref, sl in slots.items():
        if sl.cap.type in (CapType.UNTYPED, CapType.IRQ_HANDLER, CapType.IRQ_CONTROL):
            continue
        parent = slots.get(sl.parent) if sl.parent is not None else None
        if parent is None or not _same_target(parent, sl):
            orig[sl.cap.obj] = ref
    v["orig"] = _arr("orig", orig.items())
    pte_cap: dict[int, dict[object, Val]] = {}
    for ref, sl in slots.items():
        if sl.cap.mapped is not None:
            entry = recorded_entry(s, ref)
            if entry is not None:
                pte_cap.setdefault(entry[0], {})[entry[1]] = ref
    v["pte_cap"] = _rows("pte_cap", pte_cap)


def _abstract_lines(s: State, v: dict[str, Val]) -> None:
    v["irqstate"] = _arr("irqstate", ((irq, int(line.state)) for irq, line in s.irqs.items()))
    v["intfn"] = _arr("intfn", ((irq, NONE if line.ntfn is None else line.ntfn) for irq, line in s.irqs.items()))
    v["ibadge"] = _arr("ibadge", ((irq, line.badge) for irq, line in s.irqs.items()))
    v["imasked"] = _arr("imasked", ((irq, line.masked) for irq, line in s.irqs.items()))
    handlers = {}
    for ref, sl in s.slots.items():
        if sl.cap.type == CapType.IRQ_HANDLER:
            parent = s.slots.get(sl.parent) if sl.parent is not None else None
            if parent is None or not _same_target(parent, sl):
                handlers[sl.cap.obj] = ref
    v["handler"] = _arr("handler", handlers.items())


def _numbering(groups: dict[int, list[Val]]) -> tuple[dict[Val, int], dict[int, dict[object, Val]]]:
    rank: dict[Val, int] = {}
    at: dict[int, dict[object, Val]] = {}
    for owner, members in groups.items():
        for k, member in enumerate(sorted(members)):
            rank[member] = k
            at.setdefault(owner, {})[k] = member
    return rank, at


def _abstract_bijections(s: State, v: dict[str, Val]) -> None:
    by_cnode: dict[int, list[Val]] = {}
    for ref in s.slots:
        by_cnode.setdefault(ref[0], []).append(ref)
    rank, at = _numbering(by_cnode)
    v["srank"] = _arr("srank", rank.items())
    v["sat"] = _rows("sat", at)
    users: dict[int, list[Val]] = {}
    for oid, t in s.objects.items():
        if isinstance(t, Tcb) and oid != s.machine.idle_tcb:
            for f, target in enumerate((t.cspace, t.vspace)):
                if target is not None:
                    users.setdefault(target, []).append((oid, f))
    trank, tat = _numbering(users)
    v["trank_c"] = _arr("trank_c", ((t, k) for (t, f), k in trank.items() if f == 0))
    v["trank_v"] = _arr("trank_v", ((t, k) for (t, f), k in trank.items() if f == 1))
    v["tat"] = _rows("tat", {o: {k: m[0] for k, m in row.items()} for o, row in tat.items()})
    v["tatf"] = _rows("tatf", {o: {k: m[1] for k, m in row.items()} for o, row in tat.items()})
    lines: dict[int, list[Val]] = {}
    for irq, line in s.irqs.items():
        if line.ntfn is not None:
            lines.setdefault(line.ntfn, []).append(irq)
    irank, iat = _numbering(lines)
    v["irank"] = _arr("irank", irank.items())
    v["iat"] = _rows("iat", iat)
    erank: dict[int, dict[object, Val]] = {}
    eat: dict[int, dict[object, Val]] = {}
    for oid, o in s.objects.items():
        if isinstance(o, PageTable | VSpace):
            for k, index in enumerate(sorted(o.entries)):
                erank.setdefault(oid, {})[index] = k
                eat.setdefault(oid, {})[k] = index
    v["erank"] = _rows("erank", erank)
    v["eat"] = _rows("eat", eat)


# -- back to the spec's representation --------------------------------------------------------


def keys(a: Val) -> set[object]:
    """The points where concrete array ``a`` is known to differ from its default (for a
    :class:`FnArray`, those of the arrays it was built from)."""
    if isinstance(a, CArray):
        return set(a.entries)
    if isinstance(a, FnArray):
        return keys(a.base)
    return set()


@dataclass(frozen=True)
class Reader:
    """How to evaluate a term of the state being read: identity for concrete states, a model's
    ``eval`` for Z3 states."""

    as_int: Callable[[Val], int]
    as_bool: Callable[[Val], bool]
    as_ref: Callable[[Val], tuple[int, int]]


CONCRETE = Reader(int, bool, lambda r: (int(r[0]), int(r[1])))


def model_reader(model: z3.ModelRef) -> Reader:
    """A reader evaluating Z3 terms in ``model``."""

    def ev(t: Val) -> Val:
        return model.eval(t, model_completion=True)

    def ref(t: Val) -> tuple[int, int]:
        r = ev(t)
        return ev(RefSort.cn(r)).as_long(), ev(RefSort.ix(r)).as_long()

    return Reader(lambda t: ev(t).as_long(), lambda t: z3.is_true(ev(t)), ref)


def _opt(x: int) -> int | None:
    return None if x == NONE else x


def read_back(
    sym: SymState,
    machine: Machine,
    objects: Iterable[int],
    slots: Iterable[SlotRef],
    prios: Iterable[int],
    lines: Iterable[int],
    reader: Reader = CONCRETE,
    max_len: int = 1 << 16,
) -> State:
    """The spec state ``sym`` stands for, read at the candidate ``objects``, ``slots``, ready
    queue priorities and interrupt ``lines`` (the queues and entries reachable from them are
    read in full, up to ``max_len``)."""
    num, flag, ref_of = reader.as_int, reader.as_bool, reader.as_ref

    def at(field: str, key: Val) -> Val:
        return select(sym.f[field], key)

    def row(field: str, key: Val, n: int) -> tuple[int, ...]:
        r = at(field, key)
        return tuple(num(select(r, i)) for i in range(min(n, max_len)))

    out_objects: dict[ObjId, KObject] = {}
    for oid in sorted(set(objects)):
        k = num(at("kind", oid))
        if k == 0:
            continue
        obj = _read_object(sym, oid, k, reader, row, at)
        out_objects[oid] = obj
    out_slots: dict[SlotRef, Slot] = {}
    for ref in sorted(set(slots)):
        if not flag(at("occ", ref)):
            continue
        out_slots[ref] = _read_slot(sym, ref, reader, at)
    queues = {}
    for p in sorted(set(prios)):
        n = num(at("qlen", p))
        if n > 0:
            queues[p] = row("qat", p, n)
    irqs = {}
    for irq in sorted(set(lines)):
        st = num(at("irqstate", irq))
        if st != NONE:
            from mlk.abi.objects import IrqState  # noqa: PLC0415

            irqs[irq] = Irq(IrqState(st), _opt(num(at("intfn", irq))), num(at("ibadge", irq)), flag(at("imasked", irq)))
    del ref_of
    return State(machine, out_objects, out_slots, queues, num(sym.current), irqs, 0 if flag(sym.halted) else None)


def _read_object(
    sym: SymState,
    oid: int,
    k: int,
    reader: Reader,
    row: Callable[[str, Val, int], tuple[int, ...]],
    at: Callable[[str, Val], Val],
) -> KObject:
    from mlk.abi.objects import EndpointState, NotificationState  # noqa: PLC0415

    num, flag = reader.as_int, reader.as_bool
    kind = ObjectType(k) if k in ObjectType._value2member_map_ else None
    if kind == ObjectType.TCB:
        st = TState(
            ThreadState(num(at("tstate", oid))),
            _opt(num(at("tobj", oid))),
            num(at("tbadge", oid)),
            flag(at("tgrant", oid)),
            flag(at("tgrantr", oid)),
            flag(at("tcall", oid)),
        )
        fault = (
            FaultInfo(num(at("fkind", oid)), num(at("fa", oid)), num(at("fb", oid)), num(at("fpc", oid)))
            if flag(at("fhas", oid))
            else None
        )
        return Tcb(
            row("ctx", oid, CONTEXT_REGS),
            st,
            num(at("prio", oid)),
            num(at("slice", oid)),
            _opt(num(at("cspace", oid))),
            _opt(num(at("vspace", oid))),
            num(at("fault_ep", oid)),
            _opt(num(at("bound", oid))),
            _opt(num(at("reply", oid))),
            fault,
        )
    if kind == ObjectType.ENDPOINT:
        return Endpoint(EndpointState(num(at("epstate", oid))), row("wat", oid, num(at("wlen", oid))))
    if kind == ObjectType.NOTIFICATION:
        return Notification(
            NotificationState(num(at("nstate", oid))),
            row("wat", oid, num(at("wlen", oid))),
            num(at("word", oid)),
            _opt(num(at("nbound", oid))),
            num(at("irq_refs", oid)),
        )
    if kind == ObjectType.CNODE:
        return CNode(num(at("radix", oid)), num(at("used", oid)), num(at("trefs", oid)))
    if kind == ObjectType.FRAME:
        return Frame(flag(at("device", oid)))
    if kind in (ObjectType.PAGE_TABLE, ObjectType.VSPACE):
        entries = _read_entries(sym, oid, reader)
        return PageTable(entries) if kind == ObjectType.PAGE_TABLE else VSpace(entries, num(at("trefs", oid)))
    raise ValueError(f"object {oid:#x} has no kind {k}")


def _read_entries(sym: SymState, oid: int, reader: Reader) -> dict[int, Pte]:
    """The valid entries of table ``oid``: for a concrete state the indices it was built with
    and stored to; for a model, the indices its entry numbering lists."""
    pte_row = select(sym.pte, oid)
    rights_row = select(sym.pter, oid)
    if isinstance(pte_row, CArray | FnArray):
        indices: Iterable[object] = keys(pte_row) | keys(rights_row)
    else:
        n = reader.as_int(select(sym.nent, oid))
        indices = {reader.as_int(select(select(sym.eat, oid), k)) for k in range(max(0, min(n, 512)))}
    entries = {}
    for index in sorted(indices):  # type: ignore[type-var]
        target = reader.as_int(select(pte_row, index))
        if target != NONE:
            entries[int(index)] = Pte(target, reader.as_int(select(rights_row, index)))  # type: ignore[call-overload]
    return entries


def _read_slot(sym: SymState, ref: SlotRef, reader: Reader, at: Callable[[str, Val], Val]) -> Slot:
    from mlk.model.state import Cap  # noqa: PLC0415

    num, flag, ref_of = reader.as_int, reader.as_bool, reader.as_ref
    del flag
    mvs = num(at("cmvs", ref))
    ctype = num(at("ctype", ref))
    cap = Cap(
        CapType(ctype) if ctype in CapType._value2member_map_ else ctype,  # type: ignore[arg-type]
        num(at("cobj", ref)),
        num(at("crights", ref)),
        num(at("cbadge", ref)),
        None if mvs == NONE else (mvs, num(at("cmva", ref))),
        num(at("csb", ref)),
        num(at("cwm", ref)),
    )
    parent = ref_of(at("parent", ref))
    n = num(at("nchild", ref))
    children_row = at("childat", ref)
    children = tuple(ref_of(select(children_row, i)) for i in range(max(0, min(n, 1 << 16))))
    return Slot(cap, None if parent[0] == NONE else parent, children)


# -- to Z3 literals ----------------------------------------------------------------------------


def _literal(value: Val, sort: Sort) -> Val:
    if isinstance(sort, tuple):
        assert isinstance(value, CArray)
        arr = z3.K(z3_sort(sort[0]), _literal(value.default, sort[1]))
        for key, item in value.entries.items():
            arr = z3.Store(arr, _literal(key, sort[0]), _literal(item, sort[1]))
        return arr
    if sort == "R":
        return RefSort.ref(z3.IntVal(value[0]), z3.IntVal(value[1]))
    if sort == "B":
        return z3.BoolVal(bool(value))
    if sort == "W":
        return z3.BitVecVal(value, RIGHTS_BITS)
    return z3.IntVal(value)


def to_z3(sym: SymState) -> SymState:
    """The concrete state ``sym`` (as :func:`abstract` builds it) as Z3 literals."""
    return SymState({f.name: _literal(sym.f[f.name], f.sort) for f in SCHEMA})


# -- evaluation domains -----------------------------------------------------------------------

#: A value no state uses: the representative of "every other" integer or CNode.
FRESH = 0x7FFF_FFF0


def domains(s: State) -> dict[str, list[Val]]:
    """Where the concrete evaluator instantiates each variable sort of a conjunct
    (:mod:`mlk.proofs.invariants`): every point where a conjunct about ``s`` can fail, plus
    :data:`FRESH` standing for all other points (where every array has its default)."""
    m = s.machine
    live = set(s.objects)
    refs_to: set[int] = {NONE, s.current, m.idle_tcb, m.console_base}
    counts = [len(q) for q in s.queues.values()] + [0]
    lines = set(s.irqs) | {m.timer_irq, m.irq_lines - 1, m.irq_lines, NONE}
    pidx = {NONE, 0, 511, 512}
    for o in s.objects.values():
        if isinstance(o, Tcb):
            refs_to |= {x for x in (o.state.obj, o.cspace, o.vspace, o.bound, o.reply) if x is not None}
        elif isinstance(o, Endpoint | Notification):
            refs_to |= set(o.queue)
            counts.append(len(o.queue))
            if isinstance(o, Notification):
                counts.append(o.irq_refs)
                if o.bound is not None:
                    refs_to.add(o.bound)
        elif isinstance(o, CNode):
            counts += [o.used, o.tcb_refs]
        elif isinstance(o, PageTable | VSpace):
            refs_to |= {e.obj for e in o.entries.values()}
            pidx |= set(o.entries)
            counts.append(len(o.entries))
            if isinstance(o, VSpace):
                counts.append(o.tcb_refs)
    refs: set[Val] = {NO_REF, (FRESH, 0)}
    for ref, sl in s.slots.items():
        refs.add(ref)
        refs |= set(sl.children)
        if sl.parent is not None:
            refs.add(sl.parent)
        counts.append(len(sl.children))
        if sl.cap.type == CapType.IRQ_HANDLER:
            lines.add(sl.cap.obj)
        else:
            refs_to.add(sl.cap.obj)
        if sl.cap.mapped is not None:
            refs_to.add(sl.cap.mapped[0])
    for line in s.irqs.values():
        if line.ntfn is not None:
            refs_to.add(line.ntfn)
    prios = set(s.queues) | {t.priority for t in s.objects.values() if isinstance(t, Tcb)} | {-1, 0, 255, 256}
    return {
        "live": sorted(live | {FRESH}),
        "obj": sorted(live | refs_to | {FRESH}),
        "prio": sorted(prios | {FRESH}),
        "line": sorted(lines | {FRESH}),
        "idx": list(range(-1, max(counts) + 2)),
        "reg": list(range(-1, CONTEXT_REGS + 1)),
        "pidx": sorted(pidx),
        "ref": sorted(refs),
    }
