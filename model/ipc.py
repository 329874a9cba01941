"""Message passing: endpoints, replies, notifications and fault messages.

A message is the message-info word (label, length, extra capabilities), ``length`` message
registers (at most :data:`~mlk.abi.syscalls.MSG_REGS`; a larger length is cut to it) and the
badge of the capability it was sent through. The receiver's registers get: ``x0`` the badge,
``x1`` the message-info word as received (the extra-capability count says whether a capability
arrived), ``x2``.. the message registers; the receiver's other registers are unchanged.

At most one capability travels with a message, and only when the sender's endpoint capability has
the GRANT right and the message-info word asks for one: the sender's ``x9`` names it in the
sender's CSpace, the receiver's ``x10`` names an empty slot of the receiver's CSpace root. The
receiver gets a copy derived from the sender's capability (see :func:`derive`). Any
failure here (nothing to send, a capability that cannot be copied, no empty receive slot) silently
sends the message without the capability.
"""

from __future__ import annotations

from mlk.abi import msginfo
from mlk.abi.objects import NULL_CPTR, CapType, EndpointState, NotificationState, ThreadState
from mlk.abi.rights import Right
from mlk.abi.syscalls import MSG_REGS, Reg
from mlk.model import cspace, sched, threads
from mlk.model.state import INACTIVE, Cap, CNode, Endpoint, FaultInfo, ObjId, TState
from mlk.model.tx import Tx


def derive(cap: Cap) -> Cap | None:
    """The capability a copy of ``cap`` gets, or ``None`` when ``cap`` may not be copied.

    Untyped, page-table and VSpace capabilities are never copied: each such object has exactly one
    capability, which keeps an untyped region's watermark and a table's mapping in one place. A
    copy of a frame capability starts unmapped.
    """
    if cap.type in (CapType.UNTYPED, CapType.PAGE_TABLE, CapType.VSPACE):
        return None
    if cap.type == CapType.FRAME:
        return cap._replace(mapped=None)
    return cap


def _receive_slot(tx: Tx, tid: ObjId) -> tuple[int, int] | None:
    tcb = tx.tcb(tid)
    cptr = tcb.ctx[Reg.RECV_SLOT]
    root = tcb.cspace
    if root is None or cptr == NULL_CPTR:
        return None
    cnode = tx.objects[root]
    assert isinstance(cnode, CNode)
    if cptr >> cnode.radix or (root, cptr) in tx.slots:
        return None
    return root, cptr


def transfer_cap(tx: Tx, sender: ObjId, receiver: ObjId) -> int:
    """Copy the capability the sender offers into the receiver's receive slot; return the number
    of capabilities transferred (0 or 1)."""
    src = cspace.resolve(tx, sender, tx.tcb(sender).ctx[Reg.XFER_CAP])
    if src is None:
        return 0
    cap = derive(tx.slots[src].cap)
    dst = _receive_slot(tx, receiver)
    if cap is None or dst is None:
        return 0
    cspace.insert(tx, dst, cap, src)
    return 1


def transfer(tx: Tx, sender: ObjId, receiver: ObjId, *, badge: int, grant: bool, fault: FaultInfo | None) -> None:
    """Deliver the sender's message (or its fault message when ``fault`` is given) to the
    receiver's registers, with ``badge``; transfer a capability when ``grant`` allows."""
    mrs: tuple[int, ...]
    if fault is not None:
        label, mrs, caps = int(fault.kind), (fault.a, fault.b, fault.pc), 0
    else:
        sctx = tx.tcb(sender).ctx
        info = sctx[Reg.MSGINFO]
        length = min(msginfo.LENGTH.get(info), MSG_REGS)
        label = msginfo.LABEL.get(info)
        mrs = sctx[Reg.MR0 : Reg.MR0 + length]
        caps = transfer_cap(tx, sender, receiver) if grant and msginfo.EXTRA_CAPS.get(info) else 0
    write_message(tx, receiver, badge, msginfo.pack(label, len(mrs), caps), mrs)


def write_message(tx: Tx, tid: ObjId, badge: int, info: int, mrs: tuple[int, ...]) -> None:
    """Set ``x0`` = ``badge``, ``x1`` = ``info`` and ``x2``.. = ``mrs`` of thread ``tid``."""
    ctx = list(tx.tcb(tid).ctx)
    ctx[Reg.BADGE] = badge
    ctx[Reg.MSGINFO] = info
    ctx[Reg.MR0 : Reg.MR0 + len(mrs)] = mrs
    tx.set_ctx(tid, tuple(ctx))


