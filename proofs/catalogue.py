"""The obligations ``mlk-prove`` discharges, and what is not encoded yet.

Names:

* ``boot/<invariant>``: the spec's boot state (:func:`mlk.model.boot.boot` on the default QEMU
  ``virt`` machine) satisfies the invariant;
* ``preserve/<transition>/<invariant>``: every invariant before and the transition imply the
  invariant after (one obligation per pair, so that a failure names both);
* ``security/<transition>/confinement``: the transition changes nothing but the scheduler state
  (ready queues, the running thread) and the acting thread's own time slice;
* the scheduling property is the invariant ``current_highest``: its ``preserve/*`` obligations
  prove that after every transition the running thread is a highest-priority runnable thread.
"""

from __future__ import annotations

from functools import partial

import z3

from mlk.abi.objects import NUM_PRIORITIES
from mlk.model.boot import boot, qemu_virt
from mlk.model.kernel import TRANSITIONS
from mlk.proofs import counterexample
from mlk.proofs.concrete import abstract
from mlk.proofs.encoding import EVENTS, Kernel
from mlk.proofs.invariants import INVARIANTS, Invariant, all_assumed
from mlk.proofs.obligation import Goal, Obligation, Points, Query
from mlk.proofs.symstate import SymState

#: The bound printed next to obligations whose transition runs the scheduler.
PRIORITY_BOUND = f"priorities = {NUM_PRIORITIES} (ABI constant; objects and queue lengths unbounded)"
#: The bound of the boot obligations: the boot state is that of one machine.
BOOT_BOUND = "boot state of qemu_virt() (the default machine)"

#: Spec transitions (:data:`mlk.model.kernel.TRANSITIONS`, as :func:`mlk.model.kernel.classify`
#: names them) that the encoded events exercise. An encoded event in a halted machine is the
#: transition "halted", a Yield while the idle thread runs is "idle"; both change nothing but
#: (for "idle") the scheduling decision, whatever the event.
COVERED_TRANSITIONS = {"tick": ("tick", "halted"), "yield": ("yield", "halted", "idle")}

#: Invariant families of seL4 (prior art) and security properties with no encoding yet.
NOT_ENCODED_PROPERTIES = (
    "sym_refs / valid_tcb_state (endpoint and notification queues agree with thread states)",
    "if_live_then_nonz_cap, valid_reply_caps, valid_irq_handlers",
    "CDT: no_mloop, descendants_inc, untyped_mdb / untyped_inc, pspace_aligned / pspace_distinct",
    "security: integrity of other threads' CSpace and VSpace, rights never grow along derivation",
)


def not_encoded_transitions() -> list[str]:
    """The spec's named transitions that no encoded event covers yet."""
    covered = {name for names in COVERED_TRANSITIONS.values() for name in names}
    return sorted(set(TRANSITIONS) - covered)


def _goals(inv: Invariant, s: SymState, tag: str) -> tuple[list[Goal], list[z3.ArithRef]]:
    goals: list[Goal] = []
    witnesses: list[z3.ArithRef] = []
    for conj in inv.conjuncts:
        term, xs = conj.instance(s, tag)
        goals.append(Goal(f"{inv.name}.{conj.name}", term, xs))
        witnesses += xs
    return goals, witnesses


def _boot_query(inv: Invariant, _: SymState, __: Points) -> Query:
    s = abstract(boot(qemu_virt()))
    goals, witnesses = _goals(inv, s, "w")
    return Query([], goals, witnesses, lambda m: counterexample.render(m, s, s, witnesses))


def _preserve_query(kernel: Kernel, transition: str, inv: Invariant, s: SymState, points: Points) -> Query:
    post = kernel.step(s, transition)
    goals, witnesses = _goals(inv, post, "w")
    return Query(all_assumed(s, points), goals, witnesses, lambda m: counterexample.render(m, s, post, witnesses))


def _confinement_query(kernel: Kernel, transition: str, s: SymState, points: Points) -> Query:
    post = kernel.step(s, transition)
    o = z3.Int("w.object")

    def same(component: str) -> z3.BoolRef:
        return z3.Select(getattr(post, component), o) == z3.Select(getattr(s, component), o)

    goals = [
        Goal("confinement.kind_unchanged", same("kind"), (o,)),
        Goal("confinement.thread_state_unchanged", same("tstate"), (o,)),
        Goal("confinement.priority_unchanged", same("prio"), (o,)),
        Goal("confinement.only_own_slice", z3.Or(o == s.current, same("slice")), (o,)),
    ]
    return Query(all_assumed(s, points), goals, [o], lambda m: counterexample.render(m, s, post, [o]))


def obligations(kernel: Kernel | None = None) -> list[Obligation]:
    """Every obligation, for ``kernel`` (default: the faithful encoding; a mutant to refute)."""
    k = kernel or Kernel()
    result = [Obligation(f"boot/{inv.name}", partial(_boot_query, inv), BOOT_BOUND) for inv in INVARIANTS]
    for transition in EVENTS:
        result += [
            Obligation(
                f"preserve/{transition}/{inv.name}", partial(_preserve_query, k, transition, inv), PRIORITY_BOUND
            )
            for inv in INVARIANTS
        ]
        result.append(
            Obligation(f"security/{transition}/confinement", partial(_confinement_query, k, transition), PRIORITY_BOUND)
        )
    return result
