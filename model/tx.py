"""The working copy a transition builds its new state in.

A transition is a pure function of ``(state, event)``: it never changes its input. To avoid
copying the whole state, it works on a :class:`Tx` that starts out sharing every dictionary with
the input state and copies a dictionary the first time it writes to it (copy on write). The
helpers in the other modules read and write through a ``Tx``; :meth:`Tx.finish` freezes it into
the new :class:`~mlk.model.state.State` and the :class:`~mlk.model.events.Result`.
"""

from __future__ import annotations

from mlk.model.events import Result
from mlk.model.state import (
    CNode,
    Ctx,
    Endpoint,
    Irq,
    KObject,
    Machine,
    Notification,
    ObjId,
    PageTable,
    Slot,
    SlotRef,
    State,
    Tcb,
    VSpace,
)


class Tx:
    """A state under construction, plus the effects that go into the result."""

    __slots__ = (
        "_own_irqs",
        "_own_objects",
        "_own_queues",
        "_own_slots",
        "_start_ctx",
        "current",
        "halted",
        "irqs",
        "machine",
        "objects",
        "output",
        "queues",
        "slots",
    )

    def __init__(self, state: State) -> None:
        self.machine: Machine = state.machine
        self.objects: dict[ObjId, KObject] = state.objects  # type: ignore[assignment]
        self.slots: dict[SlotRef, Slot] = state.slots  # type: ignore[assignment]
        self.queues: dict[int, tuple[ObjId, ...]] = state.queues  # type: ignore[assignment]
        self.irqs: dict[int, Irq] = state.irqs  # type: ignore[assignment]
        self.current: ObjId = state.current
        self.halted: int | None = state.halted
        self.output = bytearray()
        self._own_objects = False
        self._own_slots = False
        self._own_queues = False
        self._own_irqs = False
        #: The registers each thread had before its first register write in this transition.
        self._start_ctx: dict[ObjId, Ctx] = {}

    # -- objects -----------------------------------------------------------------------------

    def put(self, oid: ObjId, obj: KObject) -> None:
        """Store ``obj`` at ``oid`` (creating or replacing)."""
        if not self._own_objects:
            self.objects = dict(self.objects)
            self._own_objects = True
        self.objects[oid] = obj

    def remove(self, oid: ObjId) -> None:
        """Destroy the object at ``oid``."""
        if not self._own_objects:
            self.objects = dict(self.objects)
            self._own_objects = True
        del self.objects[oid]

    def tcb(self, oid: ObjId) -> Tcb:
        """The TCB at ``oid`` (which must be one)."""
        obj = self.objects[oid]
        assert isinstance(obj, Tcb)
        return obj

    def put_tcb(self, oid: ObjId, tcb: Tcb) -> None:
        """Store ``tcb``, remembering the thread's registers before its first change."""
        old = self.objects.get(oid)
        if isinstance(old, Tcb) and old.ctx is not tcb.ctx and oid not in self._start_ctx:
            self._start_ctx[oid] = old.ctx
        self.put(oid, tcb)

    def set_ctx(self, oid: ObjId, ctx: Ctx) -> None:
        """Replace the saved registers of thread ``oid``."""
        self.put_tcb(oid, self.tcb(oid)._replace(ctx=ctx))

    def endpoint(self, oid: ObjId) -> Endpoint:
        """The endpoint at ``oid``."""
        obj = self.objects[oid]
        assert isinstance(obj, Endpoint)
        return obj

    def notification(self, oid: ObjId) -> Notification:
        """The notification at ``oid``."""
        obj = self.objects[oid]
        assert isinstance(obj, Notification)
        return obj

    def cnode(self, oid: ObjId) -> CNode:
        """The CNode at ``oid``."""
        obj = self.objects[oid]
        assert isinstance(obj, CNode)
        return obj

    def table(self, oid: ObjId) -> PageTable | VSpace:
        """The translation table (VSpace or page table) at ``oid``."""
        obj = self.objects[oid]
        assert isinstance(obj, PageTable | VSpace)
        return obj

    # -- slots, queues, interrupts -------------------------------------------------------------

    def put_slot(self, ref: SlotRef, slot: Slot) -> None:
        """Store ``slot`` at ``ref``."""
        if not self._own_slots:
            self.slots = dict(self.slots)
            self._own_slots = True
        self.slots[ref] = slot

    def clear_slot(self, ref: SlotRef) -> None:
        """Empty the slot ``ref``."""
        if not self._own_slots:
            self.slots = dict(self.slots)
            self._own_slots = True
        del self.slots[ref]

    def set_queue(self, prio: int, queue: tuple[ObjId, ...]) -> None:
        """Set the ready queue of ``prio`` (an empty queue is dropped)."""
        if not self._own_queues:
            self.queues = dict(self.queues)
            self._own_queues = True
        if queue:
            self.queues[prio] = queue
        else:
            self.queues.pop(prio, None)

    def set_irq(self, irq: int, state: Irq | None) -> None:
        """Set the state of line ``irq`` (``None``: inactive)."""
        if not self._own_irqs:
            self.irqs = dict(self.irqs)
            self._own_irqs = True
        if state is None:
            self.irqs.pop(irq, None)
        else:
            self.irqs[irq] = state

    # -- result --------------------------------------------------------------------------------

    def finish(self) -> tuple[State, Result]:
        """Freeze the new state and build the result."""
        state = State(self.machine, self.objects, self.slots, self.queues, self.current, self.irqs, self.halted)
        regs: list[tuple[ObjId, Ctx]] = []
        for oid in sorted(self._start_ctx):
            obj = self.objects.get(oid)
            if isinstance(obj, Tcb) and obj.ctx != self._start_ctx[oid]:
                regs.append((oid, obj.ctx))
        return state, Result(self.current, tuple(regs), bytes(self.output), self.halted)
