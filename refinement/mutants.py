"""Kernel mutants: the refinement gate must be able to fail.

Each :class:`Mutant` is one deliberate bug, made by a text substitution in a temporary copy of the
real kernel sources (the substituted text must occur exactly once, so a mutant never silently
stops applying when the kernel changes). A mutant is *caught* when at least one built-in scenario
does not refine the spec (a divergence, or an error such as a timeout: anything but a pass); the
scenarios run in order and stop at the first catch. ``mlk refine --mutants`` runs them all and
exits 0 only when every mutant is caught.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from mlk.kernel_aarch64.build import SOURCE_DIR
from mlk.refinement import report, scenarios

#: Seconds a mutant's scenario may run (a mutant may hang the kernel).
MUTANT_TIMEOUT = 10.0


@dataclass(frozen=True)
class Mutant:
    """A bug: in ``file`` (relative to the kernel sources), ``find`` becomes ``replace``."""

    name: str
    bug: str
    file: str
    find: str
    replace: str
    #: The scenario written to catch it, tried first (the others follow in their order); "" for
    #: the scenarios' order.
    first: str = ""


MUTANTS: tuple[Mutant, ...] = (
    Mutant("yield-to-head", "Yield puts the caller at the head of its queue, not the tail",
           "syscall.S", "    mov x0, x19\n    bl sched_append", "    mov x0, x19\n    bl sched_prepend"),
    Mutant("yield-short-refill", "Yield refills the time slice one tick short",
           "syscall.S", "sys_yield:\n    mov x0, #TIME_SLICE_TICKS", "sys_yield:\n    mov x0, #(TIME_SLICE_TICKS - 1)"),
    Mutant("tick-long-refill", "an expired time slice is refilled one tick too long",
           "timer.S", "    mov x2, #TIME_SLICE_TICKS\n    str x2, [x0, #TCB_TIME_SLICE]",
           "    mov x2, #(TIME_SLICE_TICKS + 1)\n    str x2, [x0, #TCB_TIME_SLICE]"),
    Mutant("tick-no-charge", "the tick never charges the running thread (no round robin)",
           "timer.S", "    subs x2, x2, #1\n", "    subs x2, x2, #0\n"),
    Mutant("preempted-to-tail", "a preempted thread goes to the tail of its queue, not the head",
           "sched.S", "    b.eq schedule_choose\n    bl sched_prepend",
           "    b.eq schedule_choose\n    bl sched_append"),
    Mutant("priority-inverted", "the scheduler picks the lowest ready priority of a bitmap word",
           "sched.S", "    clz x7, x7\n",
           "    rbit x7, x7\n    clz x7, x7\n    mov x2, #((1 << KSTATE_READY_SHIFT) - 1)\n    sub x7, x2, x7\n"),
    Mutant("root-x0-off-by-one", "the root task starts with x0 one more than its number of untyped capabilities",
           "rootboot.S", "    ldr x1, [x1]\n    str x1, [x0, #CTX_X0]", "    ldr x1, [x1]\n    add x1, x1, #1\n"
           "    str x1, [x0, #CTX_X0]"),
    Mutant("root-x1-unset", "the root task starts with x1 = 0, not its number of image frames",
           "rootboot.S", "    str x1, [x0, #CTX_X1]\n", ""),
    Mutant("boot-queue-reversed", "boot threads are queued in reverse order (head insertion)",
           "rootboot.S", "    str x1, [x0, #TCB_STATE]\n    b sched_append",
           "    str x1, [x0, #TCB_STATE]\n    b sched_prepend"),
    Mutant("root-priority", "the root task boots one priority below the highest",
           "rootboot.S", "    mov x3, #ROOT_PRIORITY", "    mov x3, #(ROOT_PRIORITY - 1)"),
    Mutant("debug-char-mask", "DebugPutChar keeps 6 bits of the character instead of 8",
           "syscall.S", "    and x0, x0, #DEBUG_ARG_MASK\n    trace_hook trace_output",
           "    and x0, x0, #0x3f\n    trace_hook trace_output"),
    Mutant("halt-status", "DebugHalt sets bit 0 of the status",
           "syscall.S", "    and x0, x0, #DEBUG_ARG_MASK\n    trace_hook trace_halt",
           "    orr x0, x0, #1\n    trace_hook trace_halt"),
    Mutant("unknown-syscall-yields", "an unknown system call yields instead of faulting",
           "syscall.S", "    mov x2, #0\n    b user_fault", "    mov x2, #0\n    b sys_yield"),
    Mutant("fault-wrong-state", "a faulting thread is left BLOCKED_ON_REPLY instead of INACTIVE",
           "fault.S", "    mov x0, #TS_INACTIVE", "    mov x0, #TS_BLOCKED_ON_REPLY"),
    Mutant("reply-regs-unrecorded", "the kernel's reply to an invocation is not recorded as a REGS record",
           "invocation.S", "    trace_regs_written x19\n", ""),
    Mutant("rights-unmasked", "Copy, Mint and Mutate keep the source's rights (the rights check dropped)",
           "cnode.S", "    and x5, x5, x4\n", ""),
    Mutant("badge-overwritten", "Mint and Mutate overwrite a badge instead of refusing a second one",
           "cnode.S", "    cbnz x3, inv_fail_ILLEGAL_OPERATION\n", ""),
    Mutant("untyped-copyable", "an untyped capability can be copied",
           "cnode.S", "    cmp x4, #CAP_UNTYPED\n    b.eq cap_derive_refused\n", ""),
    Mutant("move-with-children", "a capability with children can be moved",
           "cnode.S", "cnode_move_checked:\n    ubfx x2, x1, #CAPINFO_LAST_CHILD_SHIFT, #CAPINFO_LAST_CHILD_WIDTH\n"
           "    cbnz x2, inv_fail_REVOKE_FIRST\n", "cnode_move_checked:\n"),
    Mutant("revoke-miscounts", "Revoke reports one child too many left",
           "cnode.S", "    cbz x1, cnode_revoke_done\n    add x2, x2, #1\n",
           "    cbz x1, cnode_revoke_done\n    add x2, x2, #2\n"),
    Mutant("busy-cnode-deleted", "the final capability of a CNode with capabilities in it can be deleted",
           "delete.S", "    ands x5, x5, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)\n    b.ne inv_fail_DELETE_FIRST\n",
           "    ands x5, x5, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)\n"),
    Mutant("retype-watermark-kept", "an untyped region is not reused after all its children are revoked",
           "untyped.S", "    csel x2, xzr, x2, eq\n", ""),
    Mutant("retype-endpoint-sending", "Retype makes a new endpoint SENDING with nobody queued (caught only "
           "by the periodic checkpoints: CAPS deletes its endpoints before the end)",
           "untyped.S", "    bl kzero\n    cmp x22, #OBJ_TCB\n",
           "    bl kzero\n    cmp x22, #OBJ_ENDPOINT\n    b.ne untyped_retype_mutant\n    pa_to_va x0, x27\n"
           "    mov x1, #1\n    str x1, [x0, #EP_STATE]\nuntyped_retype_mutant:\n    cmp x22, #OBJ_TCB\n"),
    Mutant("retype-wrong-error", "Retype reports RANGE_ERROR instead of NOT_ENOUGH_MEMORY",
           "untyped.S", "    b.hi inv_fail_NOT_ENOUGH_MEMORY", "    b.hi inv_fail_RANGE_ERROR"),
    Mutant("ipc-queue-lifo", "an endpoint or notification queue hands out its newest thread first (LIFO)",
           "threads.S", "ipcq_pop:\n    ldr w1, [x0, #IPCQ_HEAD]", "ipcq_pop:\n    ldr w1, [x0, #IPCQ_TAIL]", "ipc"),
    Mutant("ipc-length-uncut", "a message length above MSG_REGS is not cut (a seventh register is copied)",
           "ipc.S", "    csel x6, x7, x6, hi\n", "", "ipc"),
    Mutant("ipc-reply-without-rights", "a Call without GRANT or GRANT_REPLY still awaits a reply",
           "ipc.S", "    b.ne ipc_await_reply_blocked\n", "    b ipc_await_reply_blocked\n", "ipc"),
    Mutant("ipc-reply-right-kept", "Recv does not discard the reply right the receiver holds",
           "ipc.S", "    mov x0, x19\n    bl thread_discard_reply\n", "", "ipc"),
    Mutant("ipc-nbsend-blocks", "NBSend blocks when no receiver waits, like Send",
           "syscall.S", "    cmp x3, #SYS_NB_SEND\n    cset x3, ne\n", "    mov x3, #1\n", "ipc"),
    Mutant("ipc-busy-endpoint-deleted", "the last capability of an endpoint with queued threads can be deleted",
           "delete.S", "    ldr w4, [x3, #EP_HEAD]\n    cbnz w4, inv_fail_DELETE_FIRST\n", "", "ntfn"),
    Mutant("ntfn-badge-overwritten", "a signal overwrites the pending signal word instead of ORing the badge into it",
           "ntfn.S", "    orr x0, x0, x23\n", "    mov x0, x23\n", "ntfn"),
    Mutant("ntfn-bound-ignored", "a signal never reaches a bound thread that is blocked receiving",
           "ntfn.S", "    cmp x1, #TS_BLOCKED_ON_RECEIVE\n    b.ne ntfn_signal_activate\n",
           "    b ntfn_signal_activate\n", "ntfn"),
    Mutant("ntfn-unbind-half", "unbinding clears the thread's binding but not the notification's",
           "threads.S", "    pa_to_va x1, x1\n    str xzr, [x1, #NTFN_BOUND]\n", "", "ntfn"),
    Mutant("bind-wrong-error", "BindNotification to a notification with waiters fails with DELETE_FIRST",
           "ntfn.S", "    cmp w6, #NTFNS_WAITING\n    b.eq inv_fail_ILLEGAL_OPERATION",
           "    cmp w6, #NTFNS_WAITING\n    b.eq inv_fail_DELETE_FIRST", "ntfn"),
    Mutant("xfer-grant-unchecked", "a capability travels without the GRANT right (the grant check dropped)",
           "ipc.S", "    cbz x3, ipc_transfer_copy\n", "", "xfer"),
    Mutant("xfer-slot-overwritten", "a transferred capability goes into an occupied receive slot",
           "ipc.S", "    tst x7, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)\n    b.ne ipc_transfer_cap_none\n", "",
           "xfer"),
    Mutant("fastpath-same-priority", "the fast paths switch directly past a ready thread of the woken one's priority",
           "fastpath.S", "    lsr x3, x3, \\prio\n", "    lsr x3, x3, \\prio\n    lsr x3, x3, #1\n", "fastpath"),
    Mutant("fastpath-badge-zero", "the Call fast path delivers badge 0 instead of the capability's badge",
           "fastpath.S", "    fastpath_copy_message x19, x8, x10\n", "    fastpath_copy_message x19, x8, xzr\n",
           "fastpath"),
    Mutant("fastpath-reply-right-kept", "the ReplyRecv fast path leaves the server its used-up reply right",
           "fastpath.S", "    str xzr, [x19, #TCB_REPLY]\n", "", "fastpath"),
    Mutant("fastpath-transfer-skipped", "the Call fast path takes a Call that asks for a capability and drops it",
           "fastpath.S", "    tst x5, #(MSGINFO_EXTRA_CAPS_MASK << MSGINFO_EXTRA_CAPS_SHIFT)\n    b.ne fastpath_slow\n",
           "", "xfer"),
    Mutant("fault-restart-ignores-label", "a reply to a fault restarts the thread whatever its label",
           "ipc.S", "    cbnz x1, ipc_reply_stop\n", "", "faultipc"),
    Mutant("fault-pc-missing", "a fault message leaves out the faulting PC (MR2)",
           "ipc.S", "    str x8, [x23, #SAVED_MR2]\n", "", "faultipc"),
    Mutant("fault-endpoint-unchecked", "a fault endpoint capability without GRANT or GRANT_REPLY takes faults",
           "fault.S", "    tst x1, #((RIGHT_GRANT | RIGHT_GRANT_REPLY) << CAPINFO_RIGHTS_SHIFT)\n"
           "    b.eq user_fault_stop\n", "", "faultipc"),
    Mutant("fault-badge-dropped", "a fault message carries badge 0, not the fault endpoint capability's",
           "fault.S", "    ldr x1, [x0, #SLOT_DATA]\n", "    mov x1, #0\n", "faultipc"),
    Mutant("xfer-on-reply", "a Reply carries a capability when the replier's message-info asks for one",
           "ipc.S", "    mov x0, x19\n    mov x1, x22\n    mov x2, #0\n    mov x3, #0\n",
           "    mov x0, x19\n    mov x1, x22\n    mov x2, #0\n    mov x3, #1\n", "xfer"),
    Mutant("priority-above-caller", "SetPriority lets a thread raise a thread above its own priority",
           "tcb.S", "    cmp x23, x0\n    b.hi inv_fail_ILLEGAL_OPERATION\n", "", "tcbs"),
    Mutant("priority-queue-kept", "SetPriority leaves a queued thread in its old priority's queue",
           "tcb.S", "    mov x24, x0\n", "    mov x24, #0\n", "tcbs"),
    Mutant("suspend-stays-queued", "Suspend leaves a runnable thread in its ready queue",
           "threads.S", "    cmp x1, #TS_RUNNING\n    b.eq sched_dequeue\n", "", "tcbs"),
    Mutant("read-registers-one-more", "ReadRegisters accepts a count one beyond MSG_REGS",
           "tcb.S", "    cmp x2, x3\n    add x2, x2, #1\n    b.hs inv_fail_RANGE_ERROR\n",
           "    cmp x2, x3\n    add x2, x2, #1\n    b.hi inv_fail_RANGE_ERROR\n", "tcbs"),
    Mutant("space-in-use-deleted", "a CNode or VSpace some thread uses can be deleted",
           "delete.S", "    cbnz x0, inv_fail_DELETE_FIRST\n", "", "tcbs"),
    Mutant("destroyed-thread-listed", "a destroyed thread stays on the list of threads with spaces",
           "delete.S", "    bl spaces_unlink\n", "", "tcbs"),
    Mutant("tlb-flush-dropped", "an unmapped translation is not invalidated in the TLB (a stale mapping survives)",
           "vm.S", "    tlbi vae1is, x3\n", "", "frames"),
    Mutant("map-rights-unmasked", "Frame Map grants the requested rights beyond the capability's",
           "vm.S", "    and x24, x24, x1\n", "", "frames"),
    Mutant("map-unaligned", "Frame Map accepts an address that is not page aligned",
           "vm.S", "    b.ne inv_fail_ALIGNMENT_ERROR\n", "", "frames"),
    Mutant("unmap-entry-kept", "Frame Unmap forgets the mapping but leaves the page descriptor",
           "vm.S", "    str xzr, [x0, x2, lsl #3]\n", "", "frames"),
    Mutant("table-unmap-with-entries", "a page table with entries can be unmapped",
           "vm.S", "    ldr x3, [x20, #SLOT_OBJ]\n    bl vm_table_check_empty\n", "", "frames"),
    Mutant("delete-keeps-mapping", "deleting a mapped frame's capability leaves its page mapped",
           "delete.S", "    bl vm_unmap_frame\n", "", "frames"),
    Mutant("irq-not-masked", "a delivered interrupt does not mask its line until Ack (a second one is delivered)",
           "irq.S", "    mov w1, #1\n    strh w1, [x5, #IRQ_MASKED]\n    bl gic_disable\n", "", "irqs"),
    Mutant("irq-ack-keeps-masked", "Ack leaves the line masked",
           "irq.S", "    strh wzr, [x1, #IRQ_MASKED]\n    bl gic_enable\n", "", "irqs"),
    Mutant("irq-badge-dropped", "SetNotification forgets the badge: the line signals with badge 0",
           "irq.S", "    str x23, [x24, #IRQ_BADGE]\n", "    str xzr, [x24, #IRQ_BADGE]\n", "irqs"),
    Mutant("irq-line-kept", "deleting the last handler capability leaves its line SIGNAL (it cannot be issued again)",
           "delete.S", "    mov x0, x2\n    bl irq_release\n", "", "irqs"),
    Mutant("irq-refs-uncounted", "a notification an interrupt line signals can be deleted",
           "irq.S", "    mov x0, x22\n    mov x1, #1\n    bl irq_ntfn_ref\n", "", "irqs"),
    Mutant("irq-issue-timer", "IRQControl Issue hands out a handler for the kernel's timer line",
           "irq.S", "    cmp w0, #IRQS_INACTIVE\n    b.ne inv_fail_REVOKE_FIRST\n",
           "    cmp w0, #IRQS_SIGNAL\n    b.eq inv_fail_REVOKE_FIRST\n", "irqs"),
)  # fmt: skip

BY_NAME = {m.name: m for m in MUTANTS}


class MutantDoesNotApply(Exception):
    """The mutant's text does not occur exactly once in the kernel sources."""


