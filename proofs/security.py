"""Security properties of the spec's transitions: authority confinement and integrity.

Each property relates the state before a transition, the event, and the state after; one
obligation ``security/<transition>/<property>`` per transition of
:data:`mlk.model.kernel.TRANSITIONS` and property. The properties are stated once, against the
helpers of :mod:`mlk.proofs.terms`, so that the same definition is a Z3 formula (the proofs) and a
Python function of concrete states (``tests/proofs/test_security.py`` evaluates it on the
differential test's random (state, event) pairs, and the counterexample search uses it).

**Who acts.** A system call or a user fault is made by the *acting thread* ``t``, the running
thread (:attr:`State.current`). A timer tick, the idle thread's turn and a halted machine have no
acting thread: they may change scheduler state only, and the interrupted thread's registers (saved
on kernel entry: what the thread itself computed). A device interrupt acts for its line: it may
change the line and what the line's notification reaches (see :func:`interrupt_reach`).

**What a thread reaches.** CSpaces are single-level, so a thread names capabilities only in its
CSpace root CNode ``cspace(t)`` (its *root slots*). From there:

* the *CNodes of* ``t``: its root and every CNode a root slot holds a capability to (Copy, Mint,
  Move, Mutate, Delete, Revoke and Retype name slots only in these);
* a slot is *controlled* by ``t`` when it is in a CNode of ``t``, or descends (in the capability
  derivation tree) from such a slot: Revoke deletes descendants wherever they are;
* ``t`` *reaches* object ``o`` when a root slot holds a capability to ``o`` with the rights its kind
  needs to be invoked (an endpoint or notification: READ or WRITE; any other object: the
  capability alone, as in seL4, where these objects' rights are never consulted), or when a
  controlled slot holds a capability to ``o`` (deleting it may destroy ``o``).

**Needed rights, per operation** (what each changes and through which capability, as the spec
checks it; ``confinement`` requires the rights of every new reference a transition creates):

* Send, Call, NBSend on an endpoint: WRITE. The receiver at the head of its queue gets the message
  (registers, state); with GRANT a capability lands in the receiver's receive slot (its CSpace
  root); a Call leaves its reply right with the receiver.
* Recv, NBRecv, ReplyRecv on an endpoint: READ. The thread's own registers and state, the sender at
  the head of the queue (its state), a capability into its own CSpace root when the sender had
  GRANT, its own bound notification when that is active.
* Reply: the reply right the thread holds (a kernel record, no capability): the caller's registers
  and state.
* Signal (Send on a notification): WRITE. The word, or the head waiter or the bound thread
  (registers, state, and the wait queue the bound thread leaves).
* Wait, Poll (Recv, NBRecv on a notification): READ. The word, the thread's own state.
* A fault: the fault endpoint capability in the thread's own CSpace root, which must have WRITE and
  GRANT or GRANT_REPLY; the handler gets the message as from a Call.
* Untyped Retype: the untyped capability (its watermark), new objects inside its region, their
  capabilities in empty slots of a CNode a root slot names.
* CNode Copy, Mint, Move, Mutate: the invoked CNode capability names the destination CNode; the
  source is a slot of a CNode a root slot names. Rights are only masked, badges set once.
* CNode Delete, Revoke: a slot of the invoked CNode, or (Revoke) the youngest child of one,
  wherever it is; deleting an object's final capability destroys the object and undoes what
  referred to it (wait queues, bindings, reply rights, the mapping the capability records).
* TCB Configure, SetPriority, Suspend, Resume, ReadRegisters, WriteRegisters, Bind and Unbind: the
  TCB capability; Configure's CSpace and VSpace are CNode and VSpace capabilities in root slots;
  BindNotification needs READ on the notification; SetPriority at most the caller's priority.
* IRQControl Issue: the IRQ control capability; the handler capability goes into a slot of a CNode
  a root slot names. IRQHandler Ack, Clear, SetNotification: the handler capability;
  SetNotification needs WRITE on the notification.
* Frame Map, PageTable Map: the frame or page-table capability (its mapping record) and a VSpace
  capability in a root slot, under which the entry is written; a frame's mapping has at most its
  capability's READ and WRITE. Unmap: the entry the capability records.

The state is split in three:

* *scheduler state*: the running thread, the ready queues and the time slices: any transition may
  change it (the scheduling invariants constrain it);
* *bookkeeping*: thread states, reply and fault records, wait queues, counters, the derivation
  tree's links and every ghost field: kept consistent with the rest by the invariants
  (``sym_refs``, ``refcounts_exact``, ``cdt_links``, ...), it carries no authority of its own;
* *protected state*: everything else (:data:`OBJECT_FIELDS`, :data:`SLOT_FIELDS`,
  :data:`LINE_FIELDS`): objects' existence, registers, CSpace and VSpace roots, fault endpoint,
  priority, notification words, translation entries, capabilities, interrupt lines. The two
  properties are about it.

**The properties**, for a step from ``s`` to ``s'`` with acting thread ``t``:

* ``confinement``: (``objects``) an object whose protected fields differ in ``s'`` is one ``t``
  reaches in ``s`` (:func:`reaches`; with no acting thread: the interrupted thread, whose
  registers are saved; for an interrupt also :func:`interrupt_reach`); (``entries``) a changed
  translation entry is in a table ``t`` reaches; (``slots``) a changed capability slot is one ``t``
  may change (:func:`reaches_slot`); (``lines``) a changed interrupt line is one ``t`` may change
  (:func:`reaches_line`; an interrupt: its own line); (``new_references``) a thread's new bound
  notification is named by a root slot with READ, a new CSpace root or VSpace by a root slot's CNode
  or VSpace capability; (``new_line_references``) a line's new notification is named by a root
  slot with WRITE. Without an acting thread nothing but the saved registers (and, for an
  interrupt, its line and notification) may change.
* ``integrity``: for every thread ``u`` of ``s``: (``roots``) ``u``'s CSpace root changes, or ``u``
  disappears, only when ``t`` has authority over ``u``'s CSpace (:func:`affects_cspace`), its VSpace
  root only with authority over its VSpace (:func:`affects_vspace`); (``cspace``) a capability in
  ``u``'s CSpace root changes only with authority over ``u``'s CSpace; (``vspace``) an entry of a
  table under ``u``'s VSpace (before or after) changes only with authority over ``u``'s VSpace.
  This is an unwinding condition in the style of Nickel's *local respect*: a step of ``t`` leaves
  every domain ``t`` may not write unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import z3

from mlk.abi.rights import Right
from mlk.proofs.access import (
    CNODE,
    EP,
    FRAME,
    IRQC,
    IRQH,
    NTFN,
    ON_RECV,
    PT,
    TCB,
    UNTYPED,
    VS,
    at,
    at2,
    cobj,
    ctype,
    in_wq,
    kind,
    occ,
    recorded,
)
from mlk.proofs.enc.base import REGS
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import (
    NONE,
    CArray,
    FnArray,
    RefSort,
    Val,
    and_,
    eq,
    implies,
    is_sym,
    ne,
    not_,
    or_,
    r_bit,
    ref_cn,
    select,
)

#: Transitions without an acting thread (see the module documentation).
NO_ACTOR = ("halted", "idle", "tick")
#: The transition that acts for an interrupt line.
INTERRUPT = "device_irq"

#: Protected fields of an object (see the module documentation).
OBJECT_FIELDS = ("kind", "ctx", "cspace", "vspace", "fault_ep", "prio", "word", "radix", "device")
#: Protected fields of a translation table's entries (two-level: table -> index -> value).
ENTRY_FIELDS = ("pte", "pter")
#: Protected fields of a capability slot: the capability itself.
SLOT_FIELDS = ("occ", "ctype", "cobj", "crights", "cbadge", "cmvs", "cmva", "csb", "cwm")
#: Protected fields of an interrupt line.
LINE_FIELDS = ("irqstate", "intfn", "ibadge", "imasked")

READ, WRITE, GRANT = int(Right.READ), int(Right.WRITE), int(Right.GRANT)
_RIGHT_BIT = {READ: 0, WRITE: 1, GRANT: 2}

#: A concrete evaluation's domains (:func:`mlk.proofs.concrete.domains`), ``None`` in Z3.
Dom = Mapping[str, Sequence[Val]] | None


def _bool(x: Val) -> Val:
    return x if is_sym(x) else z3.BoolVal(bool(x))


def some(dom: Dom, sort: str, fn: Callable[[Val], Val]) -> Val:
    """``exists x. fn(x)``: a Z3 ``Exists`` (``dom`` is ``None``), else a search of ``dom[sort]``
    (every point where ``fn`` can hold on the concrete state the domains describe)."""
    if dom is None:
        var = z3.FreshConst(RefSort if sort == "ref" else z3.IntSort(), "sec")
        return z3.Exists([var], _bool(fn(var)))
    return any(bool(fn(x)) for x in dom[sort])


#: Memoised results of the reach predicates on concrete states (cleared by :func:`broken`).
_MEMO: dict[tuple[Any, ...], Val] = {}


def memo(fn: Callable[..., Val]) -> Callable[..., Val]:
    """Memoise a predicate ``fn(dom, s, *args)`` on concrete states (the nested searches would
    otherwise be evaluated again for every point of every check); Z3 terms are built afresh."""

    def wrapped(dom: Dom, s: SymState, *args: Val) -> Val:
        if dom is None:
            return fn(dom, s, *args)
        key = (fn.__name__, id(s), *args)
        if key not in _MEMO:
            _MEMO[key] = fn(dom, s, *args)
        return _MEMO[key]

    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return wrapped


def then(dom: Dom, cond: Val, fn: Callable[[], Val]) -> Val:
    """``cond`` implies ``fn()``; on a concrete state ``fn`` is evaluated only where ``cond``
    holds (the reach predicates are the expensive part, and most points change nothing)."""
    if dom is not None and not cond:
        return True
    return implies(cond, fn())


def has_right(rights: Val, right: int) -> Val:
    """Whether ``right`` is among ``rights``."""
    return r_bit(rights, _RIGHT_BIT[right])


# -- what a thread reaches ----------------------------------------------------------------------


def root_slot(s: SymState, t: Val, r: Val) -> Val:
    """Slot ``r`` is an occupied slot of thread ``t``'s CSpace root."""
    c = at(s, "cspace", t)
    return and_(ne(c, NONE), eq(kind(s, c), CNODE), eq(ref_cn(r), c), occ(s, r))


