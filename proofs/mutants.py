"""Seeded spec bugs: each one a plausible mistake in a spec function, applied to the encoding.

Every mutant is a subclass of :class:`~mlk.proofs.enc.Kernel` that overrides one method the way a
buggy version of the corresponding spec function would behave, and names the obligation expected
to refute it. ``mlk-prove --mutants`` discharges those obligations against the mutants and passes
only when every mutant is refuted with a counterexample. There is at least one mutant per invariant
family. The bugs are seeded in the encoding, which the differential test ties to the spec; each
mutant's docstring names the spec function it mirrors.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlk.abi.errors import Error
from mlk.abi.objects import TIME_SLICE_TICKS
from mlk.proofs.access import FRAME, NTFN, ON_SEND, PT, RUNNING, TCB
from mlk.proofs.enc import Kernel
from mlk.proofs.enc.base import OK, OpResult, first_error, get, get2, put, when
from mlk.proofs.enc.cspace import SymCap, read_cap
from mlk.proofs.enc.ops import Carve
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import NONE, Val, and_, div, eq, ite, ne, no_ref, not_, or_, rights_of


class TickOverfill(Kernel):
    """``kernel.tick`` refills an expired slice with one tick too many (an off-by-one)."""

    def tick(self, s: SymState) -> SymState:
        cur = s.current
        left = get(s, "slice", cur) - 1
        refilled = self.enqueue(put(s, "slice", cur, TIME_SLICE_TICKS + 1), cur)
        return when(self.running(s), when(left > 0, put(s, "slice", cur, left), refilled), s)


class DestroyCopies(Kernel):
    """``delete.delete`` destroys the object whenever a capability is deleted, final or not."""

    def is_final(self, s: SymState, ref: Val) -> Val:
        return True


class SendBlocksOnCNode(Kernel):
    """``ipc.send`` records the sender's CSpace root instead of the endpoint in its blocked state."""

    def set_state(
        self,
        s: SymState,
        t: Val,
        kind: Val,
        obj: Val = NONE,
        badge: Val = 0,
        grant: Val = False,
        grantr: Val = False,
        call: Val = False,
    ) -> SymState:
        wrong = ite(eq(kind, ON_SEND), get(s, "cspace", t), obj)
        return super().set_state(s, t, kind, wrong, badge, grant, grantr, call)


class RetypeUnaligned(Kernel):
    """``untyped.retype`` carves the first object at the watermark without aligning it."""

    def carve_start(self, free: Val, bits: Val) -> Val:
        return free


