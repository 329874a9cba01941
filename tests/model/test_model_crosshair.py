"""CrossHair contract checks on every transition (see ``crosshair_contracts``), under a budget."""

from __future__ import annotations

import os
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


MUTANT_CONTRACT = """
from mlk.abi.objects import CapType
from mlk.model.state import Cap
from tests.model.test_model_mutants import _no_mask


def mask_rights(rights: int, mask: int) -> bool:
    \"\"\"
    pre: 0 <= rights < 16 and 0 <= mask < 2**64
    post: __return__
    \"\"\"
    return _no_mask(Cap(CapType.ENDPOINT, 0, rights), mask).rights & ~(rights & mask) == 0
"""


def test_crosshair_catches_a_mutant(tmp_path: Path) -> None:
    """The same contract on the "rights not masked" mutant has a counterexample."""
    module = tmp_path / "mutant_contract.py"
    module.write_text(MUTANT_CONTRACT)
    command = [sys.executable, "-m", "crosshair", "check", "--per_condition_timeout=20", str(module)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False, env=env)
    assert done.returncode != 0 and "false when calling mask_rights" in done.stdout, done.stdout + done.stderr
