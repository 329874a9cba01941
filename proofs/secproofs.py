"""The security obligations: ``security/<transition>/<property>`` for every transition.

Properties (:mod:`mlk.proofs.security`): ``confinement`` and ``integrity``, and
``rights_never_grow``, the invariant family of that name (its obligation is the preservation
query of the family, listed here as a security property too). A query's hypotheses are every
family about the state before, the transition's guard and the facts about events, as for the
preservation obligations; its goals are the property's checks at fresh witnesses.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial

import z3

from mlk.model.kernel import step
from mlk.proofs import search, secpairs, secretype
from mlk.proofs.access import at2
from mlk.proofs.catalogue import (
    RLIMITS,
    STEP_FAMILIES,
    _assume,
    _lemmas,
    _pre,
    _step,
    prepare,
    preserve_framed,
    preserve_query,
    step_names,
    unchanged,
)
from mlk.proofs.concrete import abstract, domains, keys
from mlk.proofs.counterexample import render_states
from mlk.proofs.enc import Kernel, concrete_event
from mlk.proofs.invariants import ALL, by_name
from mlk.proofs.obligation import Goal, Obligation, Query
from mlk.proofs.security import (
    ENTRY_FIELDS,
    LINE_FIELDS,
    OBJECT_FIELDS,
    PROPERTIES,
    SLOT_FIELDS,
    Property,
    broken,
)
from mlk.proofs.terms import RefSort, Val

#: The name of the invariant family that is a security property as well.
RIGHTS = "rights_never_grow"
#: Every security property, in the order of the obligations.
NAMES = (*(p.name for p in PROPERTIES), RIGHTS)
#: Families a focused proof of a security property assumes.
FOCUS = (
    "valid_objs",
    "valid_caps",
    "valid_tcb_state",
    "cdt_links",
    "cdt_paths",
    "no_mloop",
    "sym_refs",
    "valid_reply_caps",
    "valid_irq_handlers",
    "mappings_match_caps",
)
#: Hypotheses known to suffice for one check (``property.check``), tried before :data:`FOCUS`.
#: ``integrity.vspace`` after a change of translation entries: the changed entry is in a table
#: under the VSpace the acting thread names (Map) or its capability records (Unmap, Delete), and
#: ``table_vspaces`` makes that VSpace the only one the table is under; ``valid_idle`` and
#: ``valid_tcb_state`` make another thread's VSpace a VSpace (0.1 to 0.7 million steps; unknown
#: within 30 s under every family). With the transition's :data:`mlk.proofs.catalogue.STEP_FAMILIES`
#: (Revoke's deleted child is occupied by ``cdt_links``: 0.4 million steps with it, unknown within
#: 10 million without).
GOAL_FOCUS: dict[str, tuple[str, ...]] = {
    "integrity.vspace": (
        "valid_objs",
        "valid_caps",
        "valid_tcb_state",
        "valid_idle",
        "table_vspaces",
        "no_kernel_mappings",
        "mappings_match_caps.mapped_in_vspace",
        "mappings_match_caps.mapped_frame_records_entry",
        "mappings_match_caps.mapped_table_records_entry",
    ),
}

#: The fields each property reads of the state after (unchanged terms prove it by frame).
_READS = {
    "confinement": (*OBJECT_FIELDS, *ENTRY_FIELDS, *SLOT_FIELDS, *LINE_FIELDS, "bound", "intfn"),
    "integrity": ("kind", "cspace", "vspace", *ENTRY_FIELDS, *SLOT_FIELDS),
}


def _witnesses(sorts: Sequence[str], tag: str) -> list[Val]:
    return [z3.Const(f"{tag}.{k}", RefSort if sort == "ref" else z3.IntSort()) for k, sort in enumerate(sorts)]


def _revoke_hints(names: dict[str, Val]) -> list[Val]:
    pre = _pre()[0]
    return [at2(pre, "anc", names["revoke.child"], names["revoke.target"])]


#: Ground terms given with every goal of a transition's security obligations (as
#: :attr:`mlk.proofs.obligation.Goal.hints`), from the constants its step names: the deleted child
#: of Revoke descends from the revoked slot, which makes the solver instantiate the ancestor
#: definition there and find the controlled slot it descends from (each of the confinement goals
#: under 1.5 million steps; without, none within 3 million).
STEP_HINTS: dict[str, Callable[[dict[str, Val]], list[Val]]] = {"cnode_revoke": _revoke_hints}


def security_framed(kernel: Kernel, transition: str, prop: Property) -> bool:
    """Whether every field ``prop`` reads of the state after ``transition`` is, term for term,
    the field of the state before (then the property holds: nothing it is about changed)."""
    return unchanged(kernel, transition, _READS[prop.name])


def security_query(kernel: Kernel, transition: str, prop: Property) -> Query:
    """``security/<transition>/<prop>``: the state before, the step and the hypotheses are those
    of the preservation obligations of ``transition`` (built once, see
    :func:`mlk.proofs.catalogue.prepare`)."""
    s, e = _pre()
    post, context = _step(kernel, transition)
    if security_framed(kernel, transition, prop):
        return Query([], [], [], frame=True)
    goals = []
    hints = STEP_HINTS[transition](step_names(kernel, transition)) if transition in STEP_HINTS else []
    pieces = transition == secretype.TRANSITION
    lemmas = secretype.lemmas(kernel, prop.name) if pieces else _lemmas(kernel, transition, prop.name)
    for check in prop.checks(transition):
        xs = _witnesses(check.sorts, f"w.{check.name}")
        term = check.body(None, s, post, e, *xs)
        name = f"{prop.name}.{check.name}"
        own = GOAL_FOCUS.get(name, ())
        focus = [*_assume(dict.fromkeys([*own, *STEP_FAMILIES.get(transition, ())])), *context] if own else []
        extra = []
        if pieces:  # the lemmas say what the step changes: the guard and their instances suffice
            focus, extra = [kernel.guard(s, e, transition)], secretype.hints(lemmas, name, xs)
        goal = Goal(name, z3.simplify(term) if z3.is_expr(term) else term, xs, focus=focus, hints=[*hints, *extra])
        goals.append(goal)
    return Query(
        [*_assume(f.name for f in ALL), *context],
        [[*_assume(FOCUS), *context]],
        goals,
        False,
        s,
        post,
        (RLIMITS[transition][-1],) if transition in RLIMITS else (),
        lemmas,
    )


def security_counterexample(
    kernel: Kernel, transition: str, prop: Property, seconds: float
) -> tuple[list[str], str] | None:
    """A pair of :func:`mlk.proofs.secpairs.pairs` or :func:`mlk.proofs.search.pool` whose step
    by ``kernel`` breaks ``prop``: the broken checks and a rendering, or ``None`` within
    ``seconds``."""
    start = time.perf_counter()
    candidates = [*secpairs.by_transition().get(transition, []), *search.pool().get(transition, [])]
    for before, event in candidates:
        if time.perf_counter() - start > seconds:
            return None
        sym = abstract(before)
        ev = concrete_event(event)
        after_sym = kernel.effect(sym, ev, transition)
        spec_next, _ = step(before, event)
        d = search._merged(domains(before), domains(spec_next), keys(after_sym.kind), keys(after_sym.occ))
        failed = broken(prop, transition, d, sym, after_sym, ev)
        if not failed:
            continue
        after = search.spec_after(before, after_sym)
        text = render_states(before, after, event, failed[0][1], spec_next)
        return [f"{prop.name}.{name}" for name, _ in failed], text
    return None


#: The security obligations not proved yet (``transition/property``): Z3 gives *unknown* within
#: the limits. ``mlk-prove`` runs them with ``--pending`` (or when ``--only`` selects them) and
#: names them on every run; the concrete checks of ``tests/proofs/test_security.py`` cover them.
PENDING: tuple[str, ...] = ()


def obligations(kernel: Kernel, transitions: Sequence[str], pending: bool = False) -> list[Obligation]:
    """The security obligations of ``transitions`` for ``kernel``, those of :data:`PENDING` only
    with ``pending``."""
    rights = by_name(RIGHTS)
    out = []
    for transition in transitions:
        for prop in PROPERTIES:
            out.append(
                Obligation(
                    f"security/{transition}/{prop.name}",
                    partial(security_query, kernel, transition, prop),
                    None,
                    partial(security_counterexample, kernel, transition, prop),
                    prepare=partial(prepare, kernel),
                    framed=partial(security_framed, kernel, transition, prop),
                )
            )
        out.append(
            Obligation(
                f"security/{transition}/{RIGHTS}",
                partial(preserve_query, kernel, transition, rights),
                None,
                partial(search.preserve_counterexample, kernel, transition, rights),
                prepare=partial(prepare, kernel),
                framed=partial(preserve_framed, kernel, transition, rights),
            )
        )
    return [o for o in out if pending or o.name.removeprefix("security/") not in PENDING]
