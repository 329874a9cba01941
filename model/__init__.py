"""The executable abstract specification of MyLittleKernel.

The kernel is a state machine. :func:`step` is the one entry point: it takes a
:class:`~mlk.model.state.State` and an event (:mod:`mlk.model.events`: a system call with the
caller's registers, a timer tick, an interrupt, a user fault) and returns the new state and a
:class:`~mlk.model.events.Result` (the registers the kernel wrote, the console output, the halt
status, the thread that runs next). It is pure and total: it never changes its input and gives a
defined outcome for every input, hostile ones included. :func:`mlk.model.boot.boot` gives the
initial state as a function of the machine's memory map.

Where to read what:

* :mod:`~mlk.model.state` -- the state: objects by physical address, capability slots with the
  derivation tree, ready queues, interrupt lines;
* :mod:`~mlk.model.kernel` -- system call dispatch, ticks, interrupts, faults, the registry of
  named transitions (:data:`TRANSITIONS`, :func:`classify`);
* :mod:`~mlk.model.ipc` -- endpoints, replies, capability transfer, notifications, fault messages;
* :mod:`~mlk.model.invocation` and the modules it dispatches to (:mod:`~mlk.model.untyped`,
  :mod:`~mlk.model.cnode`, :mod:`~mlk.model.tcb`, :mod:`~mlk.model.irq`, :mod:`~mlk.model.vm`) --
  every invocation with its arguments and its checks in order;
* :mod:`~mlk.model.cspace`, :mod:`~mlk.model.delete`, :mod:`~mlk.model.threads`,
  :mod:`~mlk.model.sched` -- lookup, the derivation tree, destruction, scheduling;
* :mod:`~mlk.model.invariants` -- the invariants (:data:`INVARIANTS`);
* :mod:`~mlk.model.gen` -- seeded random events and reachable states; :mod:`~mlk.model.bench` --
  the replay benchmark.

The finite interface: no transition loops over a structure whose size the user controls, except
that queues and child lists are kept as tuples (the kernel keeps them as linked lists, with
constant-time removal). Revoke deletes one child per call and reports how many remain; an object
whose destruction would need a loop (a CNode with capabilities, an endpoint with waiters, a table
with entries, ...) must be emptied first (DELETE_FIRST); a capability with children can be neither
deleted nor moved (REVOKE_FIRST); Retype creates at most
:data:`~mlk.abi.objects.RETYPE_MAX_OBJECTS` objects into slots the caller chooses.
"""

from mlk.model.events import Event, FaultEvent, IrqEvent, Result, SyscallEvent, TickEvent, syscall_event
from mlk.model.invariants import INVARIANTS, violations
from mlk.model.kernel import TRANSITIONS, classify, step
from mlk.model.state import State

__all__ = [
    "INVARIANTS",
    "TRANSITIONS",
    "Event",
    "FaultEvent",
    "IrqEvent",
    "Result",
    "State",
    "SyscallEvent",
    "TickEvent",
    "classify",
    "step",
    "syscall_event",
    "violations",
]
