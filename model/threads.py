"""Thread life-cycle helpers: taking a thread out of whatever it waits in, suspending it, and
dropping the right to reply."""

from __future__ import annotations

from mlk.abi.objects import EndpointState, NotificationState, ThreadState
from mlk.model import sched
from mlk.model.state import INACTIVE, Endpoint, ObjId, TState
from mlk.model.tx import Tx


def cancel_ipc(tx: Tx, tid: ObjId) -> None:
    """Detach thread ``tid`` from what it is blocked on or queued in: an endpoint or notification
    queue (an emptied queue makes the object IDLE), the replier's reply right (for a thread
    awaiting a reply) or its ready queue. Its state itself is left for the caller to set."""
    state = tx.tcb(tid).state
    kind = state.kind
    if kind in (ThreadState.BLOCKED_ON_SEND, ThreadState.BLOCKED_ON_RECEIVE):
        assert state.obj is not None
        ep = tx.endpoint(state.obj)
        queue = tuple(t for t in ep.queue if t != tid)
        tx.put(state.obj, Endpoint(ep.state if queue else EndpointState.IDLE, queue))
    elif kind == ThreadState.BLOCKED_ON_NOTIFICATION:
        assert state.obj is not None
        ntfn = tx.notification(state.obj)
        queue = tuple(t for t in ntfn.queue if t != tid)
        tx.put(state.obj, ntfn._replace(state=ntfn.state if queue else NotificationState.IDLE, queue=queue))
    elif kind == ThreadState.BLOCKED_ON_REPLY:
        if state.obj is not None:
            tx.put_tcb(state.obj, tx.tcb(state.obj)._replace(reply=None))
    elif kind == ThreadState.RUNNING:
        sched.dequeue(tx, tid)


def suspend(tx: Tx, tid: ObjId) -> None:
    """Make thread ``tid`` INACTIVE: detach it (:func:`cancel_ipc`) and forget its pending
    fault. The reply right it holds for another thread is kept."""
    cancel_ipc(tx, tid)
    tx.put_tcb(tid, tx.tcb(tid)._replace(state=INACTIVE, fault=None))


def discard_reply(tx: Tx, tid: ObjId) -> None:
    """Drop the reply right thread ``tid`` holds, if any. The thread that was waiting for the
    reply stays BLOCKED_ON_REPLY with no replier: nothing can wake it but Suspend or the
    deletion of its TCB (as in seL4, where the caller's reply capability is deleted)."""
    caller = tx.tcb(tid).reply
    if caller is None:
        return
    tx.put_tcb(tid, tx.tcb(tid)._replace(reply=None))
    tx.put_tcb(caller, tx.tcb(caller)._replace(state=TState(ThreadState.BLOCKED_ON_REPLY)))


def unbind(tx: Tx, tid: ObjId) -> None:
    """Undo the binding between thread ``tid`` and its bound notification, if any."""
    ntfn = tx.tcb(tid).bound
    if ntfn is None:
        return
    tx.put_tcb(tid, tx.tcb(tid)._replace(bound=None))
    tx.put(ntfn, tx.notification(ntfn)._replace(bound=None))
