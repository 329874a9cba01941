"""(state, event) pairs at the authority boundaries the security properties are about.

The random pairs of :mod:`mlk.model.gen` are made by a root task that holds a capability to nearly
everything (every object descends from its untyped capability, so it may revoke them all), so they
rarely show a thread acting without authority. :func:`pairs` builds, from the boot state, a second
thread ``u`` in a CSpace of its own holding reduced copies of the root task's capabilities (an
endpoint capability with WRITE only, one notification capability with WRITE only and another's with
READ only, its own TCB, an IRQ handler capability, an unmapped copy of a frame capability whose
original maps the frame into the root task's VSpace, a CNode capability to a second CNode) and an
untyped region carved from the root task's (its capability a child of the root task's untyped
capability), while the root task waits on the endpoint; the events are ``u``'s (among them a
Retype of a thread from that region into the second CNode). The spec refuses them or performs
them within ``u``'s authority; a kernel that skipped a rights check would break a security
property on them. The counterexample search of the security obligations and
``tests/proofs/test_security.py`` use them.
"""

from __future__ import annotations

from functools import cache

from mlk.abi import msginfo
from mlk.abi.labels import Label
from mlk.abi.objects import NULL_CPTR, ObjectType, RootSlot
from mlk.abi.rights import ALL_RIGHTS, Right
from mlk.abi.syscalls import Syscall
from mlk.model.boot import boot
from mlk.model.events import Event, SyscallEvent, syscall_event
from mlk.model.gen import test_machine
from mlk.model.kernel import classify, step
from mlk.model.state import State, Tcb

F = int(RootSlot.FREE_FIRST)
#: The root task's slots: the objects it creates, the IRQ handler capability it issues, and the
#: empty slot it receives a capability into.
N1, N2, EP, TCB, CNODE, HANDLER, UNTYPED, CNODE2 = F, F + 1, F + 2, F + 3, F + 4, F + 5, F + 6, F + 7
ROOT_RECV = F + 10
#: Slots of ``u``'s CSpace: the endpoint with WRITE only, notification ``N1`` with WRITE only,
#: ``N2`` with READ only, its own TCB, the IRQ handler capability, an (unmapped) copy of the capability
#: to the root task's first image frame (which is mapped in the root task's VSpace), the untyped
#: region, a copy of the capability to the second CNode.
U_EP_W, U_N1_W, U_N2_R, U_TCB, U_HANDLER, U_FRAME, U_UNTYPED, U_CNODE2 = 1, 2, 3, 4, 5, 6, 7, 8
#: The radix of ``u``'s CNode and of the second CNode; log2 of the size of ``u``'s untyped region.
U_RADIX = 4
U_UNTYPED_BITS = 12


def _invoke(cptr: int, label: Label, *mrs: int, sysno: int = Syscall.CALL) -> SyscallEvent:
    return syscall_event(sysno, cptr=cptr, msginfo=msginfo.pack(label, len(mrs)), mrs=mrs)


def _retype(kind: ObjectType, size: int, slot: int) -> SyscallEvent:
    return _invoke(RootSlot.UNTYPED_FIRST, Label.UNTYPED_RETYPE, kind, size, RootSlot.CNODE, slot, 1)


def _give(dst: int, src: int, rights: int) -> SyscallEvent:
    """Copy the root task's ``src`` into slot ``dst`` of ``u``'s CNode with ``rights``."""
    return _invoke(CNODE, Label.CNODE_COPY, dst, RootSlot.CNODE, src, rights)


def _run(s: State, events: list[Event]) -> State:
    for e in events:
        s, _ = step(s, e)
    return s


@cache
def setup() -> State:
    """The state described in the module documentation, ``u`` running."""
    s = boot(test_machine())
    root = s.current
    tcb = s.objects[root]
    assert isinstance(tcb, Tcb)
    s = _run(
        s,
        [
            _retype(ObjectType.NOTIFICATION, 0, N1),
            _retype(ObjectType.NOTIFICATION, 0, N2),
            _retype(ObjectType.ENDPOINT, 0, EP),
            _retype(ObjectType.TCB, 0, TCB),
            _retype(ObjectType.CNODE, U_RADIX, CNODE),
            _retype(ObjectType.UNTYPED, U_UNTYPED_BITS, UNTYPED),
            _retype(ObjectType.CNODE, U_RADIX, CNODE2),
            _invoke(RootSlot.IRQ_CONTROL, Label.IRQ_CONTROL_ISSUE, s.machine.console_irq, RootSlot.CNODE, HANDLER),
            _invoke(TCB, Label.TCB_CONFIGURE, NULL_CPTR, CNODE, NULL_CPTR),
            _invoke(TCB, Label.TCB_SET_PRIORITY, tcb.priority),
            _invoke(TCB, Label.TCB_RESUME),
            _give(U_EP_W, EP, Right.WRITE),
            _give(U_N1_W, N1, Right.WRITE),
            _give(U_N2_R, N2, Right.READ),
            _give(U_TCB, TCB, int(ALL_RIGHTS)),
            _give(U_FRAME, RootSlot.IMAGE_FIRST, int(ALL_RIGHTS)),
            _give(U_CNODE2, CNODE2, int(ALL_RIGHTS)),
            _invoke(CNODE, Label.CNODE_MOVE, U_HANDLER, RootSlot.CNODE, HANDLER),
            _invoke(CNODE, Label.CNODE_MOVE, U_UNTYPED, RootSlot.CNODE, UNTYPED),
            syscall_event(Syscall.RECV, cptr=EP, recv=ROOT_RECV),
        ],
    )
    assert s.current != root, "the second thread does not run"
    assert len([r for r in s.slots if r[0] == s.objects[s.current].cspace]) == U_CNODE2, "u's CSpace is incomplete"  # type: ignore[union-attr]
    return s


@cache
def pairs() -> tuple[tuple[State, Event], ...]:
    """The pairs (see the module documentation): events of ``u``."""
    s = setup()
    events: list[Event] = [
        _invoke(U_TCB, Label.TCB_BIND_NOTIFICATION, U_N1_W),
        _invoke(U_TCB, Label.TCB_BIND_NOTIFICATION, U_N2_R),
        _invoke(U_HANDLER, Label.IRQ_HANDLER_SET_NOTIFICATION, U_N2_R),
        _invoke(U_HANDLER, Label.IRQ_HANDLER_SET_NOTIFICATION, U_N1_W),
        syscall_event(Syscall.SEND, cptr=U_EP_W, msginfo=msginfo.pack(0, 1, 1), mrs=(7,), xfer=U_N1_W),
        syscall_event(Syscall.CALL, cptr=U_EP_W, msginfo=msginfo.pack(0, 1, 1), mrs=(7,), xfer=U_N2_R),
        syscall_event(Syscall.SEND, cptr=U_N1_W),
        _invoke(U_FRAME, Label.FRAME_UNMAP),
        _invoke(U_UNTYPED, Label.UNTYPED_RETYPE, ObjectType.TCB, 0, U_CNODE2, 0, 1),
    ]
    return tuple((s, e) for e in events)


def by_transition() -> dict[str, list[tuple[State, Event]]]:
    """:func:`pairs` by the transition the spec classifies them as."""
    out: dict[str, list[tuple[State, Event]]] = {}
    for s, e in pairs():
        out.setdefault(classify(s, e), []).append((s, e))
    return out