def root_cap(dom: Dom, s: SymState, t: Val, pred: Callable[[Val], Val]) -> Val:
    """Some root slot of ``t`` holds a capability satisfying ``pred`` (a function of the slot)."""
    return some(dom, "ref", lambda r: and_(root_slot(s, t, r), pred(r)))


@memo
def cnode_of(dom: Dom, s: SymState, t: Val, c: Val) -> Val:
    """``c`` is one of the CNodes of ``t``: its CSpace root or a CNode a root slot names."""
    root = at(s, "cspace", t)
    named = root_cap(dom, s, t, lambda r: and_(eq(ctype(s, r), CNODE), eq(cobj(s, r), c)))
    return and_(ne(c, NONE), eq(kind(s, c), CNODE), or_(eq(c, root), named))


@memo
def controlled(dom: Dom, s: SymState, t: Val, x: Val) -> Val:
    """Slot ``x`` is in a CNode of ``t`` or descends from an occupied slot in one."""
    below = some(
        dom,
        "ref",
        lambda y: and_(occ(s, y), at2(s, "anc", x, y), cnode_of(dom, s, t, ref_cn(y))),
    )
    return or_(cnode_of(dom, s, t, ref_cn(x)), and_(occ(s, x), below))


def invocable(s: SymState, r: Val) -> Val:
    """The capability in ``r`` has the rights its kind needs to be used (see the module doc)."""
    k = ctype(s, r)
    rights = at(s, "crights", r)
    ipc = or_(eq(k, EP), eq(k, NTFN))
    return implies(ipc, or_(has_right(rights, READ), has_right(rights, WRITE)))


