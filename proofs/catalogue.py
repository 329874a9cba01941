"""The obligations ``mlk-prove`` discharges.

Names:

* ``boot/<family>``: the spec's boot state (:func:`mlk.model.boot.boot` on the default QEMU
  ``virt`` machine) satisfies the family;
* ``preserve/<transition>/<family>``: every family before, the transition's guard (the events
  :func:`mlk.model.kernel.classify` gives that name) and its effect imply the family after, for
  every transition of :data:`mlk.model.kernel.TRANSITIONS` and every family of
  :data:`mlk.proofs.invariants.ALL`: one obligation per pair, so that a failure names both;
* ``security/<transition>/<property>``: authority confinement, integrity of other threads'
  CSpace and VSpace (:mod:`mlk.proofs.security`) and ``rights_never_grow``, for every transition
  (:mod:`mlk.proofs.secproofs`).

The scheduling property ("after every transition the running thread is a highest-priority
runnable thread") is the family ``sched_highest`` together with ``valid_blocked`` (every runnable
thread is running or queued) and ``valid_queues``: their ``preserve/*`` obligations prove it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import cache, partial

import z3

from mlk.model.boot import boot, qemu_virt
from mlk.model.kernel import TRANSITIONS
from mlk.proofs import deletion, lemmas, retype, retypemaps, search
from mlk.proofs.access import WORD, index_definition, word
from mlk.proofs.concrete import abstract, to_z3
from mlk.proofs.discharge import TIER_RLIMITS
from mlk.proofs.enc import Kernel, SymEvent
from mlk.proofs.enc.base import FAULT, SYSCALL
from mlk.proofs.invariants import ALL, Invariant, by_name
from mlk.proofs.obligation import Goal, Lemma, Obligation, Query
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import RefSort, Val, bor_axioms, select

#: The bound of the boot obligations: the boot state is that of one machine.
BOOT_BOUND = "boot state of qemu_virt() (the default machine)"

#: Every transition is encoded (the differential test checks them all against the spec).
ENCODED = tuple(TRANSITIONS)

#: The transitions whose preservation obligations ``mlk-prove`` runs by default: those proved so
#: far. The others are *pending*: encoded and differentially tested, their obligations listed
#: and runnable (``--pending``), but not yet all proved; every run names them.
PROVED = (
    "halted",
    "idle",
    "tick",
    "yield",
    "debug_putchar",
    "debug_checkpoint",
    "debug_halt",
    "cnode_copy",
    "cnode_mint",
    "cnode_move",
    "cnode_mutate",
    "tcb_configure",
    "tcb_set_priority",
    "tcb_suspend",
    "tcb_resume",
    "tcb_read_registers",
    "tcb_write_registers",
    "tcb_bind_notification",
    "tcb_unbind_notification",
    "irq_control_issue",
    "irq_handler_set_notification",
    "irq_handler_ack",
    "irq_handler_clear",
    "illegal_invocation",
    "reply",
    "endpoint_send",
    "notification_signal",
    "notification_wait",
    "user_fault",
    "unknown_syscall",
    "cap_fault",
    "endpoint_receive",
    "device_irq",
    "frame_map",
    "frame_unmap",
    "page_table_map",
    "page_table_unmap",
    "cnode_delete",
    "cnode_revoke",
    "untyped_retype",
)

#: Transitions not in :data:`PROVED` whose preservation is proved for every family but these:
#: their other ``preserve/*`` obligations run by default, these only with ``--pending``. None
#: now: the last, ``untyped_retype``'s, were proved one family after another (proofs/README.md,
#: *Retype*).
PENDING_FAMILIES: dict[str, tuple[str, ...]] = {}

#: Each proved spec transition stands for itself (the spec browser reads this).
COVERED_TRANSITIONS: dict[str, tuple[str, ...]] = {name: (name,) for name in PROVED}

#: Families every focused proof assumes besides the goal's own (the shapes of objects and
#: capabilities that nearly every argument uses).
CORE = ("valid_objs", "valid_caps", "valid_tcb_state")

#: For each family, the other families its preservation proofs are known to need (tried first,
#: with the goal's own family and :data:`CORE`; the full set of hypotheses comes second). An
#: entry ``family.conjunct`` assumes that conjunct alone (the rest of a large family can drown
#: the solver in instantiations it does not need).
FOCUS: dict[str, tuple[str, ...]] = {
    "valid_objs": ("sym_refs", "valid_irq_handlers", "valid_reply_caps", "valid_idle", "cur_tcb"),
    "valid_caps": ("cdt_links", "if_live_then_nonz_cap", "valid_irq_handlers", "valid_idle", "originals", "cdt_paths"),
    "valid_tcb_state": ("sym_refs", "valid_reply_caps", "valid_idle", "if_live_then_nonz_cap"),
    "pspace_aligned": ("pspace_distinct",),
    "pspace_distinct": ("pspace_aligned", "descendants_inc", "untyped_mdb", "untyped_inc"),
    "sym_refs": ("valid_reply_caps", "valid_idle", "valid_queues", "cur_tcb"),
    "refcounts_exact": ("cdt_links", "valid_irq_handlers", "valid_idle"),
    "if_live_then_nonz_cap": ("cdt_links", "no_mloop", "valid_idle"),
    "cdt_links": ("no_mloop",),
    "no_mloop": ("cdt_links",),
    "descendants_inc": ("cdt_links", "if_live_then_nonz_cap"),
    "untyped_mdb": ("cdt_links", "cdt_paths"),
    "untyped_inc": ("cdt_links", "no_mloop", "descendants_inc", "cdt_paths"),
    "cdt_paths": ("cdt_links", "no_mloop", "untyped_inc"),
    "originals": ("cdt_links", "cdt_paths", "if_live_then_nonz_cap", "valid_irq_handlers", "untyped_inc"),
    "valid_reply_caps": ("sym_refs", "cur_tcb", "valid_idle"),
    "valid_idle": ("valid_queues", "cur_tcb", "sym_refs"),
    "valid_irq_handlers": ("cdt_links",),
    "valid_queues": ("ct_not_in_q", "valid_blocked", "cur_tcb", "sched_highest", "valid_idle", "sym_refs"),
    "ct_not_in_q": ("valid_queues", "cur_tcb", "valid_idle", "sched_highest"),
    "valid_blocked": ("valid_queues", "ct_not_in_q", "cur_tcb", "sched_highest", "valid_idle", "sym_refs"),
    "cur_tcb": ("valid_queues", "ct_not_in_q", "sched_highest", "valid_idle", "valid_reply_caps"),
    "sched_highest": ("valid_queues", "ct_not_in_q", "cur_tcb", "valid_blocked", "valid_idle"),
    "valid_global_refs": ("descendants_inc", "untyped_mdb"),
    "rights_never_grow": ("cdt_links",),
    "badge_never_changes": ("cdt_links",),
    "no_kernel_mappings": ("mappings_match_caps", "valid_global_refs"),
    "mappings_match_caps": ("no_kernel_mappings",),
    "table_vspaces": (
        "no_kernel_mappings",
        "mappings_match_caps.entry_recorded",
        "mappings_match_caps.one_cap_per_table",
        "mappings_match_caps.mapped_table_records_entry",
        "mappings_match_caps.mapped_in_vspace",
        "mappings_match_caps.unmapped_table_unreached",
        "mappings_match_caps.unmapped_table_empty",
        "mappings_match_caps.entries_numbered",
    ),
    "mapping_rights_within_cap": (
        "no_kernel_mappings",
        "mappings_match_caps.mapped_in_vspace",
        "mappings_match_caps.entries_numbered",
        "mappings_match_caps.mapped_frame_records_entry",
    ),
}

#: The step limits of the tiers of a focused proof (own family, every family, focus families;
#: 0 skips a tier) for the families whose goals need other limits than
#: :data:`mlk.proofs.discharge.TIER_RLIMITS`: the address-space families. Every family (98
#: hypotheses) proves none of their goals after an address-space invocation within its limit and
#: spends about a second trying; the goals of ``mapping_rights_within_cap`` need the focus
#: conjuncts (0.15 million steps under them). Each goal of ``mappings_match_caps`` that reads
#: the walks of the capability recording an entry through the changed tables takes 1 to 5
#: million steps under its focus, depending on what the process solved before (with 3 million,
#: two obligations were unknown). ``table_vspaces`` after Page Table Map and Unmap: 0.2 to 1.5
#: million under its focus, none under its own family alone.
TIER_STEPS: dict[str, tuple[int, int, int]] = {
    "no_kernel_mappings": (500_000, 0, 3_000_000),
    "mappings_match_caps": (0, 0, 20_000_000),
    "mapping_rights_within_cap": (0, 0, 3_000_000),
    "table_vspaces": (0, 0, 10_000_000),
}


#: Hypotheses (families and single conjuncts) known to suffice for one goal, ``family.conjunct``,
#: tried before the tiers. Renumbering the entries of a table (the address-space invocations)
#: needs only the numbering and the shapes of objects and capabilities, and the frame's recorded
#: entry to know that Frame Unmap removes an entry that is there: 0.1 to 0.4 million steps, where
#: the focus families of ``mappings_match_caps`` took 2 to 12 million.
_NUMBERING = (
    "valid_objs",
    "valid_caps",
    "mappings_match_caps.entries_numbered",
    "mappings_match_caps.entries_listed",
    "mappings_match_caps.entries_nonneg",
    "mappings_match_caps.mapped_frame_records_entry",
)
GOAL_FOCUS: dict[str, tuple[str, ...]] = {
    "mappings_match_caps.entries_numbered": _NUMBERING,
    "mappings_match_caps.entries_listed": _NUMBERING,
    "mappings_match_caps.entries_nonneg": _NUMBERING,
    # After a device interrupt the idle thread runs only if the signal woke nobody: that needs the
    # line's notification to be a notification (valid_irq_handlers) and its waiters to be
    # threads blocked on it (sym_refs). Without them the goal was proved only by the full proof,
    # bounded by wall time (8 to 62 s under load, unknown at load 9); with them, 0.8 s (1.5 s with 2
    # jobs idle). It is tried first for every transition: where it fails (the faults, Send, Receive,
    # Signal) it costs about 1 s before the tiers prove the goal; 29.7 s for all 40 sched_highest
    # obligations idle, 37.3 s without it.
    "sched_highest.idle_alone": (
        "valid_objs",
        "valid_queues",
        "ct_not_in_q",
        "cur_tcb",
        "valid_blocked",
        "valid_idle",
        "sched_highest",
        "valid_irq_handlers",
        "sym_refs",
    ),
}


#: Hypotheses known to suffice for the goals of the address-space families after Delete and
#: Revoke, with the lemmas of :mod:`mlk.proofs.deletion`, and the step limit of the attempt: tried
#: before the tiers (as :data:`GOAL_FOCUS`, which they replace there), with the transition's
#: :data:`STEP_FAMILIES`. Under the families' focus each recording goal of
#: ``mappings_match_caps`` took 4.6 to 7.2 million steps (1 to 2 s); with the lemma
#: ``other_records_kept`` and ``valid_caps.target`` 0.8 to 5.2 million (0.06 to 0.2 s: most of
#: those steps go to the term of the state after, 3 million for the negated goal alone); the other
#: goals 0.5 to 0.8 million each.
_TARGET = ("valid_caps.target",)
_MM = "mappings_match_caps."
DELETE_GOAL_FOCUS: dict[str, tuple[int, tuple[str, ...]]] = {
    **{
        f"no_kernel_mappings.{c}": (3_000_000, ("no_kernel_mappings", "valid_objs.no_object_at_none", *_TARGET))
        for c in ("vspace_entries", "table_entries", "leaf_entries")
    },
    "mapping_rights_within_cap.frame_rights": (
        3_000_000,
        ("mapping_rights_within_cap", f"{_MM}mapped_frame_records_entry", "no_kernel_mappings.leaf_entries", *_TARGET),
    ),
    f"{_MM}mapped_in_vspace": (3_000_000, (f"{_MM}mapped_in_vspace", *_TARGET)),
    f"{_MM}mapped_frame_records_entry": (3_000_000, _TARGET),
    f"{_MM}mapped_table_records_entry": (10_000_000, _TARGET),
    f"{_MM}entry_recorded": (10_000_000, _TARGET),
    f"{_MM}unmapped_table_empty": (
        3_000_000,
        (f"{_MM}unmapped_table_empty", f"{_MM}entries_numbered", f"{_MM}one_cap_per_table", *_TARGET),
    ),
    f"{_MM}unmapped_table_unreached": (3_000_000, (f"{_MM}unmapped_table_unreached", *_TARGET)),
    f"{_MM}one_cap_per_table": (3_000_000, (f"{_MM}one_cap_per_table",)),
    **{f"{_MM}{c}": (3_000_000, _NUMBERING) for c in ("entries_numbered", "entries_listed", "entries_nonneg")},
}


#: The goal focus of some transitions' goals (hypotheses and step limit, which replace
#: :data:`GOAL_FOCUS` there): Delete and Revoke's address-space families, Retype's derivation tree.
STEP_GOAL_FOCUS: dict[str, dict[str, tuple[int, tuple[str, ...]]]] = {
    **dict.fromkeys(deletion.DELETED, DELETE_GOAL_FOCUS),
    "untyped_retype": retype.GOAL_FOCUS,
}


#: Retype's families whose goals are tried first under a few hypotheses (families and single
#: conjuncts), in the lean context (:func:`_lean_context`), part by part (:func:`mlk.proofs.
#: discharge.split`), each part with the step limit given. Every goal about the state after
#: Retype pays for the terms of the step: under the tiers (own family and the shapes of objects and
#: capabilities, the whole context) each of ``if_live_then_nonz_cap``'s goals took 2 to 9 million
#: steps; the carve's arithmetic (the 44-way definitions of the object size and of the first
#: address) and the scheduler's ``highest`` cost each attempt about a million steps before any
#: search, and the lemmas state what the goals need of them (``carve_vacant``, ``carve_inside``).
RETYPE_FOCUS: dict[str, tuple[int, tuple[str, ...]]] = {
    "if_live_then_nonz_cap": (5_000_000, ("if_live_then_nonz_cap",)),
    "valid_objs": (5_000_000, ("valid_objs",)),
    # a slot's CNode, a thread's CSpace and VSpace and a line's notification are live objects of
    # their kind, so not new (carve_vacant)
    "refcounts_exact": (
        5_000_000,
        ("refcounts_exact", "valid_caps", "valid_tcb_state", "valid_irq_handlers.lines"),
    ),
    "valid_reply_caps": (5_000_000, ("valid_reply_caps",)),
}

#: The carve's quantities whose definitions the lean context of Retype's goals leaves out.
_CARVE_ARITHMETIC = ("retype.bits", "retype.unit", "retype.free", "retype.start", "retype.end")


def _lean_context(kernel: Kernel, transition: str, context: Sequence[Val], arithmetic: bool = False) -> list[Val]:
    """``context`` (:func:`_step`) without the side conditions the goals of
    :data:`RETYPE_FOCUS` do without: the definitions of :data:`_CARVE_ARITHMETIC` (kept with
    ``arithmetic``: Retype's :data:`STEP_GOAL_FOCUS`, whose goals compare the new capabilities'
    regions with the untyped capability's watermark) and of the constants the scheduler named
    (``highest``, which no goal of those focus sets reads: 0.3 million steps per attempt); fewer
    hypotheses, so a proof under them is a proof."""
    kept = {n: c for n, c in step_names(kernel, transition).items() if arithmetic or n not in _CARVE_ARITHMETIC}
    side = _SIDE[kernel, transition]
    return [c for c in context if not any(c.eq(d) for d in side) or _defines(c, kept)]


def _focus_of(goal: Goal, transition: str, context: Sequence[Val], kernel: Kernel, family: str) -> Goal:
    """``goal`` with the hypotheses known to suffice for it after ``transition``
    (:data:`STEP_GOAL_FOCUS` for the goal, else :data:`RETYPE_FOCUS` for its family, else
    :data:`GOAL_FOCUS`), if there are any."""
    if goal.name in STEP_GOAL_FOCUS.get(transition, {}):
        limit, names = STEP_GOAL_FOCUS[transition][goal.name]
        focus = _assume(dict.fromkeys([*names, *STEP_FAMILIES.get(transition, ())]))
        if transition == "untyped_retype":
            context = _lean_context(kernel, transition, context, arithmetic=True)
        return replace(goal, focus=[*focus, *context], focus_rlimit=limit)
    if transition == "untyped_retype" and family in RETYPE_FOCUS:
        limit, names = RETYPE_FOCUS[family]
        focus = [*_assume(names), *_lean_context(kernel, transition, context)]
        return replace(goal, focus=focus, focus_rlimit=limit, split_focus=True)
    if goal.name in GOAL_FOCUS:
        return replace(goal, focus=[*_assume(GOAL_FOCUS[goal.name]), *context])
    return goal


#: For a transition, families every focused proof of its obligations assumes (in each tier):
#: what the step needs to know of the slot or object it acts on. Revoke deletes the youngest
#: child of a slot, which is occupied only by ``cdt_links`` (without it, ``sym_refs`` after
#: Revoke is beyond 10 million steps under its focus families; with it, under 2 million).
STEP_FAMILIES: dict[str, tuple[str, ...]] = {"cnode_revoke": ("cdt_links",)}


#: Transitions whose preservation goals are hinted (:func:`_goals`): those that destroy objects;
#: and ``transition/family`` pairs: Retype's ``pspace_aligned`` and ``pspace_distinct``, whose
#: goals name an object that may be new or old (with the hint 1 to 3 million steps; without it,
#: unknown within 15 million under the same hypotheses). Hinting every Retype family left
#: ``valid_caps.target`` and ``refcounts_exact`` unknown and made ``valid_objs``, ``sym_refs``,
#: ``valid_tcb_state`` no cheaper. Hints are
#: not given elsewhere: the other transitions were proved without them, and with them some goals
#: took far longer (``preserve/notification_signal/sched_highest``: its goal focus went from well
#: under a second to 32 s, past its step limit, in the full suite's process history).
HINTED = ("cnode_delete", "cnode_revoke", "untyped_retype/pspace_aligned", "untyped_retype/pspace_distinct")


def hinted(transition: str, family: str) -> bool:
    """Whether the goals of ``preserve/<transition>/<family>`` are hinted (:data:`HINTED` names
    the transition, or ``transition/family``)."""
    return transition in HINTED or f"{transition}/{family}" in HINTED


def _few_children(s: SymState) -> Val:
    r = z3.Const("bound.r", RefSort)
    count = select(s.f["nchild"], r)
    return z3.ForAll([r], count < WORD, patterns=[count])


#: Bounds that some obligations assume (``preserve/<transition>/<family>``: the bound as printed
#: next to the obligation, and the fact about the state before). Revoke replies with the number
#: of children left, a register value, which ``valid_objs`` requires to be a 64-bit word: the
#: families do not bound the number of a slot's children (each is a distinct occupied slot, so
#: it is below the number of slots that fit in memory, a counting argument Z3 does not make);
#: see proofs/README, *Bounds*.
BOUNDS: dict[str, tuple[str, Callable[[SymState], Val]]] = {
    "preserve/cnode_revoke/valid_objs": ("a slot has fewer than 2**64 children", _few_children),
}


#: The solver's step limits of the focused tiers (own family, every family, focus families) for
#: transitions whose step is large: Retype's eight unrolled objects take Z3 about 5 million steps
#: to set up before any search (a tenth of a second), where the defaults
#: (:data:`mlk.proofs.discharge.TIER_RLIMITS`) are half a million to 3 million in all.
RLIMITS: dict[str, tuple[int, int, int]] = {"untyped_retype": (15_000_000, 25_000_000, 40_000_000)}


def tier_limits(transition: str, family: str) -> tuple[int, ...]:
    """The step limits of the focused tiers of ``preserve/<transition>/<family>``: the family's
    (:data:`TIER_STEPS`, empty for the defaults), raised to the transition's (:data:`RLIMITS`)
    where it has some; a skipped tier stays skipped."""
    own = TIER_STEPS.get(family, ())
    if transition not in RLIMITS:
        return own
    return tuple(0 if b == 0 else max(b, r) for b, r in zip(own or TIER_RLIMITS, RLIMITS[transition], strict=True))


def own_families(name: str) -> list[str]:
    """The families the smallest focused proof of family ``name`` assumes: itself and :data:`CORE`."""
    wanted = [name, *CORE]
    return [f.name for f in ALL if f.name in wanted]


def focus_families(name: str) -> list[str]:
    """The families (and single conjuncts, ``family.conjunct``) a focused proof of family
    ``name`` assumes."""
    wanted = [name, *CORE, *FOCUS.get(name, ())]
    return [f.name for f in ALL if f.name in wanted] + [w for w in wanted if "." in w]


def pending_transitions() -> list[str]:
    """The transitions whose preservation is not yet proved (see :data:`PROVED`), those proved
    for some families followed by the families still pending (:data:`PENDING_FAMILIES`)."""
    return [
        f"{t} ({', '.join(PENDING_FAMILIES[t])})" if t in PENDING_FAMILIES else t for t in ENCODED if t not in PROVED
    ]


def proved_preservation(transition: str, family: str) -> bool:
    """Whether ``preserve/<transition>/<family>`` is among the obligations run by default."""
    if transition in PROVED:
        return True
    return transition in PENDING_FAMILIES and family not in PENDING_FAMILIES[transition]


#: What the proofs do not cover yet (printed by ``mlk-prove``).
NOT_ENCODED_PROPERTIES: tuple[str, ...] = ()


class Recorder(dict[str, Val]):
    """A field map that records which fields are read."""

    def __init__(self, values: dict[str, Val]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Val:
        self.read.add(key)
        return super().__getitem__(key)


@cache
def conjunct_reads(inv: Invariant) -> tuple[frozenset[str], ...]:
    """The state fields each conjunct of family ``inv`` reads."""
    reads = []
    for c in inv.conjuncts:
        rec = Recorder(SymState.fresh("r").f)
        c.instance(SymState(rec), "r")
        reads.append(frozenset(rec.read))
    return tuple(reads)


@cache
def read_set(inv: Invariant) -> frozenset[str]:
    """The state fields family ``inv`` reads."""
    return frozenset().union(*conjunct_reads(inv))


def event_facts(e: SymEvent) -> list[Val]:
    """What every event satisfies: its registers are 64-bit values (``normal_ctx``); a system
    call and a user fault always come with the registers (only ticks and interrupts may not)."""
    r = z3.Int("ev.r")
    return [
        z3.ForAll([r], word(select(e.ctx, r))),
        z3.Implies(z3.Or(e.kind == SYSCALL, e.kind == FAULT), e.has_ctx),
    ]


def _goals(inv: Invariant, s: SymState, tag: str, before: SymState | None = None) -> list[Goal]:
    """The conjuncts of ``inv`` about ``s`` at fresh witnesses; with ``before`` (the state before
    a step, whose families are the hypotheses) each goal is hinted with the same conjunct of
    ``before`` at its witnesses (``pspace_aligned`` after Delete: immediate with the hint,
    beyond 3 million steps without)."""
    goals = []
    for c in inv.conjuncts:
        term, xs = c.instance(s, tag)
        hints = [c.body(before, *xs)] if before is not None and xs else []
        goals.append(Goal(f"{inv.name}.{c.name}", z3.simplify(term) if z3.is_expr(term) else term, xs, hints=hints))
    return goals


@cache
def _pre() -> tuple[SymState, SymEvent]:
    """The state before and the event of every preservation obligation (arbitrary ones)."""
    return SymState.fresh("pre"), SymEvent.fresh("ev")


@cache
def _hypotheses(name: str) -> tuple[Val, ...]:
    """Family ``name`` (or the one conjunct ``family.conjunct``) assumed of the state before."""
    family, _, conjunct = name.partition(".")
    pre = _pre()[0]
    return tuple(c.assume(pre) for c in by_name(family).conjuncts if conjunct in ("", c.name))


def _assume(names: Iterable[str]) -> list[Val]:
    return [h for name in names for h in _hypotheses(name)]


@cache
def _step(kernel: Kernel, transition: str) -> tuple[SymState, tuple[Val, ...]]:
    """The state after ``transition`` and what the step assumes besides the families: the
    transition's guard, the facts about events, the definitions of the encoding's fresh
    constants and of bitwise OR."""
    s, e = _pre()
    kernel.names.clear()
    post = kernel.effect(s, e, transition)
    guard = kernel.guard(s, e, transition)
    _NAMES[kernel, transition] = dict(kernel.names)
    side = tuple(kernel.side_conditions())
    _SIDE[kernel, transition] = side
    return post, (guard, *event_facts(e), *side, *bor_axioms(64))


_NAMES: dict[tuple[Kernel, str], dict[str, Val]] = {}
_SIDE: dict[tuple[Kernel, str], tuple[Val, ...]] = {}


def step_names(kernel: Kernel, transition: str) -> dict[str, Val]:
    """The constants the encoding named in the step of :func:`_step` (``revoke.child``, ...)."""
    _step(kernel, transition)
    return _NAMES[kernel, transition]


@cache
def _step_lemmas(kernel: Kernel, transition: str) -> tuple[Lemma, ...]:
    """The lemmas about the step ``transition`` (none for most)."""
    s, e = _pre()
    if transition == "untyped_retype":
        names = step_names(kernel, transition)
        defined = [d for d in _step(kernel, transition)[1] if _defines(d, names)]
        base = [kernel.guard(s, e, transition), *event_facts(e), *defined]
        return tuple(retype.lemmas(kernel, s, e, names, base))
    if transition in deletion.DELETED:
        post, context = _step(kernel, transition)
        d = step_names(kernel, transition)[deletion.DELETED[transition]]
        return tuple(deletion.lemmas(kernel, s, post, d, context))
    return ()


def _defines(fact: Val, names: dict[str, Val]) -> bool:
    """Whether ``fact`` is the definition of one of the constants ``names``."""
    return z3.is_eq(fact) and any(fact.arg(0).eq(c) for c in names.values())


def _lemmas(kernel: Kernel, transition: str, name: str) -> tuple[Lemma, ...]:
    """The lemmas of the obligation of ``transition`` about family or security property
    ``name``: :mod:`mlk.proofs.retype`'s for Retype (some only for some families,
    :data:`mlk.proofs.retype.ONLY`), :mod:`mlk.proofs.deletion`'s for those of Delete and Revoke
    about the address spaces (:data:`mlk.proofs.deletion.FAMILIES`)."""
    if transition in deletion.DELETED and name not in deletion.FAMILIES:
        return ()
    step = _step_lemmas(kernel, transition)
    if transition == "untyped_retype" and name == retypemaps.FAMILY:
        return retypemaps.chosen([*step, *_maps_lemmas(kernel)])
    return tuple(lemma for lemma in step if retype.wanted(lemma, name))


@cache
def _maps_lemmas(kernel: Kernel) -> tuple[Lemma, ...]:
    """The lemmas of :mod:`mlk.proofs.retypemaps` about the step ``untyped_retype``. Built only by
    the obligation that proves them, not by :func:`prepare`: their terms, built before every
    query, made other queries' solver steps differ (``preserve/page_table_unmap/
    mappings_match_caps`` 8.7 -> 35.3 million)."""
    s, e = _pre()
    post = _step(kernel, "untyped_retype")[0]
    _, _, carve = retype.carve_of(kernel, s, e, step_names(kernel, "untyped_retype"))
    return tuple(retypemaps.lemmas(s, post, carve))


@cache
def _boot_state() -> SymState:
    return to_z3(abstract(boot(qemu_virt())))


def boot_query(inv: Invariant) -> Query:
    """``boot/<inv>``: the family holds of the boot state, as Z3 literals (with the definition of
    the table index, :func:`mlk.proofs.access.table_index`)."""
    return Query(index_definition(), [], _goals(inv, _boot_state(), "w"))


def unchanged(kernel: Kernel, transition: str, fields: Iterable[str]) -> bool:
    """Whether each of ``fields`` of the state after ``transition`` is, term for term, the field
    of the state before (what reads only them is then the same of both states: proved by frame)."""
    s, _ = _pre()
    post = _step(kernel, transition)[0]
    return all(post.f[f] is s.f[f] for f in fields)


def preserve_framed(kernel: Kernel, transition: str, inv: Invariant) -> bool:
    """Whether every field family ``inv`` reads is unchanged by ``transition`` (the family after
    is then the hypothesis about the state before)."""
    return unchanged(kernel, transition, read_set(inv))


def preserve_query(kernel: Kernel, transition: str, inv: Invariant) -> Query:
    """``preserve/<transition>/<inv>``."""
    s, _ = _pre()
    post, context = _step(kernel, transition)
    if preserve_framed(kernel, transition, inv):
        return Query([], [], [], frame=True)
    # a conjunct whose fields are all unchanged is the hypothesis about the state before itself
    framed = {
        f"{inv.name}.{c.name}"
        for c, reads in zip(inv.conjuncts, conjunct_reads(inv), strict=True)
        if unchanged(kernel, transition, reads)
    }
    bound = BOUNDS.get(f"preserve/{transition}/{inv.name}")
    context = (*context, bound[1](s)) if bound else context
    step = STEP_FAMILIES.get(transition, ())
    chosen = _lemmas(kernel, transition, inv.name)
    goals = [
        _focus_of(g, transition, context, kernel, inv.name)
        for g in _goals(inv, post, "w", s if hinted(transition, inv.name) else None)
        if g.name not in framed
    ]
    if transition == "untyped_retype" and inv.name == retypemaps.FAMILY:
        goals = [retypemaps.focused(g, chosen, s, post, context[0]) for g in goals]
    return Query(
        [*_assume(f.name for f in ALL), *context],
        [
            [*_assume(dict.fromkeys([*own_families(inv.name), *step])), *context],
            [*_assume(f.name for f in ALL), *context],
            [*_assume(dict.fromkeys([*focus_families(inv.name), *step])), *context],
        ],
        goals,
        False,
        s,
        post,
        tier_limits(transition, inv.name),
        chosen,
        sorted(framed),
    )


@cache
def prepare(kernel: Kernel) -> None:
    """Build what the queries of ``kernel``'s obligations share, all of it, in one order: the
    boot state, the families assumed of the state before, every transition's step and lemmas,
    the fields each family reads. The runner calls this before it forks any prover process; the
    processes inherit it instead of each building it again. Building all of it, whatever
    obligations are selected, makes every process start from the same Z3 terms: the solver steps
    of a query depend on the terms that exist (``preserve/cnode_revoke/sym_refs`` took 10.4
    million steps after the Revoke step alone was built, 11.5 million after the steps of Copy and
    Delete too), so that a run of some obligations (``--only``) takes the steps of the whole
    suite's run, which the record of :mod:`mlk.proofs.hints` is about."""
    _boot_state()
    _assume(f.name for f in ALL)
    for transition in ENCODED:
        _step(kernel, transition)
        _step_lemmas(kernel, transition)
    for inv in ALL:
        read_set(inv)


def obligations(kernel: Kernel | None = None, pending: bool = False) -> list[Obligation]:
    """The obligations for ``kernel`` (default: the faithful encoding; a mutant to refute): the
    proved transitions', and with ``pending`` the others' too."""
    k = kernel or Kernel()
    result = [
        Obligation(f"boot/{inv.name}", partial(boot_query, inv), BOOT_BOUND, prepare=partial(prepare, k)) for inv in ALL
    ]
    result += lemmas.obligations()
    for transition in ENCODED:
        for inv in ALL:
            if not (pending or proved_preservation(transition, inv.name)):
                continue
            name = f"preserve/{transition}/{inv.name}"
            result.append(
                Obligation(
                    name,
                    partial(preserve_query, k, transition, inv),
                    BOUNDS[name][0] if name in BOUNDS else None,
                    partial(search.preserve_counterexample, k, transition, inv),
                    prepare=partial(prepare, k),
                    framed=partial(preserve_framed, k, transition, inv),
                )
            )
    from mlk.proofs import secproofs  # noqa: PLC0415  (it builds on this module)

    result += secproofs.obligations(k, ENCODED, pending)
    return result
