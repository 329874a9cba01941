"""Where Retype carves: lemmas of the ``untyped_retype`` obligations.

Every ``preserve/untyped_retype/*`` and ``security/untyped_retype/*`` obligation first proves these
facts about the state before and the step's arguments (each under a few families, in a few
hundredths of a second), then assumes them (:class:`mlk.proofs.obligation.Lemma`). They say, in
the solver's terms, why the new objects overwrite nothing: the region between the untyped
capability's first free address and its end holds no object and no untyped region but the
capability's own and its ancestors' (:data:`mlk.proofs.invariants.UNTYPED_MDB` and
``UNTYPED_INC`` state that of every untyped region; the derivation tree gives the case of a
region without children, whose first free address is its base); the carved range lies inside it;
no live object is where a new one goes (``carve_vacant``); and the destination slots are empty.
Without them each goal would have to find that chain (original capability, ancestor, watermark)
by itself, through up to :data:`~mlk.abi.objects.RETYPE_MAX_OBJECTS` new objects at symbolic
addresses: no goal did within a minute. Some goals also have hypotheses known to suffice for them
(:data:`GOAL_FOCUS`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields

import z3

from mlk.abi.objects import RETYPE_MAX_OBJECTS
from mlk.proofs.access import (
    UNTYPED,
    aligned_for,
    at,
    at2,
    cobj,
    ctype,
    has_region,
    live,
    obj_size,
    occ,
    overlaps,
    region_end,
    untyped_end,
)
from mlk.proofs.enc import Kernel, SymEvent
from mlk.proofs.enc.base import OK, get, put_row
from mlk.proofs.enc.ops import MIN_BITS, Carve
from mlk.proofs.invariants import by_name
from mlk.proofs.obligation import Lemma
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import RefSort, Val, and_, eq, implies, ne, not_

#: Lemmas (by name up to the first dot) that only the obligations of some families prove and
#: assume; the others serve every obligation. The alignment of the new objects is about their
#: addresses modulo every power of two an object's size can be: the solver spends a million steps
#: on each proof, and assuming it burdens every goal that does not read alignment. ``carve_vacant``
#: (no live object at a new object's address) serves the families that read the object an old
#: capability designates (:data:`GOAL_FOCUS`), and ``if_live_then_nonz_cap``, whose goals must
#: see that a new object's original capability is recorded at an address no old object has.
#: ``carve_vacant`` (no live object at a new object's address) and the lemmas it is proved from
#: (the carved range lies in the free part of the region, which holds no object): what the
#: lemmas of :mod:`mlk.proofs.retypemaps` and :mod:`mlk.proofs.secretype` build on.
VACANT = ("region_capabilities", "region_objects", "carve_inside", "carve_objects", "carve_vacant")

ONLY: dict[str, tuple[str, ...]] = {
    "carve_aligned": ("pspace_aligned",),
    "carve_vacant": (
        "untyped_mdb",
        "descendants_inc",
        "untyped_inc",
        "originals",
        "if_live_then_nonz_cap",
        "valid_objs",
        "refcounts_exact",
        "valid_reply_caps",
    ),
}

#: The capabilities' families after Retype (the derivation tree's, ``rights_never_grow``,
#: ``badge_never_changes``, ``valid_global_refs``): hypotheses known to suffice for each goal (families
#: and single conjuncts, as :data:`mlk.proofs.catalogue.FOCUS`), with the lemmas, and the step limit
#: of that attempt, which :func:`mlk.proofs.catalogue.preserve_query` makes first (the goal's
#: ``focus``). A new slot's parent is the untyped capability, which is occupied and so not
#: ``NO_REF`` (``valid_caps.no_slot_at_none``); an old slot's parent is occupied
#: (``cdt_links.listed_by_parent``), so not new; an old object capability names a live object
#: (``valid_caps.target``), so not a new one (``carve_vacant``). Every goal needs one or two of
#: these besides its own conjunct; under the tiers, whose hypotheses include the large families
#: every focused proof assumes (:data:`mlk.proofs.catalogue.CORE`), each took 1.4 to 10 million
#: steps or ran out of them (``descendants_inc`` beyond 40 million), under these 0.2 to 6 million
#: (in the lean context with the carve's arithmetic: ``catalogue._lean_context``).
_NEW_PARENT = ("cdt_links.listed_by_parent", "valid_caps.no_slot_at_none")
GOAL_FOCUS: dict[str, tuple[int, tuple[str, ...]]] = {
    **{
        f"cdt_links.{c}": (5_000_000, ("cdt_links",))
        for c in ("listed_by_parent", "children_name_parent", "children_nonneg")
    },
    "no_mloop.depth_decreases": (3_000_000, ("no_mloop", "cdt_links.listed_by_parent")),
    "rights_never_grow.copy_rights_within_parent": (3_000_000, ("rights_never_grow", "cdt_links.listed_by_parent")),
    "badge_never_changes.badged_kinds": (3_000_000, ("badge_never_changes.badged_kinds",)),
    "badge_never_changes.copy_keeps_badge": (3_000_000, ("badge_never_changes", *_NEW_PARENT)),
    "valid_global_refs.outside_kernel": (3_000_000, ("valid_global_refs",)),
    "untyped_mdb.objects_below_watermark": (
        5_000_000,
        ("untyped_mdb", "valid_caps.target", "valid_caps.no_slot_at_none"),
    ),
    "untyped_mdb.parent_untyped_or_copy": (3_000_000, ("untyped_mdb", "valid_caps.target")),
    "descendants_inc.child_within_parent": (
        8_000_000,
        ("descendants_inc", "valid_caps.target", "cdt_links.listed_by_parent"),
    ),
    "untyped_inc.ancestor_definition": (3_000_000, ("untyped_inc.ancestor_definition", *_NEW_PARENT)),
    "untyped_inc.nested_or_disjoint": (5_000_000, ("untyped_inc", *_NEW_PARENT)),
    "cdt_paths.ancestor_shallower": (
        3_000_000,
        ("cdt_paths", *_NEW_PARENT, "valid_objs.no_object_at_none", "valid_caps.target"),
    ),
    "cdt_paths.child_on_path": (5_000_000, ("cdt_paths", *_NEW_PARENT)),
    "cdt_paths.path_continues": (3_000_000, ("cdt_paths", *_NEW_PARENT)),
    "originals.caps_descend_from_original": (4_000_000, ("originals.caps_descend_from_original", "valid_caps.target")),
    "originals.handlers_descend_from_original": (3_000_000, ("originals.handlers_descend_from_original",)),
    "originals.line_handler_original": (
        3_000_000,
        ("originals.line_handler_original", "valid_irq_handlers.signal_line_has_handler", *_NEW_PARENT),
    ),
    "originals.original_handler_unique": (
        3_000_000,
        ("originals.original_handler_unique", "valid_caps.target", *_NEW_PARENT),
    ),
    # the two goals of valid_objs that read the carve's arithmetic (a new object is not at NONE: its
    # address is a multiple of its size; its size is that of its type), so not in the lean context
    # of catalogue.RETYPE_FOCUS
    "valid_objs.no_object_at_none": (3_000_000, ("valid_objs.no_object_at_none",)),
    "valid_objs.object_size": (5_000_000, ("valid_objs.object_size",)),
}


def wanted(lemma: Lemma, family: str) -> bool:
    """Whether the obligation of ``family`` (a security obligation: its property's name) proves
    and assumes ``lemma``."""
    only = ONLY.get(lemma.name.partition(".")[0])
    return only is None or family in only


def carve_of(kernel: Kernel, s: SymState, e: SymEvent, names: dict[str, Val]) -> tuple[SymState, Val, Carve]:
    """The step ``untyped_retype`` from ``s`` on ``e`` as :meth:`Kernel.effect` takes it: the
    state with the caller's registers saved, the untyped capability's slot, and the carve, whose
    quantities are the constants the step named (``names``, see :meth:`Kernel.named`)."""
    s1 = put_row(s, "ctx", s.current, e.ctx)
    _, ref, _ = kernel.lookup_call(s1, s1.current)
    return s1, ref, Carve(**{f.name: names[f"retype.{f.name}"] for f in fields(Carve)})


def lemmas(kernel: Kernel, s: SymState, e: SymEvent, names: dict[str, Val], context: Iterable[Val]) -> list[Lemma]:
    """The lemmas of the step ``untyped_retype`` from ``s`` on ``e`` (``names``: the constants the
    step named; ``context``: the guard, the facts about events and the definitions of those
    constants), in the order they are proved; each assumes the ones before it."""
    s1, ref, c = carve_of(kernel, s, e, names)
    base = list(context)
    lo = get(s1, "cobj", ref)
    hi = untyped_end(s1, ref)
    ok = eq(c.error, OK)
    x = z3.Int("lemma.x")
    y = z3.Const("lemma.y", RefSort)

    def assume(*names: str) -> list[Val]:
        """Families (``name``) or single conjuncts (``family.conjunct``) about ``s``, and ``base``."""
        out = []
        for name in names:
            family, _, conjunct = name.partition(".")
            out += [cj.assume(s) for cj in by_name(family).conjuncts if conjunct in ("", cj.name)]
        return out + base

    def obj_end(o: Val) -> Val:
        return o + obj_size(s1, o)

    def object_cap(r: Val) -> Val:
        return and_(occ(s1, r), has_region(s1, r), ne(ctype(s1, r), UNTYPED))

    def other_untyped(r: Val) -> Val:
        return and_(occ(s1, r), eq(ctype(s1, r), UNTYPED), ne(r, ref))

    def ancestor_region(r: Val) -> Val:
        return and_(at2(s1, "anc", ref, r), cobj(s1, r) <= lo, hi <= cobj(s1, r) + at(s1, "cwm", r))

    def objects_outside(a: Val, b: Val) -> Val:
        body = implies(and_(live(s1, x), overlaps(x, obj_end(x), a, b)), obj_end(x) <= a)
        return z3.ForAll([x], body, patterns=[get(s1, "kind", x)])

    def untyped_outside(a: Val, b: Val) -> Val:
        body = implies(and_(other_untyped(y), overlaps(cobj(s1, y), untyped_end(s1, y), a, b)), ancestor_region(y))
        return z3.ForAll([y], body, patterns=[get(s1, "usize", y)])

    dests = [implies(k < c.count, and_(not_(occ(s1, c.dst(k))), ne(c.dst(k), ref))) for k in range(RETYPE_MAX_OBJECTS)]
    return [
        Lemma(
            "region_capabilities",
            z3.ForAll(
                [y],
                not_(and_(object_cap(y), overlaps(cobj(s1, y), region_end(s1, y), c.free, hi))),
                patterns=[get(s1, "cobj", y)],
            ),
            assume("untyped_mdb", "cdt_paths", "cdt_links", "valid_caps"),
        ),
        Lemma(
            "region_objects",
            objects_outside(c.free, hi),
            assume(
                "if_live_then_nonz_cap.live_has_original",
                "valid_idle.in_kernel_image",
                "valid_global_refs",
                "valid_caps.target",
            ),
        ),
        Lemma(
            "region_untyped",
            untyped_outside(c.free, hi),
            assume("untyped_inc", "cdt_paths", "cdt_links", "valid_caps"),
        ),
        Lemma(
            "carve_inside",
            implies(
                ok,
                and_(
                    occ(s1, ref),
                    eq(ctype(s1, ref), UNTYPED),
                    lo <= c.free,
                    c.free <= c.start,
                    c.end <= hi,
                    c.unit >= 1 << MIN_BITS,
                    c.count >= 1,
                    c.count <= RETYPE_MAX_OBJECTS,
                ),
            ),
            assume("valid_caps"),
        ),
        *(
            Lemma(
                f"carve_aligned.{k}",
                implies(
                    and_(ok, ne(c.otype, UNTYPED), k < c.count),
                    aligned_for(c.otype, c.size, kernel.carve_addr(c, k)),
                ),
                base,
            )
            for k in range(RETYPE_MAX_OBJECTS)
        ),
        Lemma("carve_objects", implies(ok, objects_outside(c.start, c.end)), base),
        Lemma("carve_untyped", implies(ok, untyped_outside(c.start, c.end)), base),
        Lemma(
            "carve_vacant",
            implies(
                ok,
                and_(
                    *(implies(k < c.count, not_(live(s1, kernel.carve_addr(c, k)))) for k in range(RETYPE_MAX_OBJECTS))
                ),
            ),
            assume("pspace_distinct.occupies"),
        ),
        Lemma("destinations_empty", implies(ok, and_(*dests)), assume("valid_caps")),
    ]