def object_cap(s: SymState, r: Val) -> Val:
    """The capability in ``r`` names an object (not untyped memory or an interrupt line)."""
    k = ctype(s, r)
    return and_(ne(k, UNTYPED), ne(k, IRQH), ne(k, IRQC))


def partner(s: SymState, o: Val, w: Val) -> Val:
    """Thread ``w`` waits in the queue of endpoint or notification ``o``, or is bound to ``o``."""
    return or_(in_wq(s, o, w), and_(eq(kind(s, o), NTFN), eq(at(s, "nbound", o), w)))


@memo
def under(dom: Dom, s: SymState, v: Val, w: Val) -> Val:
    """Table ``w`` is VSpace ``v`` or a table its entries lead to (at most three levels down)."""

    def entry_is(table: Val, target: Val) -> Val:
        return some(dom, "pidx", lambda i: eq(at2(s, "pte", table, i), target))

    def level2(t1: Val) -> Val:
        return some(dom, "pidx", lambda j: or_(eq(at2(s, "pte", t1, j), w), entry_is(at2(s, "pte", t1, j), w)))

    return or_(
        eq(v, w),
        some(dom, "pidx", lambda i: or_(eq(at2(s, "pte", v, i), w), level2(at2(s, "pte", v, i)))),
    )


@memo
def reaches(dom: Dom, s: SymState, t: Val, w: Val) -> Val:
    """Thread ``t`` may change the protected fields of object ``w`` (see the module doc): ``w`` is
    ``t`` itself, its CSpace root, its bound notification or the caller awaiting its reply; an
    object it reaches (:func:`invocable` root capability, or any controlled capability); a thread
    its messages or signals reach (queued on or bound to an endpoint or notification a root slot
    names with WRITE); a table under a VSpace it holds a capability to, or holding the entry a
    controlled capability's mapping records; or memory where no object lived (Retype)."""

    def own() -> Val:
        return or_(eq(w, t), eq(w, at(s, "cspace", t)), eq(w, at(s, "bound", t)), eq(w, at(s, "reply", t)))

    def invoked() -> Val:
        return root_cap(dom, s, t, lambda r: and_(eq(cobj(s, r), w), object_cap(s, r), invocable(s, r)))

    def deleted() -> Val:
        return some(
            dom, "ref", lambda x: and_(occ(s, x), object_cap(s, x), eq(cobj(s, x), w), controlled(dom, s, t, x))
        )

    def delivered() -> Val:
        return root_cap(
            dom,
            s,
            t,
            lambda r: and_(
                or_(eq(ctype(s, r), EP), eq(ctype(s, r), NTFN)),
                has_right(at(s, "crights", r), WRITE),
                partner(s, cobj(s, r), w),
            ),
        )

    def mapped_into() -> Val:
        return root_cap(dom, s, t, lambda r: and_(eq(ctype(s, r), VS), under(dom, s, cobj(s, r), w)))

    def records(x: Val) -> Val:
        found, table, _ = recorded(s, x)
        return and_(occ(s, x), or_(eq(ctype(s, x), FRAME), eq(ctype(s, x), PT)), found, eq(table, w))

    def unmapped() -> Val:
        return some(dom, "ref", lambda x: and_(records(x), controlled(dom, s, t, x)))

    def fresh() -> Val:
        return eq(kind(s, w), 0)

    return first(dom, fresh, own, invoked, delivered, deleted, mapped_into, unmapped)


