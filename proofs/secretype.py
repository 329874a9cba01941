"""Retype's security obligations in pieces: lemmas about what the step changes, and hints.

``security/untyped_retype/confinement`` and ``security/untyped_retype/integrity`` ask, of every
object, slot, translation entry and thread, whether the step changed it and whether the acting
thread had the authority. Asked of the whole step (up to
:data:`~mlk.abi.objects.RETYPE_MAX_OBJECTS` objects at symbolic addresses) under the families,
confinement took Z3 47 million steps and ``integrity.vspace`` was not proved within 40 million:
each goal had to find for itself which of the eight objects, if any, its witness is, and why that
object was no live one. Here that is said once, by lemmas about the step, each proved under the
few facts it needs (:attr:`mlk.proofs.obligation.Lemma.uses`, after the lemmas of
:mod:`mlk.proofs.retype` about where Retype carves):

* ``carve_vacant`` (of :mod:`mlk.proofs.retype`): no live object lies at a new object's address;
* ``carve_not_none.k``: the ``k``-th new object does not lie at ``NONE`` (-1: its address is a
  multiple of its size, at least 16 bytes; one lemma per object, 0.15 million steps each);
* ``changed_objects``: an object whose protected fields change is the acting thread (its saved
  registers) or was not live (a new object);
* ``no_new_references``: a thread's bound notification, CSpace root and VSpace after the step are
  those before, or none (a new thread's);
* ``changed_entries``: a changed translation entry is in a table that was not live; and
  ``entries_not_none``: not in ``NONE``'s;
* ``changed_slots``: a changed capability slot is the untyped capability's (its watermark) or in
  the destination CNode;
* ``roots_kept``: a live object's kind, CSpace root and VSpace root are unchanged;
* ``slots_reached``: the untyped capability's CNode and the destination CNode are CNodes of the
  acting thread (:func:`mlk.proofs.security.cnode_of`); ``cn_held``: a slot the acting thread
  controls holds a CNode capability to the destination (the authority over the CSpace of any
  thread whose root it is);
* ``under_before``: a table under a thread's VSpace is live or ``NONE`` (the walk meets only page
  tables, ``no_kernel_mappings``, and ``NONE`` has no entries, ``table_vspaces``);
  ``under_after``: after the step too (live tables' entries and ``NONE``'s are unchanged).

Each goal then gets the instances of the lemmas it needs at its own witnesses as hints
(:data:`HINTS`, :attr:`mlk.proofs.obligation.Goal.hints`; instances of proved facts, so they
prove nothing new) and only the transition's guard as its own focus. The quantified lemmas are not
assumed by the goals (:attr:`mlk.proofs.obligation.Lemma.assumed`): with them, and with the
definitions of the step's named constants (which the solver substitutes into every term), each
goal cost 1 to 9 million steps instead of under one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import cache

import z3

from mlk.abi.objects import RETYPE_MAX_OBJECTS
from mlk.proofs import retype
from mlk.proofs.access import CNODE, TCB, ctype, kind, live, occ
from mlk.proofs.catalogue import _assume, _defines, _pre, _step, _step_lemmas, event_facts, step_names
from mlk.proofs.enc import Kernel
from mlk.proofs.enc.base import OK, get
from mlk.proofs.obligation import Lemma
from mlk.proofs.security import OBJECT_FIELDS, SLOT_FIELDS, _changed, _entry_changed, cnode_of, controlled, under
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import NONE, RefSort, Val, and_, eq, implies, ne, not_, or_, ref_cn

#: The transition whose security obligations are proved in pieces here.
TRANSITION = "untyped_retype"

#: For each goal (``property.check``), the lemmas whose instances it gets as hints, each with the
#: positions of the goal's witnesses that instantiate the lemma's variables, in order.
HINTS: dict[str, tuple[tuple[str, tuple[int, ...]], ...]] = {
    "confinement.objects": (("changed_objects", (0,)),),
    "confinement.entries": (("changed_entries", (0, 1)),),
    "confinement.slots": (("changed_slots", (0,)),),
    "confinement.new_references": (("no_new_references", (0,)),),
    "integrity.roots": (("roots_kept", (0,)),),
    "integrity.cspace": (("changed_slots", (1,)),),
    "integrity.vspace": (
        ("changed_entries", (0, 1)),
        ("entries_not_none", (0, 1)),
        ("under_before", (2, 0)),
        ("under_after", (2, 0)),
    ),
}

#: The lemmas of each property's obligation (besides :mod:`mlk.proofs.retype`'s); the ground
#: ones (``slots_reached``, ``cn_held``) are assumed by its goals, the others serve as hints.
PROPERTY_LEMMAS: dict[str, tuple[str, ...]] = {
    "confinement": (
        "changed_objects",
        "no_new_references",
        "changed_entries",
        "changed_slots",
        "slots_reached",
    ),
    "integrity": (
        "carve_not_none",
        "changed_entries",
        "entries_not_none",
        "changed_slots",
        "cn_held",
        "roots_kept",
        "under_before",
        "under_after",
    ),
}

#: The lemmas of :mod:`mlk.proofs.retype` these build on: ``carve_vacant`` (no live object at a
#: new object's address) and those it builds on (the carved range lies in the free part of the
#: region, which holds no object). They are proved here whatever :data:`mlk.proofs.retype.ONLY`
#: says of the families.
REGION = retype.VACANT

#: What a table under a thread's VSpace is: the shapes of threads' VSpaces, the walk's levels,
#: and that only tables have entries.
_WALK = (
    "valid_tcb_state",
    "valid_idle.holds_nothing",
    "valid_objs.no_object_at_none",
    "no_kernel_mappings.vspace_entries",
    "no_kernel_mappings.table_entries",
    "table_vspaces.entries_in_tables",
)
#: What a CNode capability designates.
_CAPS = ("valid_caps.target", "valid_objs.no_object_at_none")


def _all_lemmas(kernel: Kernel) -> list[Lemma]:
    """Every lemma of the module documentation about the step of ``kernel``, in the order they
    are proved."""
    s, e = _pre()
    post, context = _step(kernel, TRANSITION)
    names = step_names(kernel, TRANSITION)
    _, ref, c = retype.carve_of(kernel, s, e, names)
    guard = kernel.guard(s, e, TRANSITION)
    base = [guard, *event_facts(e), *(d for d in context if _defines(d, names))]
    ok = eq(c.error, OK)
    t = s.current
    addrs = [kernel.carve_addr(c, k) for k in range(RETYPE_MAX_OBJECTS)]
    w, u = z3.Int("sec.w"), z3.Int("sec.u")
    i = z3.Int("sec.i")
    x, y = z3.Const("sec.x", RefSort), z3.Const("sec.y", RefSort)

    def forall(xs: list[Val], body: Val, *patterns: Val) -> Val:
        return z3.ForAll(xs, body, patterns=list(patterns))

    def entry(table: Val, index: Val) -> Val:
        return z3.Select(z3.Select(s.f["pte"], table), index)

    def vspace_of(thread: Val) -> Val:
        return get(s, "vspace", thread)

    def under_vspace(state: SymState) -> Val:
        """A table under a thread's VSpace (in ``state``) is live or ``NONE`` before the step."""
        body = implies(
            and_(eq(kind(s, u), TCB), ne(vspace_of(u), NONE), under(None, state, vspace_of(u), w)),
            or_(live(s, w), eq(w, NONE)),
        )
        return forall([u, w], body, z3.MultiPattern(vspace_of(u), z3.Select(s.f["pte"], w)))

    new = [and_(ok, k < c.count) for k in range(RETYPE_MAX_OBJECTS)]
    return [
        *(
            Lemma(f"carve_not_none.{k}", implies(new[k], ne(addrs[k], NONE)), base, uses=())
            for k in range(RETYPE_MAX_OBJECTS)
        ),
        Lemma(
            "changed_objects",
            forall(
                [w], implies(_changed(s, post, OBJECT_FIELDS, w), or_(eq(w, t), not_(live(s, w)))), get(s, "kind", w)
            ),
            [],
            uses=("carve_vacant",),
        ),
        Lemma(
            "no_new_references",
            forall(
                [w],
                and_(
                    *(
                        or_(eq(get(post, f, w), get(s, f, w)), eq(get(post, f, w), NONE))
                        for f in ("bound", "cspace", "vspace")
                    )
                ),
                get(s, "kind", w),
            ),
            [],
            uses=(),
        ),
        Lemma(
            "changed_entries",
            forall([w, i], implies(_entry_changed(s, post, w, i), not_(live(s, w))), entry(w, i)),
            [],
            uses=("carve_vacant",),
        ),
        Lemma(
            "entries_not_none",
            forall([w, i], implies(_entry_changed(s, post, w, i), ne(w, NONE)), entry(w, i)),
            [],
            uses=tuple(f"carve_not_none.{k}" for k in range(RETYPE_MAX_OBJECTS)),
        ),
        Lemma(
            "changed_slots",
            forall(
                [y], implies(_changed(s, post, SLOT_FIELDS, y), or_(eq(y, ref), eq(ref_cn(y), c.cn))), get(s, "occ", y)
            ),
            [],
            uses=(),
        ),
        Lemma(
            "slots_reached",
            implies(ok, and_(cnode_of(None, s, t, ref_cn(ref)), cnode_of(None, s, t, c.cn))),
            [*_assume(_CAPS), *base],
            uses=(),
        ),
        Lemma(
            "cn_held",
            implies(
                ok,
                z3.Exists(
                    [x],
                    and_(occ(s, x), eq(ctype(s, x), CNODE), eq(get(s, "cobj", x), c.cn), controlled(None, s, t, x)),
                ),
            ),
            [*_assume(_CAPS), *base],
            uses=(),
        ),
        Lemma(
            "roots_kept",
            forall(
                [w],
                implies(live(s, w), and_(*(eq(get(post, f, w), get(s, f, w)) for f in ("kind", "cspace", "vspace")))),
                get(s, "kind", w),
            ),
            [],
            uses=("carve_vacant",),
        ),
        Lemma("under_before", under_vspace(s), _assume(_WALK), uses=()),
        Lemma("under_after", under_vspace(post), _assume(_WALK), uses=("changed_entries", "entries_not_none")),
    ]


@cache
def lemmas(kernel: Kernel, prop: str) -> tuple[Lemma, ...]:
    """The lemmas of ``security/untyped_retype/<prop>`` for ``kernel``: those of
    :mod:`mlk.proofs.retype` it builds on (:data:`REGION`, not assumed by the goals), then this
    module's (:data:`PROPERTY_LEMMAS`; only the ground ones assumed)."""
    region = [replace(lemma, assumed=False) for lemma in _step_lemmas(kernel, TRANSITION) if lemma.name in REGION]
    own = [
        replace(lemma, assumed=not z3.is_quantifier(lemma.term))
        for lemma in _all_lemmas(kernel)
        if lemma.name.partition(".")[0] in PROPERTY_LEMMAS[prop]
    ]
    return (*region, *own)


def hints(proved: Sequence[Lemma], goal: str, witnesses: Sequence[Val]) -> list[Val]:
    """The hints of goal ``goal`` (``property.check``) at ``witnesses``: instances of the lemmas
    ``proved`` names (:data:`HINTS`)."""
    by_name = {lemma.name: lemma for lemma in proved}
    return [by_name[name].instance([witnesses[k] for k in at]) for name, at in HINTS.get(goal, ())]
