"""The stateful test: 200 random programs of 50 steps, every invariant after every step.

Reproducible: the seed is printed, and ``MLK_SEED=<seed>`` (or hypothesis's
``--hypothesis-seed``) replays the same programs.
"""

from __future__ import annotations

import os
import random

from hypothesis import HealthCheck, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.stateful import run_state_machine_as_test

from tests.model.stateful_machine import KernelMachine

SEED = int(os.environ.get("MLK_SEED", str(random.randrange(2**32))))

SETTINGS = settings(
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_random_programs_keep_every_invariant() -> None:
    print(f"stateful spec test: MLK_SEED={SEED}")
    machine = hypothesis_seed(SEED)(KernelMachine)
    try:
        run_state_machine_as_test(machine, settings=SETTINGS)
    except BaseException as failure:
        failure.add_note(f"reproduce with MLK_SEED={SEED}")
        raise