@memo
def receives_grant(dom: Dom, s: SymState, t: Val, c: Val) -> Val:
    """CNode ``c`` is the CSpace root of a thread blocked receiving on an endpoint that a root
    slot of ``t`` names with WRITE and GRANT (a message may carry a capability into it)."""
    return root_cap(
        dom,
        s,
        t,
        lambda r: and_(
            eq(ctype(s, r), EP),
            has_right(at(s, "crights", r), WRITE),
            has_right(at(s, "crights", r), GRANT),
            some(dom, "obj", lambda u: and_(in_wq(s, cobj(s, r), u), eq(at(s, "cspace", u), c))),
        ),
    )


@memo
def reaches_slot(dom: Dom, s: SymState, t: Val, x: Val) -> Val:
    """Thread ``t`` may change the capability in slot ``x``: ``x`` is controlled by ``t``
    (:func:`controlled`), or in the CSpace root of a thread ``t``'s message may grant a
    capability to (:func:`receives_grant`)."""
    return or_(controlled(dom, s, t, x), receives_grant(dom, s, t, ref_cn(x)))


@memo
def reaches_line(dom: Dom, s: SymState, t: Val, line: Val) -> Val:
    """Thread ``t`` may change interrupt line ``line``: a root slot holds the IRQ control
    capability, or a controlled slot a handler capability for the line."""
    control = root_cap(dom, s, t, lambda r: eq(ctype(s, r), IRQC))
    handler = some(
        dom,
        "ref",
        lambda x: and_(occ(s, x), eq(ctype(s, x), IRQH), eq(cobj(s, x), line), controlled(dom, s, t, x)),
    )
    return or_(control, handler)


def interrupt_reach(s: SymState, line: Val, w: Val) -> Val:
    """What an interrupt on ``line`` may change: the line's notification and the threads queued
    on or bound to it."""
    n = at(s, "intfn", line)
    return and_(ne(n, NONE), or_(eq(w, n), partner(s, n, w)))