class RetypeReuses(Kernel):
    """``untyped.first_free`` always starts at the region's base, even while objects carved
    from it are alive."""

    def retype(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        return super().retype(put(s, "nchild", ref, 0), tid, ref, cap, args)


class RetypeOverlappingCarve(Kernel):
    """``untyped.retype`` steps between the objects it carves by half an object's size (``i <<
    bits - 1`` for ``i << bits``): each new object overlaps the one before."""

    def carve_addr(self, c: Carve, k: Val) -> Val:
        return c.start + self.times(k, div(c.unit, 2))


class RetypeFirstUncapped(Kernel):
    """``untyped.retype`` creates its first object but inserts no capability for it: a live
    object that no capability names."""

    def carve_one(self, s: SymState, ref: Val, c: Carve, k: int) -> SymState:
        if k != 0:
            return super().carve_one(s, ref, c, k)
        addr = self.carve_addr(c, k)
        return when(ne(c.otype, 1), put(self.new_object(s, addr, c.otype, c.size), "osize", addr, c.unit), s)


class RetypeNoObject(Kernel):
    """``untyped.retype`` inserts the new capabilities but creates no objects for them."""

    def new_object(self, s: SymState, o: Val, otype: Val, size: Val) -> SymState:
        return s


class RetypeEmptySlice(Kernel):
    """``untyped.new_object`` gives a new thread an empty time slice (0 ticks, where a thread's
    slice is 1 to TIME_SLICE_TICKS)."""

    def new_object(self, s: SymState, o: Val, otype: Val, size: Val) -> SymState:
        return put(super().new_object(s, o, otype, size), "slice", o, 0)


class RetypeUncounted(Kernel):
    """``untyped.retype`` inserts each new capability without counting it in the destination
    CNode's ``used``."""

    def carve_one(self, s: SymState, ref: Val, c: Carve, k: int) -> SymState:
        return super().carve_one(s, ref, c, k).but(used=s.used)


class RetypeReplyToCreator(Kernel):
    """``untyped.new_object`` gives a new thread a reply right to the thread that created it,
    which is running, not awaiting a reply."""

    def new_object(self, s: SymState, o: Val, otype: Val, size: Val) -> SymState:
        return put(super().new_object(s, o, otype, size), "reply", o, s.current)


class RetypeObjectOrphan(Kernel):
    """``untyped.retype`` inserts a new object's capability without linking it below the untyped
    capability."""

    def insert(self, s: SymState, ref: Val, cap: SymCap, parent: Val) -> SymState:
        return super().insert(s, ref, cap, ite(eq(cap.ctype, 1), parent, no_ref(ref)))


class SendKeepsReceiverQueued(Kernel):
    """``ipc.send`` delivers to the head receiver without taking it out of the queue."""

    def wq_remove_at(self, s: SymState, o: Val, k: Val) -> SymState:
        return s


class InsertUncounted(Kernel):
    """``cspace.insert`` forgets to count the new capability in its CNode's ``used``."""

    def count_add(self, s: SymState, ref: Val) -> SymState:
        return s


class DeleteNeverDestroys(Kernel):
    """``delete.destroy`` leaves endpoints alive after their last capability is gone."""

    def remove(self, s: SymState, o: Val) -> SymState:
        return s


class DestroyTcbNoSuspend(Kernel):
    """``delete.destroy_tcb`` forgets to suspend the thread: a runnable thread stays in its ready
    queue (a blocked one in its wait queue) after its TCB is gone."""

    def destroy_tcb(self, s: SymState, t: Val) -> SymState:
        s = self.unbind(s, t)
        s = self.discard_reply(s, t)
        s = self.drop_if(s, t, 0)
        s = self.drop_if(s, t, 1)
        return self.remove(s, t)


class DestroyTcbKeepsRefs(Kernel):
    """``delete.destroy_tcb`` does not release the thread's CSpace and VSpace (their ``tcb_refs``
    still count it)."""

    def destroy_tcb(self, s: SymState, t: Val) -> SymState:
        s = self.suspend(s, t)
        s = self.unbind(s, t)
        s = self.discard_reply(s, t)
        return self.remove(s, t)


class DestroyNotificationBound(Kernel):
    """``delete.destroy`` removes a notification without unbinding its bound thread."""

    def destroy(self, s: SymState, cap: SymCap) -> SymState:
        return when(eq(cap.ctype, NTFN), self.remove(s, cap.cobj), super().destroy(s, cap))


class DestroyHandlerKeepsLine(Kernel):
    """``delete.destroy`` of the last handler capability of a line leaves the line SIGNAL."""

    def release(self, s: SymState, line: Val) -> SymState:
        return s


class DeleteKeepsFrameMapping(Kernel):
    """``delete.delete`` unmaps only page-table capabilities: a deleted frame capability's entry
    stays, naming a frame that is gone when the capability was its last."""

    def delete(self, s: SymState, ref: Val) -> SymState:
        cap = read_cap(s, ref)
        return super().delete(put(s, "cmvs", ref, ite(eq(cap.ctype, FRAME), NONE, cap.cmvs)), ref)


class DeleteKeepsTableMapping(Kernel):
    """``delete.delete`` unmaps only frame capabilities: the entry mapping a deleted page table
    stays, recorded by an empty slot and naming a table that is gone."""

    def delete(self, s: SymState, ref: Val) -> SymState:
        cap = read_cap(s, ref)
        return super().delete(put(s, "cmvs", ref, ite(eq(cap.ctype, PT), NONE, cap.cmvs)), ref)


class DeleteBusyTable(Kernel):
    """``delete.is_busy`` forgets that a page table with entries is busy: deleting its capability
    destroys it with frames still mapped through it, whose walks then fail."""

    def is_busy(self, s: SymState, cap: SymCap) -> Val:
        return and_(ne(cap.ctype, PT), super().is_busy(s, cap))


class UnlinkKeepsChild(Kernel):
    """``cspace.unlink`` empties the slot but leaves it in its parent's list of children."""

    def unlink_child(self, s: SymState, ref: Val) -> SymState:
        return s


class MoveOwnParent(Kernel):
    """``cspace.move`` records the moved capability's new slot as its own parent."""

    def move_cap(self, s: SymState, src: Val, dst: Val, cap: SymCap) -> SymState:
        moved = super().move_cap(s, src, dst, cap)
        return put(moved, "parent", dst, dst)


class RetypeKeepsWatermark(Kernel):
    """``untyped.retype`` carves objects but does not move the watermark past them."""

    def set_cap(self, s: SymState, ref: Val, cap: SymCap) -> SymState:
        old = read_cap(s, ref)
        return super().set_cap(s, ref, cap.but(cwm=old.cwm))


class TransferWithoutParent(Kernel):
    """``ipc.transfer_cap`` inserts the transferred capability without a derivation parent."""

    def insert(self, s: SymState, ref: Val, cap: SymCap, parent: Val) -> SymState:
        copy = and_(ne(parent, no_ref(ref)), eq(cap.ctype, get(s, "ctype", parent)), ne(cap.ctype, 1))
        return super().insert(s, ref, cap, ite(copy, no_ref(ref), parent))


class RetypeUntypedOrphan(Kernel):
    """``untyped.retype`` inserts a new untyped region without linking it below its parent."""

    def insert(self, s: SymState, ref: Val, cap: SymCap, parent: Val) -> SymState:
        return super().insert(s, ref, cap, ite(eq(cap.ctype, 1), no_ref(ref), parent))


class ReplyKeepsRight(Kernel):
    """``ipc.reply`` answers the caller but does not use up the reply right."""

    def reply(self, s: SymState, tid: Val) -> SymState:
        caller = get(s, "reply", tid)
        return when(eq(caller, NONE), s, put(super().reply(s, tid), "reply", tid, caller))


class ScheduleMarksIdleRunning(Kernel):
    """``sched.schedule`` marks the thread it picks as RUNNING, the idle thread included."""

    def schedule(self, s: SymState) -> SymState:
        after = super().schedule(s)
        return self.set_state(after, after.current, RUNNING)


class IssueLeavesLineInactive(Kernel):
    """``irq.irq_control_issue`` creates the handler capability but leaves the line INACTIVE."""

    def set_line(self, s: SymState, line: Val, state: Val, ntfn: Val, badge: Val, masked: Val) -> SymState:
        return super().set_line(s, line, ite(eq(state, 1), NONE, state), ntfn, badge, masked)


class PriorityNoRequeue(Kernel):
    """``tcb.set_priority`` changes a queued thread's priority without moving it between queues."""

    def set_priority(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        result = super().set_priority(s, tid, ref, cap, args)
        plain = put(s, "prio", cap.cobj, args[0])
        return OpResult(result.error, plain)


class ScheduleKeepsHeadQueued(Kernel):
    """``sched.schedule`` runs the head of the highest queue without taking it out."""

    def remove_at(self, s: SymState, p: Val, k: Val) -> SymState:
        return s


class WakeNoEnqueue(Kernel):
    """``sched.wake`` makes a thread runnable but forgets to queue it."""

    def wake(self, s: SymState, t: Val) -> SymState:
        return self.set_state(s, t, RUNNING)


class ScheduleReadsHeadAfterPop(Kernel):
    """``sched.schedule`` takes the head out of the queue first and then reads ``queue[0]``."""

    def schedule(self, s: SymState) -> SymState:
        cur = s.current
        keep = and_(eq(get(s, "kind", cur), TCB), eq(get(s, "tstate", cur), RUNNING), not_(self.in_queue(s, cur)))
        s2 = when(keep, self.enqueue_head(s, cur), s)
        h = self.highest(s2)
        popped = self.remove_at(s2, h, 0)
        return when(eq(h, NONE), s2.but(current=s2.idle), popped.but(current=get2(popped, "qat", h, 0)))


class ScheduleLowest(Kernel):
    """``sched.highest`` picks the lowest non-empty priority (``min`` for ``max``)."""

    def highest(self, s: SymState) -> Val:
        result: Val = NONE
        for p in reversed(range(256)):
            result = ite(get(s, "qlen", p) > 0, p, result)
        return result


class RetypeTableLeveled(Kernel):
    """``untyped.new_object`` gives a new page table level 1 (the level of a VSpace's tables)
    instead of none: an unmapped table that claims a place in an address space."""

    def new_object(self, s: SymState, o: Val, otype: Val, size: Val) -> SymState:
        made = super().new_object(s, o, otype, size)
        return put(made, "ptlevel", o, ite(eq(otype, PT), 1, NONE))


class RetypeNoMemoryCheck(Kernel):
    """``untyped.retype`` omits the NOT_ENOUGH_MEMORY check: objects spill past the region."""

    def retype(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        huge = cap.but(usize=1 << 60)
        result = super().retype(s, tid, ref, huge, args)
        fixed = self.set_cap(result.state, ref, read_cap(result.state, ref).but(usize=cap.usize))
        return OpResult(result.error, fixed)


class MintUnmasked(Kernel):
    """``cnode.mask_rights`` takes the requested rights instead of their intersection with the
    source's rights."""

    def mask_rights(self, cap: SymCap, rights: Val) -> SymCap:
        return cap.but(crights=rights_of(rights))


class BadgeOverwrite(Kernel):
    """``cnode.set_badge`` replaces an existing badge instead of refusing (ILLEGAL_OPERATION)."""

    def set_badge(self, cap: SymCap, badge: Val) -> tuple[Val, SymCap]:
        _, new = super().set_badge(cap.but(cbadge=0), badge)
        keep = eq(badge, 0)
        return OK, new.select(cap, not_(keep))


class FrameMapLevel2(Kernel):
    """``vm.frame_map`` walks one level short and maps the frame into a level-2 table."""

    def walk(self, s: SymState, vspace: Val, vaddr: Val, level: int) -> tuple[Val, Val]:
        return super().walk(s, vspace, vaddr, min(level, 2))


class UnmapKeepsRecord(Kernel):
    """``vm.frame_unmap`` removes the entry but leaves the mapping recorded in the capability."""

    def frame_unmap(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        return OpResult(0, when(ne(cap.cmvs, NONE), self.unmap_frame(s, cap), s))


class FrameMapNoRead(Kernel):
    """``vm.frame_map`` accepts any non-empty rights, READ or not."""

    def map_allowed(self, granted: Val) -> Val:
        return ne(granted, 0)


class UnmapFullTable(Kernel):
    """``vm.page_table_unmap`` unmaps a table that still has entries (the DELETE_FIRST check
    forgotten): the frames mapped through it keep records of mappings no walk reaches."""

    def page_table_unmap(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        done = self.set_cap(self.unmap_table(s, cap), ref, cap.but(cmvs=NONE, cmva=0))
        return OpResult(0, when(ne(cap.cmvs, NONE), done, s))


class TableVSpaceUnrecorded(Kernel):
    """(encoding) ``page_table_map`` does not record the VSpace its table is placed under."""

    def page_table_map(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        result = super().page_table_map(s, tid, ref, cap, args)
        return OpResult(result.error, result.state.but(ptvs=s.ptvs))


class InsertNoPathChild(Kernel):
    """(encoding) ``insert`` does not record the new slot as its parent's child on its path."""

    def insert(self, s: SymState, ref: Val, cap: SymCap, parent: Val) -> SymState:
        return super().insert(s, ref, cap, parent).but(achild=s.achild)


class RetypeNoOriginal(Kernel):
    """(encoding) ``insert`` does not record a new object's original capability."""

    def _ghost_original(self, s: SymState, ref: Val, cap: SymCap, parent: Val) -> SymState:
        return s


class RetypeOwnParent(Kernel):
    """``untyped.retype`` records each new capability's own slot as its parent (the destination
    passed where the untyped capability's slot belongs): a loop in the derivation tree."""

    def carve_one(self, s: SymState, ref: Val, c: Carve, k: int) -> SymState:
        return put(super().carve_one(s, ref, c, k), "parent", c.dst(k), c.dst(k))


class RetypeRootDepth(Kernel):
    """(encoding) ``untyped.retype`` records each new capability at depth 0, as a root: its
    ancestor, the untyped capability, is not shallower."""

    def carve_one(self, s: SymState, ref: Val, c: Carve, k: int) -> SymState:
        return put(super().carve_one(s, ref, c, k), "depth", c.dst(k), 0)


class BindWithoutRead(Kernel):
    """``tcb.bind_notification`` binds through a notification capability without READ (the
    rights check is skipped): the thread receives signals it had no right to wait for."""

    def bind_notification(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        lerr, nref = self.lookup_arg(s, tid, args[0], NTFN)
        n = get(s, "cobj", nref)
        t = cap.cobj
        error = first_error(
            [
                (ne(lerr, OK), lerr),
                (ne(get(s, "bound", t), NONE), Error.ILLEGAL_OPERATION),
                (or_(ne(get(s, "nbound", n), NONE), eq(get(s, "nstate", n), 1)), Error.ILLEGAL_OPERATION),
            ]
        )
        return OpResult(error, put(put(s, "bound", t, n), "nbound", n, t))


class SetNotificationWithoutWrite(Kernel):
    """``irq.irq_set_notification`` accepts a notification capability without WRITE: the line
    then signals a notification its configurer could not signal."""

    def irq_set_notification(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        lerr, nref = self.lookup_arg(s, tid, args[0], NTFN)
        line = cap.cobj
        n = get(s, "cobj", nref)
        done = self.line_attach(self.detach_if(s, line), line, n)
        done = put(put(done, "intfn", line, n), "ibadge", line, get(s, "cbadge", nref))
        return OpResult(lerr, done)


class TransferWithoutGrant(Kernel):
    """``ipc.send`` transfers a capability whether or not the sender's endpoint capability has
    GRANT: a sender writes into the receiver's CSpace without grant authority."""

    def send(
        self,
        s: SymState,
        tid: Val,
        ep: Val,
        badge: Val,
        grant: Val,
        grant_reply: Val,
        call: Val,
        blocking: Val,
    ) -> SymState:
        return super().send(s, tid, ep, badge, True, grant_reply, call, blocking)


class UnmapByObject(Kernel):
    """``vm.frame_unmap`` unmaps by frame instead of by capability: Unmap on an unmapped copy
    removes the mapping its parent capability made, in whatever address space that is."""

    def frame_unmap(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        result = super().frame_unmap(s, tid, ref, cap, args)
        p = get(s, "parent", ref)
        pcap = read_cap(s, p)
        steal = and_(
            eq(cap.cmvs, NONE), ne(p, no_ref(ref)), eq(pcap.ctype, FRAME), eq(pcap.cobj, cap.cobj), ne(pcap.cmvs, NONE)
        )
        stolen = self.set_cap(self.unmap_frame(s, pcap), p, pcap.but(cmvs=NONE, cmva=0))
        return OpResult(result.error, when(steal, stolen, result.state))


class RetypeThreadInheritsCSpace(Kernel):
    """``untyped.new_object`` gives a new thread its creator's CSpace root (as a fork would)
    instead of none: a reference to a CNode the creator may hold no capability to."""

    def new_object(self, s: SymState, o: Val, otype: Val, size: Val) -> SymState:
        made = super().new_object(s, o, otype, size)
        return put(made, "cspace", o, ite(eq(otype, TCB), get(s, "cspace", s.current), NONE))


class RetypeParentWatermark(Kernel):
    """``untyped.retype`` moves the watermark in the slot of the untyped capability's derivation
    parent instead of its own (a capability the caller may not hold, in another CSpace)."""

    def retype(self, s: SymState, tid: Val, ref: Val, cap: SymCap, args: list[Val]) -> OpResult:
        result = super().retype(s, tid, ref, cap, args)
        moved = get(result.state, "cwm", ref)
        d = put(put(result.state, "cwm", ref, cap.cwm), "cwm", get(s, "parent", ref), moved)
        return OpResult(result.error, d)


@dataclass(frozen=True)
class Mutant:
    """A seeded bug and the obligation expected to refute it."""

    name: str
    kernel: Kernel
    target: str

    @property
    def doc(self) -> str:
        """The bug, as its class documents it."""
        return " ".join((type(self.kernel).__doc__ or "").split())


#: The catalogue of seeded bugs: at least one per invariant family and per security property.
MUTANTS: tuple[Mutant, ...] = (
    Mutant("tick-overfill", TickOverfill(), "preserve/tick/valid_objs"),
    Mutant("destroy-copies", DestroyCopies(), "preserve/cnode_delete/valid_caps"),
    Mutant("send-blocks-on-cnode", SendBlocksOnCNode(), "preserve/endpoint_send/valid_tcb_state"),
    Mutant("retype-unaligned", RetypeUnaligned(), "preserve/untyped_retype/pspace_aligned"),
    Mutant("retype-reuses", RetypeReuses(), "preserve/untyped_retype/pspace_distinct"),
    Mutant("retype-overlapping-carve", RetypeOverlappingCarve(), "preserve/untyped_retype/pspace_distinct"),
    Mutant("retype-first-uncapped", RetypeFirstUncapped(), "preserve/untyped_retype/if_live_then_nonz_cap"),
    Mutant("retype-no-object", RetypeNoObject(), "preserve/untyped_retype/valid_caps"),
    Mutant("retype-object-orphan", RetypeObjectOrphan(), "preserve/untyped_retype/untyped_mdb"),
    Mutant("retype-empty-slice", RetypeEmptySlice(), "preserve/untyped_retype/valid_objs"),
    Mutant("retype-uncounted", RetypeUncounted(), "preserve/untyped_retype/refcounts_exact"),
    Mutant("retype-reply-to-creator", RetypeReplyToCreator(), "preserve/untyped_retype/valid_reply_caps"),
    Mutant("send-keeps-receiver-queued", SendKeepsReceiverQueued(), "preserve/endpoint_send/sym_refs"),
    Mutant("insert-uncounted", InsertUncounted(), "preserve/cnode_copy/refcounts_exact"),
    Mutant("delete-never-destroys", DeleteNeverDestroys(), "preserve/cnode_delete/if_live_then_nonz_cap"),
    Mutant("unlink-keeps-child", UnlinkKeepsChild(), "preserve/cnode_delete/cdt_links"),
    # -- the delete path (Delete and Revoke destroy objects)
    Mutant("destroy-tcb-no-suspend", DestroyTcbNoSuspend(), "preserve/cnode_delete/valid_queues"),
    Mutant("destroy-tcb-keeps-refs", DestroyTcbKeepsRefs(), "preserve/cnode_delete/refcounts_exact"),
    Mutant("destroy-notification-bound", DestroyNotificationBound(), "preserve/cnode_delete/valid_tcb_state"),
    Mutant("destroy-handler-keeps-line", DestroyHandlerKeepsLine(), "preserve/cnode_revoke/valid_irq_handlers"),
    Mutant("delete-keeps-frame-mapping", DeleteKeepsFrameMapping(), "preserve/cnode_delete/no_kernel_mappings"),
    Mutant("delete-keeps-table-mapping", DeleteKeepsTableMapping(), "preserve/cnode_delete/mappings_match_caps"),
    Mutant("delete-busy-table", DeleteBusyTable(), "preserve/cnode_delete/mapping_rights_within_cap"),
    Mutant("move-own-parent", MoveOwnParent(), "preserve/cnode_move/no_mloop"),
    Mutant("retype-keeps-watermark", RetypeKeepsWatermark(), "preserve/untyped_retype/descendants_inc"),
    Mutant("transfer-without-parent", TransferWithoutParent(), "preserve/cnode_copy/untyped_mdb"),
    Mutant("retype-untyped-orphan", RetypeUntypedOrphan(), "preserve/untyped_retype/untyped_inc"),
    Mutant("reply-keeps-right", ReplyKeepsRight(), "preserve/reply/valid_reply_caps"),
    Mutant("schedule-marks-idle-running", ScheduleMarksIdleRunning(), "preserve/tick/valid_idle"),
    Mutant("issue-leaves-line-inactive", IssueLeavesLineInactive(), "preserve/irq_control_issue/valid_irq_handlers"),
    Mutant("priority-no-requeue", PriorityNoRequeue(), "preserve/tcb_set_priority/valid_queues"),
    Mutant("schedule-keeps-head-queued", ScheduleKeepsHeadQueued(), "preserve/tick/ct_not_in_q"),
    Mutant("wake-no-enqueue", WakeNoEnqueue(), "preserve/tcb_resume/valid_blocked"),
    Mutant("schedule-reads-head-after-pop", ScheduleReadsHeadAfterPop(), "preserve/tick/cur_tcb"),
    Mutant("schedule-lowest", ScheduleLowest(), "preserve/tcb_resume/sched_highest"),
    Mutant("retype-no-memory-check", RetypeNoMemoryCheck(), "preserve/untyped_retype/valid_global_refs"),
    Mutant("retype-table-leveled", RetypeTableLeveled(), "preserve/untyped_retype/mappings_match_caps"),
    Mutant("mint-unmasked", MintUnmasked(), "preserve/cnode_mint/rights_never_grow"),
    Mutant("badge-overwrite", BadgeOverwrite(), "preserve/cnode_mint/badge_never_changes"),
    Mutant("frame-map-level-2", FrameMapLevel2(), "preserve/frame_map/no_kernel_mappings"),
    Mutant("unmap-keeps-record", UnmapKeepsRecord(), "preserve/frame_unmap/mappings_match_caps"),
    Mutant("frame-map-no-read", FrameMapNoRead(), "preserve/frame_map/mapping_rights_within_cap"),
    Mutant("unmap-full-table", UnmapFullTable(), "preserve/page_table_unmap/mappings_match_caps"),
    Mutant("insert-no-path-child", InsertNoPathChild(), "preserve/cnode_copy/cdt_paths"),
    Mutant("retype-no-original", RetypeNoOriginal(), "preserve/untyped_retype/originals"),
    Mutant("retype-own-parent", RetypeOwnParent(), "preserve/untyped_retype/no_mloop"),
    Mutant("retype-root-depth", RetypeRootDepth(), "preserve/untyped_retype/cdt_paths"),
    Mutant("table-vspace-unrecorded", TableVSpaceUnrecorded(), "preserve/page_table_map/table_vspaces"),
    # -- security properties
    Mutant("copy-unmasked", MintUnmasked(), "security/cnode_copy/rights_never_grow"),
    Mutant("bind-without-read", BindWithoutRead(), "security/tcb_bind_notification/confinement"),
    Mutant(
        "set-notification-without-write",
        SetNotificationWithoutWrite(),
        "security/irq_handler_set_notification/confinement",
    ),
    Mutant("transfer-without-grant", TransferWithoutGrant(), "security/endpoint_send/integrity"),
    Mutant("unmap-by-object", UnmapByObject(), "security/frame_unmap/integrity"),
    Mutant("unmap-by-object-confined", UnmapByObject(), "security/frame_unmap/confinement"),
    Mutant("retype-thread-inherits-cspace", RetypeThreadInheritsCSpace(), "security/untyped_retype/confinement"),
    Mutant("retype-parent-watermark", RetypeParentWatermark(), "security/untyped_retype/integrity"),
)


def by_name(name: str) -> Mutant:
    """The mutant called ``name``."""
    for m in MUTANTS:
        if m.name == name:
            return m
    raise KeyError(name)
