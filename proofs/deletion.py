"""What deleting a capability leaves of the address spaces: lemmas of the Delete and Revoke
obligations about translation entries.

``cnode_delete`` deletes the capability in a slot, ``cnode_revoke`` the youngest child of a slot
(:meth:`mlk.proofs.enc.ops.Ops.delete_slot`, ``revoke``): the slot ``d`` the encoding names
(``delete.target``, ``revoke.child``). Deleting a mapped frame or page-table capability removes
the entry it records; deleting an object's final capability destroys the object. The
address-space families after the step hold because neither leaves an entry, a walk or a mapped
capability that the families relate to something gone:

* the entry the step removes is the one ``d`` records, and it names ``d`` (``removed_entry``);
* a page-table capability is its table's final capability (``table_final``: one capability per
  table, and a parent is never the slot itself);
* a frame whose final capability goes has no other frame capability (``frame_alone``: every
  capability to it descends from its original, which is ``d``, childless);
* so the only entry naming the destroyed frame or the page table is the one ``d`` records
  (``entries_to_object``);
* a page table or VSpace that is destroyed has no entries (``destroyed_table_empty``: a table
  with entries is busy, DELETE_FIRST), so no walk passes through it and no capability is mapped
  in a destroyed VSpace (``vspace_unused``);
* so every other mapped capability records the same entry after the step as before
  (``other_records_kept``, about the state after: the recording goals of
  ``mappings_match_caps`` and ``mapping_rights_within_cap`` follow from it and their own
  conjunct at the witness, the goal's hint).

Each lemma but the last is a fact about the state before the step; each is proved under a few
conjuncts of the families and the lemmas before it (:class:`mlk.proofs.obligation.Lemma`),
inside every obligation that assumes them (:data:`FAMILIES`). Without them every goal of these
families had to find the chain itself under every family: the obligations ran into their time
limit, and the small sets of hypotheses that suffice with the lemmas
(:data:`mlk.proofs.catalogue.DELETE_GOAL_FOCUS`) prove nothing within 10 million steps without.
"""

from __future__ import annotations

from collections.abc import Iterable

import z3

from mlk.proofs.access import FRAME, PT, VS, at, at2, cobj, ctype, is_table, mapped, occ, recorded
from mlk.proofs.enc import Kernel
from mlk.proofs.enc.base import OK
from mlk.proofs.enc.cspace import read_cap
from mlk.proofs.invariants import by_name
from mlk.proofs.obligation import Lemma
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import NONE, RefSort, Val, and_, eq, implies, ne, or_

#: The transitions that delete a capability, and the name of the slot they delete.
DELETED: dict[str, str] = {"cnode_delete": "delete.target", "cnode_revoke": "revoke.child"}

#: The families whose obligations after those transitions assume the lemmas; the others (and
#: the security properties) do not need them and do not pay for their proofs.
FAMILIES = ("no_kernel_mappings", "mappings_match_caps", "mapping_rights_within_cap")