# -- the properties -----------------------------------------------------------------------------


def _changed(pre: SymState, post: SymState, names: Sequence[str], key: Val) -> Val:
    """Whether any of the fields ``names`` differs at ``key`` (memoised on concrete states)."""
    if is_sym(key) or any(is_sym(post.f[n]) for n in names):
        return or_(*(ne(select(post.f[n], key), select(pre.f[n], key)) for n in names))
    memo_key = ("changed", id(pre), id(post), names, key)
    if memo_key not in _MEMO:
        _MEMO[memo_key] = any(_differ(select(post.f[n], key), select(pre.f[n], key)) for n in names)
    return _MEMO[memo_key]


def _differ(a: Val, b: Val) -> bool:
    """Whether two concrete values differ; arrays (a thread's registers) by their values at the
    registers (:data:`mlk.proofs.enc.base.REGS`), the only points anything writes."""
    if isinstance(a, CArray | FnArray) or isinstance(b, CArray | FnArray):
        if a is b:
            return False
        return any(select(a, r) != select(b, r) for r in REGS)
    return bool(a != b)


def _entry_changed(pre: SymState, post: SymState, w: Val, i: Val) -> Val:
    """Whether the translation entry ``i`` of table ``w`` differs (memoised on concrete states)."""
    if is_sym(w) or is_sym(i) or is_sym(post.pte):
        return or_(*(ne(at2(post, n, w, i), at2(pre, n, w, i)) for n in ENTRY_FIELDS))
    memo_key = ("entry", id(pre), id(post), w, i)
    if memo_key not in _MEMO:
        _MEMO[memo_key] = any(at2(post, n, w, i) != at2(pre, n, w, i) for n in ENTRY_FIELDS)
    return _MEMO[memo_key]


def first(dom: Dom, *options: Callable[[], Val]) -> Val:
    """The disjunction of ``options`` (thunks); on a concrete state they are evaluated in order
    until one holds."""
    if dom is not None:
        return any(bool(o()) for o in options)
    return or_(*(o() for o in options))


@dataclass(frozen=True)
class Check:
    """One conjunct of a security property: ``forall vars. body(dom, pre, post, event, *vars)``,
    variables of the sorts ``sorts`` (those of :mod:`mlk.proofs.invariants`)."""

    name: str
    sorts: tuple[str, ...]
    body: Callable[..., Val]
    #: Optional, for concrete evaluation only: ``(k, holds)`` where ``holds(dom, pre, post, e,
    #: *first_k_vars)`` true means the body holds whatever the other variables are (so that they
    #: are not enumerated).
    shortcut: tuple[int, Callable[..., bool]] | None = None


@dataclass(frozen=True)
class Property:
    """A security property: a named conjunction of :class:`Check` s, stated for one transition."""

    name: str
    doc: str
    checks: Callable[[str], tuple[Check, ...]]


def actor_of(transition: str, pre: SymState) -> Val | None:
    """The acting thread of ``transition`` from ``pre`` (``None``: no acting thread)."""
    if transition in NO_ACTOR or transition == INTERRUPT:
        return None
    return pre.current