def _await_reply(tx: Tx, caller: ObjId, replier: ObjId, can_reply: bool) -> None:
    """After a Call's message went through: the caller waits for ``replier``'s reply, or becomes
    INACTIVE when the capability it called through gave no right to a reply."""
    if can_reply:
        tx.put_tcb(caller, tx.tcb(caller)._replace(state=TState(ThreadState.BLOCKED_ON_REPLY, replier)))
        tx.put_tcb(replier, tx.tcb(replier)._replace(reply=caller))
    else:
        tx.put_tcb(caller, tx.tcb(caller)._replace(state=INACTIVE))


def send(
    tx: Tx,
    tid: ObjId,
    ep_id: ObjId,
    *,
    badge: int,
    grant: bool,
    grant_reply: bool,
    call: bool,
    blocking: bool,
) -> None:
    """Thread ``tid`` sends on endpoint ``ep_id`` through a capability with ``badge`` and rights
    ``grant``/``grant_reply``.

    A receiver waiting at the head of the queue gets the message and becomes runnable; a Call (or
    fault message) then waits for the receiver's reply when GRANT or GRANT_REPLY allowed one (a
    fault message always does). With no receiver, a blocking send queues the sender at the tail;
    a non-blocking send drops the message.
    """
    ep = tx.endpoint(ep_id)
    fault = tx.tcb(tid).fault if call else None
    if ep.state == EndpointState.RECEIVING:
        receiver, rest = ep.queue[0], ep.queue[1:]
        tx.put(ep_id, Endpoint(EndpointState.RECEIVING if rest else EndpointState.IDLE, rest))
        transfer(tx, tid, receiver, badge=badge, grant=grant, fault=fault)
        sched.wake(tx, receiver)
        if call:
            _await_reply(tx, tid, receiver, grant or grant_reply or fault is not None)
    elif blocking:
        state = TState(ThreadState.BLOCKED_ON_SEND, ep_id, badge, grant, grant_reply, call)
        tx.put_tcb(tid, tx.tcb(tid)._replace(state=state))
        tx.put(ep_id, Endpoint(EndpointState.SENDING, (*ep.queue, tid)))


def receive(tx: Tx, tid: ObjId, ep_id: ObjId, blocking: bool) -> None:
    """Thread ``tid`` receives on endpoint ``ep_id``.

    First any reply right the thread holds is discarded. A pending signal on its bound
    notification is taken instead of a message (as by :func:`wait`). Otherwise the sender at the
    head of the queue delivers its message; a Call sender then awaits this thread's reply, any
    other sender becomes runnable. With no sender, a blocking receive queues the thread at the
    tail; a non-blocking one returns badge 0 and message-info 0.
    """
    threads.discard_reply(tx, tid)
    bound = tx.tcb(tid).bound
    if bound is not None and tx.notification(bound).state == NotificationState.ACTIVE:
        wait(tx, tid, bound, blocking)
        return
    ep = tx.endpoint(ep_id)
    if ep.state == EndpointState.SENDING:
        sender, rest = ep.queue[0], ep.queue[1:]
        tx.put(ep_id, Endpoint(EndpointState.SENDING if rest else EndpointState.IDLE, rest))
        sstate = tx.tcb(sender).state
        fault = tx.tcb(sender).fault if sstate.call else None
        transfer(tx, sender, tid, badge=sstate.badge, grant=sstate.grant, fault=fault)
        if sstate.call:
            _await_reply(tx, sender, tid, sstate.grant or sstate.grant_reply or fault is not None)
        else:
            sched.wake(tx, sender)
    elif blocking:
        tx.put_tcb(tid, tx.tcb(tid)._replace(state=TState(ThreadState.BLOCKED_ON_RECEIVE, ep_id)))
        tx.put(ep_id, Endpoint(EndpointState.RECEIVING, (*ep.queue, tid)))
    else:
        write_message(tx, tid, 0, 0, ())


def reply(tx: Tx, tid: ObjId) -> None:
    """Thread ``tid`` replies to the thread awaiting its reply, if there is one (else nothing
    happens); the reply right is used up.

    An ordinary caller receives the message (badge 0, no capability) and becomes runnable. A
    thread awaiting the reply to a fault message receives nothing: label 0 restarts it (it
    becomes runnable and re-executes from its saved PC), any other label leaves it INACTIVE; its
    fault is cleared either way.
    """
    caller = tx.tcb(tid).reply
    if caller is None:
        return
    tx.put_tcb(tid, tx.tcb(tid)._replace(reply=None))
    ctcb = tx.tcb(caller)
    if ctcb.fault is not None:
        restart = msginfo.LABEL.get(tx.tcb(tid).ctx[Reg.MSGINFO]) == 0
        tx.put_tcb(caller, ctcb._replace(fault=None, state=ctcb.state if restart else INACTIVE))
        if restart:
            sched.wake(tx, caller)
        return
    transfer(tx, tid, caller, badge=0, grant=False, fault=None)
    sched.wake(tx, caller)