def lemmas(kernel: Kernel, s: SymState, post: SymState, d: Val, context: Iterable[Val]) -> list[Lemma]:
    """The lemmas about deleting the capability in slot ``d`` of state ``s`` (``post``: the state
    after the step; ``context``: the step's guard and side conditions, which define ``d``), in the
    order they are proved; each assumes the ones before it."""
    base = list(context)
    cap = read_cap(s, d)
    o, ty = cap.cobj, cap.ctype
    final = kernel.is_final(s, d)
    # the step deletes d: the slot is occupied and the checks of deleting it pass
    clear = and_(occ(s, d), eq(kernel.check_delete(s, d), OK))
    r = z3.Const("lemma.r", RefSort)
    t = z3.Int("lemma.t")
    i = z3.Int("lemma.i")
    done: list[Lemma] = []

    def lemma(name: str, term: Val, *names: str) -> None:
        """Lemma ``name``, under the families or single conjuncts ``names`` about ``s``, the
        context and the lemmas before it."""
        hyps = []
        for full in names:
            family, _, conjunct = full.partition(".")
            hyps += [cj.assume(s) for cj in by_name(family).conjuncts if conjunct in ("", cj.name)]
        done.append(Lemma(name, term, [*hyps, *base, *(lm.term for lm in done)]))

    ok, table, index = recorded(s, d)
    found, ttable, tindex = kernel.table_entry(s, cap)
    ftable, findex = kernel.frame_entry(s, cap)
    lemma(
        "removed_entry",
        implies(
            and_(clear, mapped(s, d)),
            and_(
                ok,
                eq(at2(s, "pte_cap", table, index), d),
                or_(eq(ty, FRAME), and_(eq(ty, PT), found, eq(ttable, table), eq(tindex, index))),
                or_(eq(ty, PT), and_(eq(ftable, table), eq(findex, index))),
            ),
        ),
        "valid_caps.target",
        "mappings_match_caps.mapped_in_vspace",
        "mappings_match_caps.mapped_frame_records_entry",
        "mappings_match_caps.mapped_table_records_entry",
    )
    lemma(
        "table_final",
        implies(and_(occ(s, d), eq(ty, PT)), final),
        "cdt_links.listed_by_parent",
        "no_mloop",
        "mappings_match_caps.one_cap_per_table",
    )
    lemma(
        "frame_alone",
        implies(
            and_(clear, final, eq(ty, FRAME)),
            z3.ForAll(
                [r],
                implies(and_(occ(s, r), eq(ctype(s, r), FRAME), eq(cobj(s, r), o)), eq(r, d)),
                patterns=[cobj(s, r)],
            ),
        ),
        "valid_caps.no_slot_at_none",
        "valid_caps.target",
        "valid_idle.idle_thread",
        "originals.caps_descend_from_original",
        "if_live_then_nonz_cap.original_unique_and_live",
        "cdt_paths.child_on_path",
        "cdt_links.listed_by_parent",
    )
    entry = at2(s, "pte", t, i)
    lemma(
        "entries_to_object",
        implies(
            and_(clear, or_(eq(ty, PT), and_(eq(ty, FRAME), final))),
            z3.ForAll(
                [t, i],
                implies(and_(is_table(s, t), eq(entry, o)), and_(mapped(s, d), eq(table, t), eq(index, i))),
                patterns=[entry],
            ),
        ),
        "valid_objs.no_object_at_none",
        "valid_caps.target",
        "mappings_match_caps.entry_recorded",
        "mappings_match_caps.mapped_in_vspace",
        "mappings_match_caps.one_cap_per_table",
    )
    lemma(
        "destroyed_table_empty",
        implies(
            and_(clear, final, or_(eq(ty, PT), eq(ty, VS))),
            z3.ForAll([i], eq(at2(s, "pte", o, i), NONE), patterns=[at2(s, "pte", o, i)]),
        ),
        "valid_caps.target",
        "mappings_match_caps.entries_numbered",
    )
    lemma(
        "vspace_unused",
        implies(
            and_(clear, final, eq(ty, VS)),
            z3.ForAll([r], implies(occ(s, r), ne(at(s, "cmvs", r), o)), patterns=[at(s, "cmvs", r)]),
        ),
        "valid_objs.no_object_at_none",
        "valid_caps.target",
        "mappings_match_caps.mapped_in_vspace",
        "mappings_match_caps.mapped_frame_records_entry",
        "mappings_match_caps.mapped_table_records_entry",
    )
    kept, kept_table, kept_index = recorded(post, r)
    was, was_table, was_index = recorded(s, r)
    lemma(
        "other_records_kept",
        z3.ForAll(
            [r],
            implies(
                and_(occ(s, r), mapped(s, r), ne(r, d)),
                and_(eq(kept, was), eq(kept_table, was_table), eq(kept_index, was_index)),
            ),
            patterns=[at(s, "cmvs", r)],
        ),
        "valid_caps.target",
        "cdt_links.children_name_parent",
        "no_kernel_mappings.leaf_entries",
        "mappings_match_caps.mapped_in_vspace",
        "mappings_match_caps.mapped_frame_records_entry",
        "mappings_match_caps.mapped_table_records_entry",
    )
    return done