def _confinement(transition: str) -> tuple[Check, ...]:
    def obj_ok(dom: Dom, pre: SymState, post: SymState, e: Any, w: Val) -> Val:
        t = actor_of(transition, pre)

        def allowed() -> Val:
            if t is not None:
                return reaches(dom, pre, t, w)
            entry = eq(w, pre.current)
            return or_(entry, interrupt_reach(pre, e.irq, w)) if transition == INTERRUPT else entry

        return then(dom, _changed(pre, post, OBJECT_FIELDS, w), allowed)

    def entry_ok(dom: Dom, pre: SymState, post: SymState, e: Any, w: Val, i: Val) -> Val:
        t = actor_of(transition, pre)
        return then(dom, _entry_changed(pre, post, w, i), lambda: reaches(dom, pre, t, w) if t is not None else False)

    def slot_ok(dom: Dom, pre: SymState, post: SymState, e: Any, x: Val) -> Val:
        t = actor_of(transition, pre)
        return then(
            dom, _changed(pre, post, SLOT_FIELDS, x), lambda: reaches_slot(dom, pre, t, x) if t is not None else False
        )

    def line_ok(dom: Dom, pre: SymState, post: SymState, e: Any, line: Val) -> Val:
        t = actor_of(transition, pre)

        def allowed() -> Val:
            if t is not None:
                return reaches_line(dom, pre, t, line)
            return eq(line, e.irq) if transition == INTERRUPT else False

        return then(dom, _changed(pre, post, LINE_FIELDS, line), allowed)

    def new_refs(dom: Dom, pre: SymState, post: SymState, e: Any, w: Val, line: bool = False) -> Val:
        t = actor_of(transition, pre)

        def made(name: str) -> Val:
            value = at(post, name, w)
            return and_(ne(value, at(pre, name, w)), ne(value, NONE))

        def held(name: str, ct: int, right: int | None) -> Val:
            target = at(post, name, w)
            if t is None:
                return False
            return root_cap(
                dom,
                pre,
                t,
                lambda r: and_(
                    eq(ctype(pre, r), ct),
                    eq(cobj(pre, r), target),
                    has_right(at(pre, "crights", r), right) if right is not None else True,
                ),
            )

        if line:
            return then(dom, made("intfn"), lambda: held("intfn", NTFN, WRITE))
        return and_(
            then(dom, made("bound"), lambda: held("bound", NTFN, READ)),
            then(dom, made("cspace"), lambda: held("cspace", CNODE, None)),
            then(dom, made("vspace"), lambda: held("vspace", VS, None)),
        )

    return (
        Check("objects", ("obj",), obj_ok),
        Check("entries", ("obj", "pidx"), entry_ok),
        Check("slots", ("ref",), slot_ok),
        Check("lines", ("line",), line_ok),
        Check("new_references", ("obj",), new_refs),
        Check("new_line_references", ("line",), partial(new_refs, line=True)),
    )


@memo
def affects_cspace(dom: Dom, s: SymState, t: Val, u: Val) -> Val:
    """Thread ``t`` has write or grant authority over thread ``u``'s CSpace: ``u`` is ``t`` or
    shares its CSpace root; a controlled slot holds a capability to ``u`` (a TCB: Configure) or to
    ``u``'s CSpace root (a CNode); a slot of ``u``'s CSpace root is controlled (it descends from a
    slot in a CNode of ``t``: Revoke); or a thread with ``u``'s CSpace root (``u`` or one sharing
    it) is blocked receiving on an endpoint a root slot of ``t`` names with WRITE and GRANT (a
    message may carry a capability into that root)."""
    cs = at(s, "cspace", u)

    def names(x: Val) -> Val:
        k, o = ctype(s, x), cobj(s, x)
        return and_(occ(s, x), or_(and_(eq(k, TCB), eq(o, u)), and_(eq(k, CNODE), eq(o, cs))))

    def held() -> Val:
        return some(dom, "ref", lambda x: and_(names(x), controlled(dom, s, t, x)))

    def revoked() -> Val:
        return some(dom, "ref", lambda x: and_(occ(s, x), eq(ref_cn(x), cs), controlled(dom, s, t, x)))

    def granted() -> Val:
        def receiver(v: Val) -> Val:
            ep = at(s, "tobj", v)
            return and_(
                eq(kind(s, v), TCB),
                eq(at(s, "tstate", v), ON_RECV),
                eq(at(s, "cspace", v), cs),
                root_cap(
                    dom,
                    s,
                    t,
                    lambda r: and_(
                        eq(ctype(s, r), EP),
                        eq(cobj(s, r), ep),
                        has_right(at(s, "crights", r), WRITE),
                        has_right(at(s, "crights", r), GRANT),
                    ),
                ),
            )

        return some(dom, "obj", receiver)

    def shared() -> Val:
        return or_(eq(u, t), and_(eq(cs, at(s, "cspace", t)), ne(cs, NONE)))

    return first(dom, shared, held, revoked, granted)


@memo
def affects_vspace(dom: Dom, s: SymState, t: Val, u: Val) -> Val:
    """Thread ``t`` has write authority over thread ``u``'s VSpace: ``u`` is ``t``, or a
    controlled slot holds a capability to ``u`` (a TCB: Configure), to ``u``'s VSpace (Map), or to
    a frame or page table mapped in ``u``'s VSpace (Unmap, Delete)."""
    vs = at(s, "vspace", u)

    def names(x: Val) -> Val:
        k, o = ctype(s, x), cobj(s, x)
        mapped_in = and_(or_(eq(k, FRAME), eq(k, PT)), eq(at(s, "cmvs", x), vs), ne(vs, NONE))
        return and_(occ(s, x), or_(and_(eq(k, TCB), eq(o, u)), and_(eq(k, VS), eq(o, vs)), mapped_in))

    return first(dom, lambda: eq(u, t), lambda: some(dom, "ref", lambda x: and_(names(x), controlled(dom, s, t, x))))