def combine_badges(word: int, badge: int) -> int:
    """The signal word after signalling ``badge`` onto a pending ``word``: their bitwise OR."""
    return word | badge


def signal(tx: Tx, ntfn_id: ObjId, badge: int) -> None:
    """Signal notification ``ntfn_id`` with ``badge``.

    IDLE with a bound thread blocked receiving on an endpoint: that thread stops receiving and
    gets the badge (``x0`` = badge, ``x1`` = 0). IDLE otherwise: it becomes ACTIVE with word
    ``badge``. WAITING: the head waiter gets the badge and becomes runnable. ACTIVE: the badge is
    ORed into the word.
    """
    ntfn = tx.notification(ntfn_id)
    if ntfn.state == NotificationState.IDLE:
        bound = ntfn.bound
        if bound is not None and tx.tcb(bound).state.kind == ThreadState.BLOCKED_ON_RECEIVE:
            threads.cancel_ipc(tx, bound)
            write_message(tx, bound, badge, 0, ())
            sched.wake(tx, bound)
        else:
            tx.put(ntfn_id, ntfn._replace(state=NotificationState.ACTIVE, word=badge))
    elif ntfn.state == NotificationState.WAITING:
        waiter, rest = ntfn.queue[0], ntfn.queue[1:]
        tx.put(ntfn_id, ntfn._replace(state=NotificationState.WAITING if rest else NotificationState.IDLE, queue=rest))
        write_message(tx, waiter, badge, 0, ())
        sched.wake(tx, waiter)
    else:
        tx.put(ntfn_id, ntfn._replace(word=combine_badges(ntfn.word, badge)))


def wait(tx: Tx, tid: ObjId, ntfn_id: ObjId, blocking: bool) -> None:
    """Thread ``tid`` waits on (``blocking``) or polls notification ``ntfn_id``.

    ACTIVE: the thread gets the word (``x0`` = word, ``x1`` = 0) and the notification becomes
    IDLE. Otherwise a wait queues the thread at the tail; a poll returns ``x0`` = 0, ``x1`` = 0.
    """
    ntfn = tx.notification(ntfn_id)
    if ntfn.state == NotificationState.ACTIVE:
        tx.put(ntfn_id, ntfn._replace(state=NotificationState.IDLE, word=0))
        write_message(tx, tid, ntfn.word, 0, ())
    elif blocking:
        tx.put_tcb(tid, tx.tcb(tid)._replace(state=TState(ThreadState.BLOCKED_ON_NOTIFICATION, ntfn_id)))
        tx.put(ntfn_id, ntfn._replace(state=NotificationState.WAITING, queue=(*ntfn.queue, tid)))
    else:
        write_message(tx, tid, 0, 0, ())


def can_take_faults(cap: Cap) -> bool:
    """Whether ``cap`` can serve as a fault endpoint: an endpoint capability with WRITE and with
    GRANT or GRANT_REPLY (the faulting thread must be able to get a reply)."""
    return (
        cap.type == CapType.ENDPOINT
        and bool(cap.rights & Right.WRITE)
        and bool(cap.rights & (Right.GRANT | Right.GRANT_REPLY))
    )


def raise_fault(tx: Tx, tid: ObjId, fault: FaultInfo) -> None:
    """Thread ``tid`` (the current thread) took ``fault``.

    Its fault endpoint CPtr is looked up in its own CSpace now. If that names a capability that
    :func:`can_take_faults`, the fault becomes a message (label = kind, MR0/MR1 per kind, MR2 =
    PC) sent as a blocking Call with that capability's badge, and the thread awaits the handler's
    reply. Otherwise the thread becomes INACTIVE.
    """
    tcb = tx.tcb(tid)
    ref = cspace.resolve(tx, tid, tcb.fault_ep)
    cap = tx.slots[ref].cap if ref is not None else None
    if cap is None or not can_take_faults(cap):
        tx.put_tcb(tid, tcb._replace(state=INACTIVE, fault=None))
        return
    tx.put_tcb(tid, tcb._replace(fault=fault))
    send(tx, tid, cap.obj, badge=cap.badge, grant=False, grant_reply=True, call=True, blocking=True)
