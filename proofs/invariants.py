"""The invariants, over the encoded state: one family per invariant of :mod:`mlk.model.invariants`.

Each :class:`Invariant` has the name of the spec invariant it states and is a conjunction of
named :class:`Conjunct` s. A conjunct is ``forall x1..xn. body(s, x1..xn)`` where each variable has
a *sort*: ``obj`` (an integer: object id, priority, line, index...) or ``ref`` (a slot reference).
As a hypothesis it is asserted with its quantifier; as a goal its variables become fresh witness
constants, so that a counterexample names the conjunct that broke and where.

Agreement with the spec. Every family evaluates, on every concrete state :func:`abstract` makes of
a spec state, to what the spec's invariant of the same name says; the differential test checks
that on reachable and on corrupted states (``tests/proofs/test_invariants.py``). The ghost fields
of the encoding (:mod:`mlk.proofs.symstate`) turn the spec's global checks into local ones: a
queue's "no duplicates" is "every entry's recorded position is its position"; a counter's
exactness is a numbering of the counted things 0..n-1; acyclicity of the derivation tree is a
depth that decreases towards the root; "descends from" is the ancestor relation, defined by one
step of the parent function. Conjuncts that only say how a ghost relates to the spec's state hold
of every abstracted state, so they do not change what a family says there.

Families in :data:`AUX` are not spec invariants: they are facts about reachable states that the
proofs need because the spec's invariants alone are not inductive (each says why). They are proved
like the others (boot, and preserved by every transition), and hold on every reachable state.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import z3

from mlk.abi.objects import (
    NUM_PRIORITIES,
    PT_INDEX_BITS,
    TIME_SLICE_TICKS,
    UNTYPED_MAX_BITS,
    UNTYPED_MIN_BITS,
    EndpointState,
    IrqState,
    NotificationState,
)
from mlk.abi.rights import Right
from mlk.abi.syscalls import CONTEXT_REGS
from mlk.model import vm
from mlk.proofs.access import (
    CNODE,
    EP,
    FRAME,
    IDLE_STATE,
    IRQC,
    IRQH,
    MAX_RADIX,
    NTFN,
    ON_NTFN,
    ON_RECV,
    ON_REPLY,
    ON_SEND,
    PT,
    RUNNING,
    TCB,
    UNTYPED,
    VS,
    at,
    at2,
    cobj,
    ctype,
    has_parent,
    has_region,
    in_wq,
    is_original,
    is_table,
    is_tcb,
    kind,
    live,
    mapped,
    obj_aligned,
    obj_size,
    obj_size_formula,
    occ,
    overlaps,
    parent,
    recorded,
    region_end,
    same_target,
    tstate,
    untyped_end,
    user_tcb,
    walk,
    word,
)
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import (
    NONE,
    RefSort,
    Val,
    and_,
    between,
    eq,
    implies,
    ite,
    ne,
    no_ref,
    not_,
    or_,
    pow2,
    r_and,
    r_bit,
    r_ok,
    r_subset,
    ref_cn,
    ref_ix,
)

#: The sort of slot-reference variables; every other sort is an integer. The integer sorts differ
#: only in where the concrete evaluator looks (:func:`mlk.proofs.concrete.domains`): ``live``
#: object ids (the variable is guarded by a kind test), ``obj`` any object reference, ``prio``
#: priorities, ``line`` interrupt lines, ``idx`` queue and counter positions, ``reg`` register
#: numbers, ``pidx`` translation-table indices.
REF = "ref"


@dataclass(frozen=True)
class Conjunct:
    """``forall vars. body(s, *vars)``; ``sorts`` gives each variable's sort. ``trigger`` gives
    the terms whose occurrence makes the solver instantiate the hypothesis (:meth:`patterns`):
    a fact about an object is wanted where that object's fields are talked about, not wherever any
    object is; and recursive definitions must not instantiate themselves forever."""

    name: str
    sorts: tuple[str, ...]
    body: Callable[..., Val]
    trigger: Callable[..., list[Val]] | None = None

    def patterns(self, s: SymState, xs: list[Val]) -> list[Val]:
        """The instantiation patterns: each a term, or a list of terms that must all occur."""
        assert self.trigger is not None
        return [z3.MultiPattern(*p) if isinstance(p, list | tuple) else p for p in self.trigger(s, *xs)]

    @property
    def arity(self) -> int:
        """The number of quantified variables."""
        return len(self.sorts)

    def variables(self, tag: str) -> list[Val]:
        """Fresh Z3 constants for the variables, named after ``tag``."""
        return [
            z3.Const(f"{tag}.{self.name}.{k}", RefSort if sort == REF else z3.IntSort())
            for k, sort in enumerate(self.sorts)
        ]

    def assume(self, s: SymState) -> Val:
        """The conjunct as a hypothesis about ``s`` (with its quantifier)."""
        if not self.sorts:
            return self.body(s)
        xs = self.variables("q")
        if self.trigger is None:
            return z3.ForAll(xs, self.body(s, *xs), qid=self.name)
        return z3.ForAll(xs, self.body(s, *xs), qid=self.name, patterns=self.patterns(s, xs))

    def instance(self, s: SymState, tag: str) -> tuple[Val, list[Val]]:
        """The conjunct at fresh witnesses (named after ``tag``), and the witnesses."""
        xs = self.variables(tag)
        return self.body(s, *xs), xs

    def holds(self, s: SymState, domains: Mapping[str, Sequence[Val]]) -> bool:
        """Evaluate on a concrete state, the variables ranging over ``domains``."""
        return all(self.body(s, *xs) for xs in itertools.product(*(domains[sort] for sort in self.sorts)))


@dataclass(frozen=True)
class Invariant:
    """A named family of conjuncts."""

    name: str
    doc: str
    conjuncts: tuple[Conjunct, ...]

    def assume(self, s: SymState) -> list[Val]:
        """All conjuncts as hypotheses."""
        return [c.assume(s) for c in self.conjuncts]

    def conjunct(self, name: str) -> Conjunct:
        """The conjunct called ``name``."""
        return next(c for c in self.conjuncts if c.name == name)

    def holds(self, s: SymState, domains: Mapping[str, Sequence[Val]]) -> bool:
        """Evaluate on a concrete state (see :meth:`Conjunct.holds`)."""
        return all(c.holds(s, domains) for c in self.conjuncts)

    def broken(self, s: SymState, domains: Mapping[str, Sequence[Val]]) -> list[str]:
        """The conjuncts a concrete state breaks."""
        return [c.name for c in self.conjuncts if not c.holds(s, domains)]


def _c(name: str, sorts: str, body: Callable[..., Val], trigger: Callable[..., list[Val]] | None = None) -> Conjunct:
    return Conjunct(name, tuple(sorts.split()) if sorts else (), body, trigger)


# -- valid_objs ---------------------------------------------------------------------------------


def _wait_object(s: SymState, o: Val) -> Val:
    return or_(eq(kind(s, o), EP), eq(kind(s, o), NTFN))


VALID_OBJS = Invariant(
    "valid_objs",
    "objects are well formed: registers, priority, time slice, words; queue shapes; radix; indices",
    (
        _c("no_object_at_none", "", lambda s: eq(kind(s, NONE), 0)),
        _c(
            "tcb_registers",
            "live reg",
            lambda s, t, r: implies(and_(is_tcb(s, t), between(0, r, CONTEXT_REGS)), word(at2(s, "ctx", t, r))),
        ),
        _c(
            "tcb_priority_slice",
            "live",
            lambda s, t: implies(
                is_tcb(s, t),
                and_(between(0, at(s, "prio", t), NUM_PRIORITIES), between(1, at(s, "slice", t), TIME_SLICE_TICKS + 1)),
            ),
        ),
        _c(
            "tcb_words",
            "live",
            lambda s, t: implies(
                is_tcb(s, t),
                and_(
                    word(at(s, "tbadge", t)),
                    implies(at(s, "fhas", t), and_(word(at(s, "fa", t)), word(at(s, "fb", t)), word(at(s, "fpc", t)))),
                ),
            ),
        ),
        _c(
            "endpoint_shape",
            "live",
            lambda s, e: implies(
                eq(kind(s, e), EP),
                and_(
                    at(s, "wlen", e) >= 0,
                    between(0, at(s, "epstate", e), 3),
                    eq(eq(at(s, "epstate", e), int(EndpointState.IDLE)), eq(at(s, "wlen", e), 0)),
                ),
            ),
        ),
        _c(
            "notification_shape",
            "live",
            lambda s, n: implies(
                eq(kind(s, n), NTFN),
                and_(
                    at(s, "wlen", n) >= 0,
                    between(0, at(s, "nstate", n), 3),
                    eq(eq(at(s, "nstate", n), int(NotificationState.WAITING)), at(s, "wlen", n) > 0),
                    implies(ne(at(s, "nstate", n), int(NotificationState.ACTIVE)), eq(at(s, "word", n), 0)),
                    word(at(s, "word", n)),
                ),
            ),
        ),
        _c(
            "queue_entries",
            "live idx",
            lambda s, o, i: implies(
                and_(_wait_object(s, o), between(0, i, at(s, "wlen", o))),
                and_(
                    is_tcb(s, at2(s, "wat", o, i)),
                    ne(at2(s, "wat", o, i), s.idle),
                    eq(at2(s, "wpos", o, at2(s, "wat", o, i)), i),
                ),
            ),
        ),
        _c(
            "queue_positions",
            "live obj",
            lambda s, o, t: implies(
                and_(_wait_object(s, o), at2(s, "wpos", o, t) >= 0),
                and_(at2(s, "wpos", o, t) < at(s, "wlen", o), eq(at2(s, "wat", o, at2(s, "wpos", o, t)), t)),
            ),
        ),
        _c(
            "cnode_radix",
            "live",
            lambda s, c: implies(
                eq(kind(s, c), CNODE),
                and_(
                    between(1, at(s, "radix", c), MAX_RADIX + 1),
                    eq(at(s, "nslots", c), pow2(at(s, "radix", c), 1, MAX_RADIX)),
                ),
            ),
        ),
        _c("object_size", "live", lambda s, o: implies(live(s, o), eq(at(s, "osize", o), obj_size_formula(s, o)))),
        _c(
            "table_indices",
            "live pidx",
            lambda s, t, i: implies(
                and_(is_table(s, t), ne(at2(s, "pte", t, i), NONE)), between(0, i, 1 << PT_INDEX_BITS)
            ),
        ),
        _c(
            "device_frames",
            "live",
            lambda s, f: implies(and_(eq(kind(s, f), FRAME), at(s, "device", f)), eq(f, s.console)),
        ),
    ),
)

# -- valid_caps ---------------------------------------------------------------------------------


def _cap_target_ok(s: SymState, r: Val) -> Val:
    t = ctype(s, r)
    o = cobj(s, r)
    untyped = and_(
        between(UNTYPED_MIN_BITS, at(s, "csb", r), UNTYPED_MAX_BITS + 1),
        at(s, "cwm", r) >= 0,
        at(s, "cwm", r) <= at(s, "usize", r),
        eq(at(s, "usize", r), pow2(at(s, "csb", r), UNTYPED_MIN_BITS, UNTYPED_MAX_BITS)),
    )
    other = and_(live(s, o), eq(kind(s, o), t))
    return ite(eq(t, UNTYPED), untyped, ite(eq(t, IRQH), between(0, o, s.lines), ite(eq(t, IRQC), eq(o, 0), other)))


VALID_CAPS = Invariant(
    "valid_caps",
    "capabilities designate live things of their kind, have valid rights and badges, sit in CNodes",
    (
        _c("no_slot_at_none", "", lambda s: not_(occ(s, no_ref(s.current)))),
        _c(
            "slot_in_cnode",
            "ref",
            lambda s, r: implies(
                occ(s, r),
                and_(
                    eq(kind(s, ref_cn(r)), CNODE),
                    ref_ix(r) >= 0,
                    ref_ix(r) < at(s, "nslots", ref_cn(r)),
                ),
            ),
        ),
        _c(
            "rights_badge",
            "ref",
            lambda s, r: implies(occ(s, r), and_(r_ok(at(s, "crights", r)), word(at(s, "cbadge", r)))),
        ),
        _c("target", "ref", lambda s, r: implies(occ(s, r), _cap_target_ok(s, r))),
    ),
)

# -- valid_tcb_state ----------------------------------------------------------------------------


def _tcb_state_ok(s: SymState, t: Val) -> Val:
    st = tstate(s, t)
    target = at(s, "tobj", t)
    return and_(
        implies(or_(eq(st, ON_SEND), eq(st, ON_RECV)), eq(kind(s, target), EP)),
        implies(eq(st, ON_NTFN), eq(kind(s, target), NTFN)),
        implies(and_(eq(st, ON_REPLY), ne(target, NONE)), is_tcb(s, target)),
        ne(st, IDLE_STATE),
        implies(ne(at(s, "cspace", t), NONE), eq(kind(s, at(s, "cspace", t)), CNODE)),
        implies(ne(at(s, "vspace", t), NONE), eq(kind(s, at(s, "vspace", t)), VS)),
        implies(ne(at(s, "bound", t), NONE), eq(kind(s, at(s, "bound", t)), NTFN)),
        implies(at(s, "fhas", t), or_(and_(eq(st, ON_SEND), at(s, "tcall", t)), eq(st, ON_REPLY))),
    )


VALID_TCB_STATE = Invariant(
    "valid_tcb_state",
    "a thread's state, CSpace, VSpace, binding and pending fault refer to live objects of the right kind",
    (_c("refs", "live", lambda s, t: implies(user_tcb(s, t), _tcb_state_ok(s, t))),),
)

# -- pspace -------------------------------------------------------------------------------------

PSPACE_ALIGNED = Invariant(
    "pspace_aligned",
    "every object is aligned to its size",
    (_c("aligned", "live", lambda s, o: implies(live(s, o), obj_aligned(s, o))),),
)

PSPACE_DISTINCT = Invariant(
    "pspace_distinct",
    "every object occupies memory and no two objects overlap",
    (
        # the spec's objects are instances of its object classes, each of which has a size of at
        # least one byte; without this a live object of no object type could have size 0 and so
        # lie anywhere, even where Retype carves
        _c("occupies", "live", lambda s, o: implies(live(s, o), at(s, "osize", o) >= 1)),
        _c(
            "disjoint",
            "live live",
            lambda s, a, b: implies(
                and_(live(s, a), live(s, b), ne(a, b)),
                or_(a + obj_size(s, a) <= b, b + obj_size(s, b) <= a),
            ),
        ),
    ),
)

# -- sym_refs -----------------------------------------------------------------------------------


def _queue_back(s: SymState, o: Val, i: Val) -> Val:
    t = at2(s, "wat", o, i)
    ep_kind = ite(eq(at(s, "epstate", o), int(EndpointState.SENDING)), ON_SEND, ON_RECV)
    want = ite(eq(kind(s, o), EP), ep_kind, ON_NTFN)
    return and_(is_tcb(s, t), eq(tstate(s, t), want), eq(at(s, "tobj", t), o))


SYM_REFS = Invariant(
    "sym_refs",
    "references agree both ways: queues and blocked threads, bindings, reply rights and callers",
    (
        _c(
            "blocked_on_endpoint",
            "live",
            lambda s, t: implies(
                and_(user_tcb(s, t), or_(eq(tstate(s, t), ON_SEND), eq(tstate(s, t), ON_RECV))),
                and_(
                    eq(kind(s, at(s, "tobj", t)), EP),
                    eq(
                        at(s, "epstate", at(s, "tobj", t)),
                        ite(eq(tstate(s, t), ON_SEND), int(EndpointState.SENDING), int(EndpointState.RECEIVING)),
                    ),
                    in_wq(s, at(s, "tobj", t), t),
                ),
            ),
        ),
        _c(
            "blocked_on_notification",
            "live",
            lambda s, t: implies(
                and_(user_tcb(s, t), eq(tstate(s, t), ON_NTFN)),
                and_(eq(kind(s, at(s, "tobj", t)), NTFN), in_wq(s, at(s, "tobj", t), t)),
            ),
        ),
        _c(
            "bound_back",
            "live",
            lambda s, t: implies(
                and_(user_tcb(s, t), ne(at(s, "bound", t), NONE)),
                and_(eq(kind(s, at(s, "bound", t)), NTFN), eq(at(s, "nbound", at(s, "bound", t)), t)),
            ),
        ),
        _c(
            "replier_back",
            "live",
            lambda s, t: implies(
                and_(user_tcb(s, t), eq(tstate(s, t), ON_REPLY), ne(at(s, "tobj", t), NONE)),
                and_(is_tcb(s, at(s, "tobj", t)), eq(at(s, "reply", at(s, "tobj", t)), t)),
            ),
        ),
        _c(
            "caller_back",
            "live",
            lambda s, t: implies(
                and_(user_tcb(s, t), ne(at(s, "reply", t), NONE)),
                and_(
                    is_tcb(s, at(s, "reply", t)),
                    eq(tstate(s, at(s, "reply", t)), ON_REPLY),
                    eq(at(s, "tobj", at(s, "reply", t)), t),
                ),
            ),
        ),
        _c(
            "queued_back",
            "live idx",
            lambda s, o, i: implies(and_(_wait_object(s, o), between(0, i, at(s, "wlen", o))), _queue_back(s, o, i)),
        ),
        _c(
            "notification_bound_back",
            "live",
            lambda s, n: implies(
                and_(eq(kind(s, n), NTFN), ne(at(s, "nbound", n), NONE)),
                and_(is_tcb(s, at(s, "nbound", n)), eq(at(s, "bound", at(s, "nbound", n)), n)),
            ),
        ),
    ),
)

# -- refcounts_exact ----------------------------------------------------------------------------


def _tref_rank(field: str, rank: str, flag: int) -> Callable[[SymState, Val], Val]:
    def body(s: SymState, t: Val) -> Val:
        o = at(s, field, t)
        counted = and_(user_tcb(s, t), ne(o, NONE), or_(eq(kind(s, o), CNODE), eq(kind(s, o), VS)))
        k = at(s, rank, t)
        return implies(
            counted, and_(between(0, k, at(s, "trefs", o)), eq(at2(s, "tat", o, k), t), eq(at2(s, "tatf", o, k), flag))
        )

    return body


def _tref_at(s: SymState, o: Val, k: Val) -> Val:
    t = at2(s, "tat", o, k)
    f = at2(s, "tatf", o, k)
    return implies(
        and_(or_(eq(kind(s, o), CNODE), eq(kind(s, o), VS)), between(0, k, at(s, "trefs", o))),
        and_(
            user_tcb(s, t),
            or_(
                and_(eq(f, 0), eq(at(s, "cspace", t), o), eq(at(s, "trank_c", t), k)),
                and_(eq(f, 1), eq(at(s, "vspace", t), o), eq(at(s, "trank_v", t), k)),
            ),
        ),
    )


REFCOUNTS_EXACT = Invariant(
    "refcounts_exact",
    "used, tcb_refs and irq_refs count exactly (each counted thing numbered 0..n-1)",
    (
        _c(
            "used_numbered",
            "ref",
            lambda s, r: implies(
                and_(occ(s, r), eq(kind(s, ref_cn(r)), CNODE)),
                and_(
                    between(0, at(s, "srank", r), at(s, "used", ref_cn(r))),
                    eq(at2(s, "sat", ref_cn(r), at(s, "srank", r)), r),
                ),
            ),
        ),
        _c(
            "used_listed",
            "live idx",
            lambda s, c, k: implies(
                and_(eq(kind(s, c), CNODE), between(0, k, at(s, "used", c))),
                and_(
                    occ(s, at2(s, "sat", c, k)),
                    eq(ref_cn(at2(s, "sat", c, k)), c),
                    eq(at(s, "srank", at2(s, "sat", c, k)), k),
                ),
            ),
        ),
        _c("used_nonneg", "live", lambda s, c: implies(eq(kind(s, c), CNODE), at(s, "used", c) >= 0)),
        _c("cspace_user_numbered", "live", _tref_rank("cspace", "trank_c", 0)),
        _c("vspace_user_numbered", "live", _tref_rank("vspace", "trank_v", 1)),
        _c("users_listed", "live idx", _tref_at),
        _c(
            "users_nonneg",
            "live",
            lambda s, o: implies(or_(eq(kind(s, o), CNODE), eq(kind(s, o), VS)), at(s, "trefs", o) >= 0),
        ),
        _c(
            "lines_numbered",
            "line",
            lambda s, line: implies(
                and_(
                    ne(at(s, "irqstate", line), NONE),
                    ne(at(s, "intfn", line), NONE),
                    eq(kind(s, at(s, "intfn", line)), NTFN),
                ),
                and_(
                    between(0, at(s, "irank", line), at(s, "irq_refs", at(s, "intfn", line))),
                    eq(at2(s, "iat", at(s, "intfn", line), at(s, "irank", line)), line),
                ),
            ),
        ),
        _c(
            "lines_listed",
            "live idx",
            lambda s, n, k: implies(
                and_(eq(kind(s, n), NTFN), between(0, k, at(s, "irq_refs", n))),
                and_(
                    ne(at(s, "irqstate", at2(s, "iat", n, k)), NONE),
                    eq(at(s, "intfn", at2(s, "iat", n, k)), n),
                    eq(at(s, "irank", at2(s, "iat", n, k)), k),
                ),
            ),
        ),
        _c("lines_nonneg", "live", lambda s, n: implies(eq(kind(s, n), NTFN), at(s, "irq_refs", n) >= 0)),
    ),
)

# -- if_live_then_nonz_cap ----------------------------------------------------------------------


def _counted_cap(s: SymState, r: Val) -> Val:
    t = ctype(s, r)
    return and_(occ(s, r), ne(t, UNTYPED), ne(t, IRQH), ne(t, IRQC))


IF_LIVE_THEN_NONZ_CAP = Invariant(
    "if_live_then_nonz_cap",
    "every live object but the idle thread has exactly one original capability; originals name live objects",
    (
        _c(
            "parent_present",
            "ref",
            lambda s, r: implies(and_(_counted_cap(s, r), has_parent(s, r)), occ(s, parent(s, r))),
        ),
        _c(
            "live_has_original",
            "live",
            lambda s, o: implies(
                and_(live(s, o), ne(o, s.idle)),
                and_(
                    occ(s, at(s, "orig", o)),
                    is_original(s, at(s, "orig", o)),
                    eq(cobj(s, at(s, "orig", o)), o),
                ),
            ),
        ),
        _c(
            "original_unique_and_live",
            "ref",
            lambda s, r: implies(
                and_(occ(s, r), is_original(s, r)),
                and_(live(s, cobj(s, r)), implies(ne(cobj(s, r), s.idle), eq(at(s, "orig", cobj(s, r)), r))),
            ),
        ),
    ),
)

# -- the derivation tree ------------------------------------------------------------------------

CDT_LINKS = Invariant(
    "cdt_links",
    "a slot's parent lists it among its children, once; every listed child names its parent",
    (
        _c(
            "listed_by_parent",
            "ref",
            lambda s, r: implies(
                and_(occ(s, r), has_parent(s, r)),
                and_(
                    occ(s, parent(s, r)),
                    between(0, at(s, "cpos", r), at(s, "nchild", parent(s, r))),
                    eq(at2(s, "childat", parent(s, r), at(s, "cpos", r)), r),
                ),
            ),
        ),
        _c(
            "children_name_parent",
            "ref idx",
            lambda s, r, i: implies(
                and_(occ(s, r), between(0, i, at(s, "nchild", r))),
                and_(
                    occ(s, at2(s, "childat", r, i)),
                    eq(parent(s, at2(s, "childat", r, i)), r),
                    eq(at(s, "cpos", at2(s, "childat", r, i)), i),
                ),
            ),
        ),
        _c("children_nonneg", "ref", lambda s, r: implies(occ(s, r), at(s, "nchild", r) >= 0)),
    ),
)

NO_MLOOP = Invariant(
    "no_mloop",
    "the derivation tree has no cycle: depth decreases towards the root",
    (
        _c(
            "depth_decreases",
            "ref",
            lambda s, r: implies(
                and_(occ(s, r), has_parent(s, r), occ(s, parent(s, r))),
                at(s, "depth", parent(s, r)) < at(s, "depth", r),
            ),
        ),
    ),
)


def _child_within(s: SymState, r: Val) -> Val:
    p = parent(s, r)
    untyped_child = and_(
        eq(ctype(s, p), UNTYPED),
        has_region(s, r),
        cobj(s, p) <= cobj(s, r),
        region_end(s, r) <= cobj(s, p) + at(s, "cwm", p),
    )
    irq = eq(ctype(s, p), IRQC)
    return and_(
        occ(s, p),
        or_(same_target(s, p, r), and_(irq, eq(ctype(s, r), IRQH)), and_(not_(irq), untyped_child)),
    )


DESCENDANTS_INC = Invariant(
    "descendants_inc",
    "a child designates part of its parent: a copy, memory below an untyped's watermark, an IRQ line",
    (_c("child_within_parent", "ref", lambda s, r: implies(and_(occ(s, r), has_parent(s, r)), _child_within(s, r))),),
)


def _object_cap(s: SymState, r: Val) -> Val:
    return and_(occ(s, r), has_region(s, r), ne(ctype(s, r), UNTYPED))


def _object_in_untyped(s: SymState, r: Val, u: Val) -> Val:
    lo, hi = cobj(s, r), region_end(s, r)
    overlapping = and_(
        _object_cap(s, r), occ(s, u), eq(ctype(s, u), UNTYPED), overlaps(lo, hi, cobj(s, u), untyped_end(s, u))
    )
    below = and_(cobj(s, u) <= lo, hi <= cobj(s, u) + at(s, "cwm", u))
    return implies(overlapping, and_(below, at2(s, "anc", r, u)))


UNTYPED_MDB = Invariant(
    "untyped_mdb",
    "an object's capability with a parent descends from an untyped; an object capability overlapping "
    "an untyped region descends from it and lies below its watermark",
    (
        _c("objects_below_watermark", "ref ref", _object_in_untyped),
        _c(
            "parent_untyped_or_copy",
            "ref",
            lambda s, r: implies(
                and_(_object_cap(s, r), has_parent(s, r)),
                and_(occ(s, parent(s, r)), or_(same_target(s, parent(s, r), r), eq(ctype(s, parent(s, r)), UNTYPED))),
            ),
        ),
    ),
)


def _anc_def(s: SymState, x: Val, y: Val) -> Val:
    p = parent(s, x)
    one_step = and_(has_parent(s, x), or_(eq(p, y), at2(s, "anc", p, y)))
    return implies(occ(s, x), eq(at2(s, "anc", x, y), one_step))


def _untyped_pair(s: SymState, a: Val, b: Val) -> Val:
    a_lo, a_hi, b_lo, b_hi = cobj(s, a), untyped_end(s, a), cobj(s, b), untyped_end(s, b)
    both = and_(occ(s, a), occ(s, b), ne(a, b), eq(ctype(s, a), UNTYPED), eq(ctype(s, b), UNTYPED))
    b_in_a = and_(a_lo <= b_lo, b_hi <= a_lo + at(s, "cwm", a), at2(s, "anc", b, a))
    a_in_b = and_(b_lo <= a_lo, a_hi <= b_lo + at(s, "cwm", b), at2(s, "anc", a, b))
    return implies(and_(both, overlaps(a_lo, a_hi, b_lo, b_hi)), or_(b_in_a, a_in_b))


UNTYPED_INC = Invariant(
    "untyped_inc",
    "untyped regions are nested or disjoint, and a nested one descends from its container and lies below its watermark",
    (
        _c(
            "ancestor_definition",
            "ref ref",
            _anc_def,
            lambda s, x, y: [[at2(s, "anc", x, y), parent(s, x)]],
        ),
        _c("nested_or_disjoint", "ref ref", _untyped_pair),
    ),
)

# -- reply rights, idle thread, interrupts ------------------------------------------------------

VALID_REPLY_CAPS = Invariant(
    "valid_reply_caps",
    "reply rights are unique, never to oneself, name callers awaiting a reply; receivers hold none",
    (
        _c(
            "unique",
            "live live",
            lambda s, a, b: implies(
                and_(user_tcb(s, a), user_tcb(s, b), ne(a, b), ne(at(s, "reply", a), NONE)),
                ne(at(s, "reply", a), at(s, "reply", b)),
            ),
        ),
        _c(
            "caller_waits",
            "live",
            lambda s, t: implies(
                and_(user_tcb(s, t), ne(at(s, "reply", t), NONE)),
                and_(
                    ne(at(s, "reply", t), t),
                    is_tcb(s, at(s, "reply", t)),
                    eq(tstate(s, at(s, "reply", t)), ON_REPLY),
                ),
            ),
        ),
        _c(
            "receiver_holds_none",
            "live",
            lambda s, t: implies(and_(user_tcb(s, t), eq(tstate(s, t), ON_RECV)), eq(at(s, "reply", t), NONE)),
        ),
    ),
)

VALID_IDLE = Invariant(
    "valid_idle",
    "the idle thread lives in the kernel image, is IDLE, holds and is held by nothing",
    (
        _c("idle_thread", "", lambda s: and_(is_tcb(s, s.idle), eq(tstate(s, s.idle), IDLE_STATE))),
        _c("in_kernel_image", "", lambda s: and_(s.kbase <= s.idle, s.idle + obj_size(s, s.idle) <= s.kbase + s.ksize)),
        _c(
            "holds_nothing",
            "",
            lambda s: and_(*(eq(at(s, f, s.idle), NONE) for f in ("bound", "reply", "cspace", "vspace"))),
        ),
        _c(
            "no_capability",
            "ref",
            lambda s, r: implies(occ(s, r), not_(and_(eq(cobj(s, r), s.idle), eq(ctype(s, r), TCB)))),
        ),
        _c("not_queued", "", lambda s: at(s, "qpos", s.idle) < 0),
    ),
)

SIGNAL = int(IrqState.SIGNAL)
KERNEL = int(IrqState.KERNEL)

VALID_IRQ_HANDLERS = Invariant(
    "valid_irq_handlers",
    "handler capabilities exist exactly for SIGNAL lines; the timer is the one KERNEL line",
    (
        _c(
            "handler_line_signals",
            "ref",
            lambda s, r: implies(and_(occ(s, r), eq(ctype(s, r), IRQH)), eq(at(s, "irqstate", cobj(s, r)), SIGNAL)),
        ),
        _c(
            "signal_line_has_handler",
            "line",
            lambda s, line: implies(
                eq(at(s, "irqstate", line), SIGNAL),
                and_(
                    occ(s, at(s, "handler", line)),
                    eq(ctype(s, at(s, "handler", line)), IRQH),
                    eq(cobj(s, at(s, "handler", line)), line),
                ),
            ),
        ),
        _c("timer_kernel", "", lambda s: eq(at(s, "irqstate", s.timer), KERNEL)),
        _c(
            "lines",
            "line",
            lambda s, line: implies(
                ne(at(s, "irqstate", line), NONE),
                and_(
                    implies(eq(at(s, "irqstate", line), KERNEL), eq(line, s.timer)),
                    between(1, at(s, "irqstate", line), 3),
                    between(0, line, s.lines),
                    implies(ne(at(s, "intfn", line), NONE), eq(kind(s, at(s, "intfn", line)), NTFN)),
                    word(at(s, "ibadge", line)),
                ),
            ),
        ),
    ),
)

# -- scheduling ---------------------------------------------------------------------------------

VALID_QUEUES = Invariant(
    "valid_queues",
    "ready queues hold distinct runnable threads of the queue's priority; only priorities in range",
    (
        _c(
            "entries",
            "prio idx",
            lambda s, p, i: implies(
                between(0, i, at(s, "qlen", p)),
                and_(
                    user_tcb(s, at2(s, "qat", p, i)),
                    eq(tstate(s, at2(s, "qat", p, i)), RUNNING),
                    eq(at(s, "prio", at2(s, "qat", p, i)), p),
                    eq(at(s, "qpos", at2(s, "qat", p, i)), i),
                ),
            ),
        ),
        _c(
            "lengths",
            "prio",
            lambda s, p: and_(at(s, "qlen", p) >= 0, implies(at(s, "qlen", p) > 0, between(0, p, NUM_PRIORITIES))),
        ),
        _c(
            "positions",
            "obj",
            lambda s, t: implies(
                at(s, "qpos", t) >= 0,
                and_(
                    at(s, "qpos", t) < at(s, "qlen", at(s, "prio", t)),
                    eq(at2(s, "qat", at(s, "prio", t), at(s, "qpos", t)), t),
                ),
            ),
        ),
    ),
)

CT_NOT_IN_Q = Invariant(
    "ct_not_in_q",
    "the running thread is in no ready queue",
    (_c("current", "", lambda s: at(s, "qpos", s.current) < 0),),
)

VALID_BLOCKED = Invariant(
    "valid_blocked",
    "every runnable thread is running or queued",
    (
        _c(
            "runnable_queued",
            "live",
            lambda s, t: implies(
                and_(user_tcb(s, t), eq(tstate(s, t), RUNNING), ne(t, s.current)), at(s, "qpos", t) >= 0
            ),
        ),
    ),
)

CUR_TCB = Invariant(
    "cur_tcb",
    "the running thread is the idle thread or a runnable thread",
    (
        _c(
            "current",
            "",
            lambda s: and_(is_tcb(s, s.current), or_(eq(s.current, s.idle), eq(tstate(s, s.current), RUNNING))),
        ),
    ),
)

SCHED_HIGHEST = Invariant(
    "sched_highest",
    "no queued thread has a higher priority than the running one; idle runs only when all queues are empty",
    (
        _c("idle_alone", "prio", lambda s, p: implies(eq(s.current, s.idle), eq(at(s, "qlen", p), 0))),
        _c("current_is_thread", "", lambda s: implies(ne(s.current, s.idle), is_tcb(s, s.current))),
        _c(
            "highest",
            "prio",
            lambda s, p: implies(and_(ne(s.current, s.idle), at(s, "qlen", p) > 0), p <= at(s, "prio", s.current)),
        ),
    ),
)

# -- authority ----------------------------------------------------------------------------------

VALID_GLOBAL_REFS = Invariant(
    "valid_global_refs",
    "no capability designates kernel memory",
    (
        _c(
            "outside_kernel",
            "ref",
            lambda s, r: implies(
                and_(occ(s, r), has_region(s, r)),
                not_(overlaps(cobj(s, r), region_end(s, r), s.kbase, s.kbase + s.ksize)),
            ),
        ),
    ),
)

RIGHTS_NEVER_GROW = Invariant(
    "rights_never_grow",
    "a copy has no right its parent lacks",
    (
        _c(
            "copy_rights_within_parent",
            "ref",
            lambda s, r: implies(
                and_(occ(s, r), has_parent(s, r)),
                and_(
                    occ(s, parent(s, r)),
                    implies(
                        same_target(s, parent(s, r), r),
                        r_subset(at(s, "crights", r), at(s, "crights", parent(s, r))),
                    ),
                ),
            ),
        ),
    ),
)

BADGE_NEVER_CHANGES = Invariant(
    "badge_never_changes",
    "only endpoint and notification capabilities have badges; a copy of a badged one keeps it",
    (
        _c(
            "badged_kinds",
            "ref",
            lambda s, r: implies(
                and_(occ(s, r), ne(at(s, "cbadge", r), 0)), or_(eq(ctype(s, r), EP), eq(ctype(s, r), NTFN))
            ),
        ),
        _c(
            "copy_keeps_badge",
            "ref",
            lambda s, r: implies(
                and_(occ(s, r), has_parent(s, r)),
                and_(
                    occ(s, parent(s, r)),
                    implies(
                        and_(same_target(s, parent(s, r), r), ne(at(s, "cbadge", parent(s, r)), 0)),
                        eq(at(s, "cbadge", r), at(s, "cbadge", parent(s, r))),
                    ),
                ),
            ),
        ),
    ),
)

# -- address spaces -----------------------------------------------------------------------------


def _entry(s: SymState, t: Val, i: Val) -> Val:
    return at2(s, "pte", t, i)


def _inner_entry(s: SymState, t: Val, i: Val) -> tuple[Val, Val, Val]:
    """``t`` is a page table of a level above the leaves and its entry ``i`` is not empty: the
    antecedent of the facts about the table such an entry names (as conjuncts, joined with the
    caller's own)."""
    return eq(kind(s, t), PT), between(1, at(s, "ptlevel", t), vm.LEAF_LEVEL), ne(_entry(s, t, i), NONE)


NO_KERNEL_MAPPINGS = Invariant(
    "no_kernel_mappings",
    "a VSpace's tree maps page tables at levels 0-2 and user frames at level 3",
    (
        _c(
            "vspace_entries",
            "live pidx",
            lambda s, v, i: implies(
                and_(eq(kind(s, v), VS), ne(_entry(s, v, i), NONE)),
                and_(eq(kind(s, _entry(s, v, i)), PT), eq(at(s, "ptlevel", _entry(s, v, i)), 1)),
            ),
        ),
        _c(
            "table_entries",
            "live pidx",
            lambda s, t, i: implies(
                and_(*_inner_entry(s, t, i)),
                and_(
                    eq(kind(s, _entry(s, t, i)), PT),
                    eq(at(s, "ptlevel", _entry(s, t, i)), at(s, "ptlevel", t) + 1),
                ),
            ),
        ),
        _c(
            "leaf_entries",
            "live pidx",
            lambda s, t, i: implies(
                and_(eq(kind(s, t), PT), eq(at(s, "ptlevel", t), vm.LEAF_LEVEL), ne(_entry(s, t, i), NONE)),
                and_(
                    eq(kind(s, _entry(s, t, i)), FRAME),
                    not_(between(s.kbase, _entry(s, t, i), s.kbase + s.ksize)),
                ),
            ),
        ),
    ),
)


def _records(s: SymState, r: Val, t: Val, i: Val) -> Val:
    ok, table, index = recorded(s, r)
    return and_(ok, eq(table, t), eq(index, i))


def _records_own_entry(s: SymState, r: Val, cap_type: int) -> Val:
    """A mapped capability of ``cap_type`` in ``r`` records an entry, and the entry names it
    (one conjunct per type: each is a smaller goal than both)."""
    ok, table, index = recorded(s, r)
    return implies(
        and_(occ(s, r), mapped(s, r), eq(ctype(s, r), cap_type)), and_(ok, eq(at2(s, "pte_cap", table, index), r))
    )


MAPPINGS_MATCH_CAPS = Invariant(
    "mappings_match_caps",
    "translation entries and mapped capabilities correspond one to one; unmapped page tables are "
    "empty and in no address space; a page table has one capability",
    (
        _c(
            "mapped_in_vspace",
            "ref",
            lambda s, r: implies(
                and_(occ(s, r), mapped(s, r)),
                and_(or_(eq(ctype(s, r), FRAME), eq(ctype(s, r), PT)), eq(kind(s, at(s, "cmvs", r)), VS)),
            ),
        ),
        _c("mapped_frame_records_entry", "ref", lambda s, r: _records_own_entry(s, r, FRAME)),
        _c("mapped_table_records_entry", "ref", lambda s, r: _records_own_entry(s, r, PT)),
        _c(
            "entry_recorded",
            "live pidx",
            lambda s, t, i: implies(
                and_(is_table(s, t), ne(_entry(s, t, i), NONE)),
                and_(
                    occ(s, at2(s, "pte_cap", t, i)),
                    mapped(s, at2(s, "pte_cap", t, i)),
                    _records(s, at2(s, "pte_cap", t, i), t, i),
                ),
            ),
        ),
        _c(
            "unmapped_table_empty",
            "ref",
            lambda s, r: implies(
                and_(occ(s, r), not_(mapped(s, r)), eq(ctype(s, r), PT)),
                and_(is_table(s, cobj(s, r)), eq(at(s, "nent", cobj(s, r)), 0)),
            ),
        ),
        _c(
            "unmapped_table_unreached",
            "ref",
            lambda s, r: implies(
                and_(occ(s, r), not_(mapped(s, r)), eq(ctype(s, r), PT)), eq(at(s, "ptlevel", cobj(s, r)), NONE)
            ),
        ),
        _c(
            "entries_numbered",
            "live pidx",
            lambda s, t, i: implies(
                and_(is_table(s, t), ne(_entry(s, t, i), NONE)),
                and_(
                    between(0, at2(s, "erank", t, i), at(s, "nent", t)),
                    eq(at2(s, "eat", t, at2(s, "erank", t, i)), i),
                ),
            ),
        ),
        _c(
            "entries_listed",
            "live idx",
            lambda s, t, k: implies(
                and_(is_table(s, t), between(0, k, at(s, "nent", t))),
                and_(
                    ne(_entry(s, t, at2(s, "eat", t, k)), NONE),
                    eq(at2(s, "erank", t, at2(s, "eat", t, k)), k),
                ),
            ),
        ),
        _c("entries_nonneg", "live", lambda s, t: implies(is_table(s, t), at(s, "nent", t) >= 0)),
        _c(
            "one_cap_per_table",
            "ref ref",
            lambda s, a, b: implies(
                and_(occ(s, a), occ(s, b), eq(ctype(s, a), PT), eq(ctype(s, b), PT), eq(cobj(s, a), cobj(s, b))),
                eq(a, b),
            ),
        ),
    ),
)

MAPPING_RIGHTS_WITHIN_CAP = Invariant(
    "mapping_rights_within_cap",
    "a frame is mapped readable and with no right its capability lacks",
    (
        _c(
            "frame_rights",
            "ref",
            lambda s, r: implies(
                and_(occ(s, r), eq(ctype(s, r), FRAME), mapped(s, r)),
                _frame_rights_ok(s, r),
            ),
        ),
    ),
)


def _frame_rights_ok(s: SymState, r: Val) -> Val:
    ok, t, i = walk(s, at(s, "cmvs", r), at(s, "cmva", r), vm.LEAF_LEVEL)
    rights = at2(s, "pter", t, i)
    allowed = r_and(at(s, "crights", r), int(Right.READ | Right.WRITE))
    return and_(ok, r_subset(rights, allowed), r_bit(rights, 0))


#: Every family, in the order of :data:`mlk.model.invariants.INVARIANTS`.
INVARIANTS: tuple[Invariant, ...] = (
    VALID_OBJS,
    VALID_CAPS,
    VALID_TCB_STATE,
    PSPACE_ALIGNED,
    PSPACE_DISTINCT,
    SYM_REFS,
    REFCOUNTS_EXACT,
    IF_LIVE_THEN_NONZ_CAP,
    CDT_LINKS,
    NO_MLOOP,
    DESCENDANTS_INC,
    UNTYPED_MDB,
    UNTYPED_INC,
    VALID_REPLY_CAPS,
    VALID_IDLE,
    VALID_IRQ_HANDLERS,
    VALID_QUEUES,
    CT_NOT_IN_Q,
    VALID_BLOCKED,
    CUR_TCB,
    SCHED_HIGHEST,
    VALID_GLOBAL_REFS,
    RIGHTS_NEVER_GROW,
    BADGE_NEVER_CHANGES,
    NO_KERNEL_MAPPINGS,
    MAPPINGS_MATCH_CAPS,
    MAPPING_RIGHTS_WITHIN_CAP,
)


def _path_child(s: SymState, x: Val, y: Val) -> Val:
    c = at2(s, "achild", x, y)
    return implies(and_(occ(s, x), at2(s, "anc", x, y)), and_(occ(s, c), eq(parent(s, c), y)))


def _path_down(s: SymState, x: Val, y: Val) -> Val:
    c = at2(s, "achild", x, y)
    return implies(and_(occ(s, x), at2(s, "anc", x, y)), or_(eq(c, x), at2(s, "anc", x, c)))


CDT_PATHS = Invariant(
    "cdt_paths",
    "aux: an ancestor is shallower, and its child on the path is recorded (so an ancestor is "
    "occupied and has children: a childless slot is nobody's ancestor). The derivation tree's "
    "invariants say this only by induction over paths, which the solver does not do",
    (
        _c(
            "ancestor_shallower",
            "ref ref",
            lambda s, x, y: implies(and_(occ(s, x), at2(s, "anc", x, y)), at(s, "depth", y) < at(s, "depth", x)),
        ),
        _c("child_on_path", "ref ref", _path_child),
        _c(
            "path_continues",
            "ref ref",
            _path_down,
            lambda s, x, y: [[at2(s, "anc", x, y), at2(s, "achild", x, y)]],
        ),
    ),
)


def _descends_from(s: SymState, r: Val, root: Val) -> Val:
    return or_(eq(r, root), at2(s, "anc", r, root))


ORIGINALS = Invariant(
    "originals",
    "aux: every capability to an object descends from (or is) the object's original, and every "
    "handler capability of a line from the line's original handler capability, which is the only "
    "handler capability of the line without a parent of the same line; so deleting a childless "
    "original deletes the last capability to its object or line",
    (
        _c(
            "caps_descend_from_original",
            "ref",
            lambda s, r: implies(_counted_cap(s, r), _descends_from(s, r, at(s, "orig", cobj(s, r)))),
        ),
        _c(
            "handlers_descend_from_original",
            "ref",
            lambda s, r: implies(
                and_(occ(s, r), eq(ctype(s, r), IRQH)), _descends_from(s, r, at(s, "handler", cobj(s, r)))
            ),
        ),
        _c(
            "line_handler_original",
            "line",
            lambda s, line: implies(
                eq(at(s, "irqstate", line), SIGNAL),
                or_(
                    not_(has_parent(s, at(s, "handler", line))),
                    not_(same_target(s, parent(s, at(s, "handler", line)), at(s, "handler", line))),
                ),
            ),
        ),
        _c(
            "original_handler_unique",
            "ref",
            lambda s, r: implies(
                and_(
                    occ(s, r),
                    eq(ctype(s, r), IRQH),
                    or_(not_(has_parent(s, r)), not_(same_target(s, parent(s, r), r))),
                ),
                eq(at(s, "handler", cobj(s, r)), r),
            ),
        ),
    ),
)

TABLE_VSPACES = Invariant(
    "table_vspaces",
    "aux: a page table an entry of levels 0 to 2 names is under the VSpace of the table holding "
    "the entry (the ghost ptvs), so no table is under two VSpaces. The spec's invariants say this "
    "only through the one-to-one correspondence of entries and capabilities and the one "
    "capability per page table, a chain the solver does not find",
    (
        _c("entries_in_tables", "obj pidx", lambda s, t, i: implies(ne(_entry(s, t, i), NONE), is_table(s, t))),
        _c(
            "vspace_entries",
            "live pidx",
            lambda s, v, i: implies(
                and_(eq(kind(s, v), VS), ne(_entry(s, v, i), NONE), eq(kind(s, _entry(s, v, i)), PT)),
                eq(at(s, "ptvs", _entry(s, v, i)), v),
            ),
        ),
        _c(
            "table_entries",
            "live pidx",
            lambda s, t, i: implies(
                and_(*_inner_entry(s, t, i), eq(kind(s, _entry(s, t, i)), PT)),
                eq(at(s, "ptvs", _entry(s, t, i)), at(s, "ptvs", t)),
            ),
        ),
    ),
)

#: Facts the proofs need beyond the spec's invariants (see the module documentation).
AUX: tuple[Invariant, ...] = (CDT_PATHS, ORIGINALS, TABLE_VSPACES)


def _f(*names: str) -> Callable[..., list[Val]]:
    return lambda s, x: [at(s, name, x) for name in names]


def _f2(name: str) -> Callable[..., list[Val]]:
    return lambda s, x, y: [at2(s, name, x, y)]


#: Instantiation patterns (see :class:`Conjunct`), by ``family.conjunct``. A fact about an object
#: is instantiated where the fields it constrains are read, not wherever the object's kind is:
#: a kind test occurs for every reference the other facts mention, and instantiating every fact
#: there chases pointers through the whole (symbolic) object graph. Facts about pairs are
#: instantiated only where both members are talked about.
TRIGGERS: dict[str, Callable[..., list[Val]]] = {
    "valid_objs.tcb_registers": _f2("ctx"),
    "valid_objs.tcb_priority_slice": _f("prio", "slice"),
    "valid_objs.tcb_words": _f("tbadge", "fa", "fb", "fpc"),
    "valid_objs.endpoint_shape": _f("epstate", "wlen"),
    "valid_objs.notification_shape": _f("nstate", "word", "wlen"),
    "valid_objs.queue_entries": _f2("wat"),
    "valid_objs.queue_positions": _f2("wpos"),
    "valid_objs.cnode_radix": _f("nslots", "radix"),
    "valid_objs.object_size": _f("osize"),
    "valid_objs.table_indices": _f2("pte"),
    "valid_objs.device_frames": _f("device"),
    "pspace_aligned.aligned": _f("osize", "radix"),
    "pspace_distinct.occupies": _f("osize"),
    "pspace_distinct.disjoint": lambda s, a, b: [[at(s, "osize", a), at(s, "osize", b)]],
    "untyped_mdb.objects_below_watermark": lambda s, r, u: [[at(s, "cobj", r), at(s, "usize", u)]],
    "untyped_inc.nested_or_disjoint": lambda s, a, b: [[at(s, "usize", a), at(s, "usize", b)]],
    "valid_reply_caps.unique": lambda s, a, b: [[at(s, "reply", a), at(s, "reply", b)]],
    # facts that mention a slot's parent: only where that parent is read, so that they do not
    # climb the derivation tree by themselves
    "if_live_then_nonz_cap.parent_present": _f("parent"),
    "cdt_links.listed_by_parent": _f("parent"),
    "no_mloop.depth_decreases": _f("parent"),
    "descendants_inc.child_within_parent": _f("parent"),
    "untyped_mdb.parent_untyped_or_copy": _f("parent"),
    "rights_never_grow.copy_rights_within_parent": _f("parent"),
    "badge_never_changes.copy_keeps_badge": _f("parent"),
    "if_live_then_nonz_cap.live_has_original": _f("orig"),
    "if_live_then_nonz_cap.original_unique_and_live": lambda s, r: [[at(s, "cobj", r), at(s, "parent", r)]],
    "originals.caps_descend_from_original": _f("cobj"),
    "originals.handlers_descend_from_original": _f("cobj"),
    "originals.line_handler_original": _f("handler"),
    "originals.original_handler_unique": _f("cobj"),
    "valid_irq_handlers.signal_line_has_handler": _f("handler"),
    # address spaces: a fact about an entry where that entry is read, about a mapped capability
    # where its mapping is read
    "no_kernel_mappings.vspace_entries": _f2("pte"),
    "no_kernel_mappings.table_entries": _f2("pte"),
    "no_kernel_mappings.leaf_entries": _f2("pte"),
    "mappings_match_caps.mapped_in_vspace": _f("cmvs"),
    "mappings_match_caps.mapped_frame_records_entry": _f("cmvs"),
    "mappings_match_caps.mapped_table_records_entry": _f("cmvs"),
    "mappings_match_caps.entry_recorded": _f2("pte"),
    "mappings_match_caps.unmapped_table_empty": _f("cmvs"),
    "mappings_match_caps.unmapped_table_unreached": _f("cmvs"),
    "mappings_match_caps.entries_numbered": _f2("pte"),
    "mappings_match_caps.entries_listed": _f2("eat"),
    "mappings_match_caps.entries_nonneg": _f("nent"),
    "mappings_match_caps.one_cap_per_table": lambda s, a, b: [[at(s, "cobj", a), at(s, "cobj", b)]],
    "mapping_rights_within_cap.frame_rights": _f("cmvs"),
    "table_vspaces.entries_in_tables": _f2("pte"),
    "table_vspaces.vspace_entries": _f2("pte"),
    "table_vspaces.table_entries": _f2("pte"),
}


def _triggered(inv: Invariant) -> Invariant:
    conjuncts = tuple(
        replace(c, trigger=TRIGGERS[f"{inv.name}.{c.name}"]) if f"{inv.name}.{c.name}" in TRIGGERS else c
        for c in inv.conjuncts
    )
    return replace(inv, conjuncts=conjuncts)


INVARIANTS = tuple(_triggered(inv) for inv in INVARIANTS)
AUX = tuple(_triggered(inv) for inv in AUX)

#: Every family the proofs prove.
ALL: tuple[Invariant, ...] = INVARIANTS + AUX


def all_assumed(s: SymState) -> list[Val]:
    """Every conjunct of every family, as hypotheses about ``s``."""
    return [term for inv in ALL for term in inv.assume(s)]


def by_name(name: str) -> Invariant:
    """The family called ``name``."""
    for inv in ALL:
        if inv.name == name:
            return inv
    raise KeyError(name)