def apply(mutant: Mutant, dest: Path, source_dir: Path = SOURCE_DIR) -> Path:
    """Copy the kernel sources to ``dest`` with ``mutant`` applied; the copy's directory."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source_dir, dest)
    path = dest / mutant.file
    text = path.read_text()
    if text.count(mutant.find) != 1:
        raise MutantDoesNotApply(
            f"mutant {mutant.name}: {mutant.find!r} occurs {text.count(mutant.find)} times in {mutant.file}"
        )
    path.write_text(text.replace(mutant.find, mutant.replace))
    return dest


@dataclass(frozen=True)
class Verdict:
    """How the gate did against one mutant: the scenario outcome that caught it, if any."""

    mutant: Mutant
    catch: report.Outcome | None
    seconds: float

    @property
    def caught(self) -> bool:
        """Whether some scenario failed on the mutant."""
        return self.catch is not None

    def summary(self) -> str:
        """One line."""
        if self.catch is None:
            return f"SURVIVED  {self.mutant.name}: {self.mutant.bug}"
        return f"caught    {self.mutant.name} ({self.seconds:.1f} s): {self.catch.summary().split(None, 1)[1]}"


def check(mutant: Mutant, work: Path) -> Verdict:
    """Build ``mutant`` and run the scenarios on it (its ``first`` one first) until one fails."""
    start = time.monotonic()
    sources = apply(mutant, work / "asm")
    for name in sorted(scenarios.SCENARIOS, key=lambda n: n != mutant.first):
        outcome = scenarios.refine(name, work / name, source_dir=sources, timeout=MUTANT_TIMEOUT)
        if not outcome.passed:
            return Verdict(mutant, outcome, time.monotonic() - start)
    return Verdict(mutant, None, time.monotonic() - start)


def main(work: Path, names: list[str] | None = None) -> int:
    """``mlk refine --mutants``: check every mutant (or those named); 0 only when all are caught."""
    unknown = sorted(set(names or ()) - set(BY_NAME))
    if unknown:
        print(f"mlk refine: unknown mutant(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
        return 2
    chosen = [BY_NAME[n] for n in names] if names else list(MUTANTS)
    verdicts = [check(m, work / m.name) for m in chosen]
    for v in verdicts:
        print(v.summary())
    caught = sum(v.caught for v in verdicts)
    print(f"{caught} of {len(verdicts)} kernel mutants caught by mlk refine")
    return 0 if caught == len(verdicts) else 1