def _integrity(transition: str) -> tuple[Check, ...]:
    def free(dom: Dom, pre: SymState, u: Val, authority: Callable[..., Val]) -> Val:
        """``u`` is a thread the acting thread has no such authority over."""
        t = actor_of(transition, pre)
        mine = False if t is None else authority(dom, pre, t, u)
        return and_(eq(kind(pre, u), TCB), not_(mine))

    def roots(dom: Dom, pre: SymState, post: SymState, e: Any, u: Val) -> Val:
        thread = eq(kind(pre, u), TCB)
        kept = eq(kind(post, u), TCB)
        same_cs = and_(kept, eq(at(post, "cspace", u), at(pre, "cspace", u)))
        same_vs = and_(kept, eq(at(post, "vspace", u), at(pre, "vspace", u)))
        return and_(
            then(dom, and_(thread, not_(same_cs)), lambda: not_(free(dom, pre, u, affects_cspace))),
            then(dom, and_(thread, not_(same_vs)), lambda: not_(free(dom, pre, u, affects_vspace))),
        )

    def cspace(dom: Dom, pre: SymState, post: SymState, e: Any, u: Val, x: Val) -> Val:
        mine = and_(eq(ref_cn(x), at(pre, "cspace", u)), ne(ref_cn(x), NONE))
        return then(
            dom,
            and_(mine, _changed(pre, post, SLOT_FIELDS, x)),
            lambda: not_(free(dom, pre, u, affects_cspace)),
        )

    def vspace(dom: Dom, pre: SymState, post: SymState, e: Any, u: Val, w: Val, i: Val) -> Val:
        v = at(pre, "vspace", u)
        return then(
            dom,
            and_(ne(v, NONE), _entry_changed(pre, post, w, i)),
            lambda: implies(
                or_(under(dom, pre, v, w), under(dom, post, v, w)), not_(free(dom, pre, u, affects_vspace))
            ),
        )

    return (
        Check("roots", ("live",), roots),
        Check("cspace", ("live", "ref"), cspace),
        Check(
            "vspace",
            ("obj", "pidx", "live"),
            lambda dom, pre, post, e, w, i, u: vspace(dom, pre, post, e, u, w, i),
            (2, lambda dom, pre, post, e, w, i: not _entry_changed(pre, post, w, i)),
        ),
    )


CONFINEMENT = Property(
    "confinement",
    "a transition changes only the protected state its acting thread reaches, with the rights "
    "each change needs (plus scheduler state and bookkeeping); new references need those rights",
    _confinement,
)
INTEGRITY = Property(
    "integrity",
    "the CSpace and VSpace of every thread the acting thread has no write or grant authority over are unchanged",
    _integrity,
)

#: The security properties encoded here (``rights_never_grow`` is the invariant family of that
#: name, listed among the security obligations by :mod:`mlk.proofs.catalogue`).
PROPERTIES: tuple[Property, ...] = (CONFINEMENT, INTEGRITY)


def by_name(name: str) -> Property:
    """The property called ``name``."""
    for p in PROPERTIES:
        if p.name == name:
            return p
    raise KeyError(name)


def broken(
    prop: Property, transition: str, dom: Mapping[str, Sequence[Val]], pre: SymState, post: SymState, e: Any
) -> list[tuple[str, tuple[Val, ...]]]:
    """The checks of ``prop`` a concrete step breaks, each with its first failing point."""
    import itertools  # noqa: PLC0415

    out = []
    _MEMO.clear()
    for c in prop.checks(transition):
        k, trivial = c.shortcut or (0, lambda *_: False)
        for head in itertools.product(*(dom[sort] for sort in c.sorts[:k])):
            if trivial(dom, pre, post, e, *head):
                continue
            bad = next(
                (
                    xs
                    for rest in itertools.product(*(dom[sort] for sort in c.sorts[k:]))
                    if not c.body(dom, pre, post, e, *(xs := (*head, *rest)))
                ),
                None,
            )
            if bad is not None:
                out.append((c.name, tuple(bad)))
                break
    return out
