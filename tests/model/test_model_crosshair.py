"""CrossHair contract checks on every transition (see ``crosshair_contracts``), under a budget."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mlk.abi.objects import CapType
from tests.model import crosshair_contracts

ROOT = Path(__file__).resolve().parents[2]
#: Seconds CrossHair spends on each contract.
PER_CONDITION = 3


def test_contracts_hold_on_the_base_state() -> None:
    """Concrete sanity check: each contract holds for plain arguments."""
    assert crosshair_contracts.ipc_call(crosshair_contracts.SLOT[CapType.TCB] - 1, 0, 1, 5, 0, 0)
    assert crosshair_contracts.untyped_retype(2, 0, 2, 200, 1, 5)
    assert crosshair_contracts.events(1, 33, 0, 0, 0)


def test_crosshair_finds_no_counterexample() -> None:
    command = [
        sys.executable,
        "-m",
        "crosshair",
        "check",
        f"--per_condition_timeout={PER_CONDITION}",
        "--per_path_timeout=2",
        "tests/model/crosshair_contracts.py",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
