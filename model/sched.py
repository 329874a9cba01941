"""Ready queues and the scheduling decision.

There are :data:`~mlk.abi.objects.NUM_PRIORITIES` priorities, each with a FIFO ready queue of
runnable threads. The running thread (``current``) is never in a queue while it runs. After every
transition :func:`schedule` makes the decision: a current thread that is still runnable and was
not sent to the back of its queue goes back to the *head* of its queue (so it keeps the processor
against threads of its own priority); then the head of the highest non-empty queue is taken out
and runs, or the idle thread when every queue is empty. A thread woken by a transition is appended
at the *tail* of its queue, so it preempts the current thread only when its priority is higher.
"""

from __future__ import annotations

from mlk.abi.objects import ThreadState
from mlk.model.state import RUNNING, ObjId, Tcb
from mlk.model.tx import Tx


def enqueue(tx: Tx, tid: ObjId) -> None:
    """Append thread ``tid`` to the tail of its priority's ready queue."""
    prio = tx.tcb(tid).priority
    tx.set_queue(prio, (*tx.queues.get(prio, ()), tid))


def enqueue_head(tx: Tx, tid: ObjId) -> None:
    """Put thread ``tid`` at the head of its priority's ready queue."""
    prio = tx.tcb(tid).priority
    tx.set_queue(prio, (tid, *tx.queues.get(prio, ())))


def dequeue(tx: Tx, tid: ObjId) -> None:
    """Take thread ``tid`` out of its priority's ready queue, if it is there."""
    prio = tx.tcb(tid).priority
    queue = tx.queues.get(prio, ())
    if tid in queue:
        tx.set_queue(prio, tuple(t for t in queue if t != tid))


def wake(tx: Tx, tid: ObjId) -> None:
    """Make thread ``tid`` runnable and append it to its ready queue."""
    tx.put_tcb(tid, tx.tcb(tid)._replace(state=RUNNING))
    enqueue(tx, tid)


def highest(tx: Tx) -> int | None:
    """The highest priority whose queue is non-empty, ``None`` when all are empty."""
    return max(tx.queues) if tx.queues else None


def schedule(tx: Tx) -> None:
    """Choose the thread that runs next (see the module documentation)."""
    cur = tx.current
    obj = tx.objects.get(cur)
    if isinstance(obj, Tcb) and obj.state.kind == ThreadState.RUNNING and cur not in tx.queues.get(obj.priority, ()):
        enqueue_head(tx, cur)
    prio = highest(tx)
    if prio is None:
        tx.current = tx.machine.idle_tcb
        return
    queue = tx.queues[prio]
    tx.current = queue[0]
    tx.set_queue(prio, queue[1:])
