"""Long random runs of the spec for the refinement tests, independent of how often the spec's
event generator draws a debug halt: an event that would halt the machine is skipped."""

from __future__ import annotations

import random

from mlk.model import gen
from mlk.model.boot import boot
from mlk.model.events import Event
from mlk.model.kernel import step
from mlk.model.state import State


def long_run(seed: int, steps: int) -> tuple[State, list[Event]]:
    """The test machine's boot state and ``steps`` events from it, none of them halting."""
    state = start = boot(gen.test_machine())
    source = gen.EventGen(random.Random(seed))
    events: list[Event] = []
    while len(events) < steps:
        event = source.event(state)
        after = step(state, event)[0]
        if after.halted is not None:
            continue
        events.append(event)
        state = after
    return start, events
