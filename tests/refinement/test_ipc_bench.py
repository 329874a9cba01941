"""``mlk bench ipc``: the fast paths save instructions on every round trip, exactly measured."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlk.cli import main
from mlk.refinement import ipc_bench

pytestmark = pytest.mark.qemu


def test_the_fast_path_round_trip_retires_fewer_instructions(tmp_path: Path) -> None:
    fast, fast_exact = ipc_bench.round_trip(tmp_path, 4, fastpath=1, trace=0)
    slow, slow_exact = ipc_bench.round_trip(tmp_path, 4, fastpath=0, trace=0)
    assert fast_exact and slow_exact
    assert fast.is_integer() and slow.is_integer()  # the same work every round trip
    assert ipc_bench.USER_INSTRUCTIONS < fast < slow


def test_the_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "ipc", "--rounds", "3"]) == 0
    out = capsys.readouterr().out
    assert "fast path" in out and "slow path" in out and "not exact" not in out
