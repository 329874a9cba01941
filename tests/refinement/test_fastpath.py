"""The fast paths of Call and ReplyRecv: taken exactly when their conditions hold, with results
equal to the slow path's (the FASTPATH scenario refines the spec, and its trace is the same record
for record with the fast paths built out); the FASTPATH and FAULTIPC scenarios between them meet
every reason to fall back but a server's receive capability that is missing or no endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlk.abi import layout
from mlk.abi.platform import Platform
from mlk.kernel_aarch64 import build as kbuild
from mlk.refinement import capture, fastpath, scenarios, tracefile
from mlk.refinement.snapshot import Memory

pytestmark = pytest.mark.qemu

#: The fall-back reasons each scenario meets.
MET = {
    "fastpath": (set(fastpath.CALL_REASONS) - {"no capability"},
                 set(fastpath.REPLY_RECV_REASONS) - {"the caller has a fault", "no capability", "not an endpoint"}),
    "faultipc": ({"no capability"}, {"the caller has a fault"}),
}  # fmt: skip


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: int, name: str = "fastpath") -> tuple[
        tracefile.Trace, fastpath.Classified, tuple[int, int]]:  # fmt: skip
    config = {**scenarios.SCENARIOS[name], "FASTPATH": fast}
    monkeypatch.setitem(scenarios.SCENARIOS, name, config)
    outcome = scenarios.refine(name, tmp_path)
    assert outcome.passed, outcome.divergence.render() if outcome.divergence else outcome.message
    built = kbuild.build(tmp_path / "build", overrides={**config, "TRACE": 1})
    trace = tracefile.decode((tmp_path / "run" / "trace.bin").read_bytes())
    threads = scenarios.boot_threads(built)
    classified = fastpath.classify(trace, scenarios.initial_state_with(trace, threads),
                                   scenarios.environment({**config, "TRACE": 1}, threads))  # fmt: skip
    data = (tmp_path / "run" / capture.MEMORY_FILE).read_bytes()
    memory = Memory(scenarios.checkpoint_region(built)[0], data)
    kstate = Platform.KERNEL_BASE + layout.KERNEL_DATA_OFFSET
    counters = (memory.word(kstate + layout.KSTATE.offset("fastpath_calls")),
                memory.word(kstate + layout.KSTATE.offset("fastpath_reply_recvs")))  # fmt: skip
    return trace, classified, counters


@pytest.mark.parametrize("name", sorted(MET))
def test_fast_paths_are_taken_exactly_when_their_conditions_hold(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _trace, classified, counters = _run(tmp_path, monkeypatch, 1, name)
    assert counters == (classified.fast_calls, classified.fast_reply_recvs)
    calls, reply_recvs = MET[name]
    assert set(classified.call_refusals) >= calls, classified
    assert set(classified.reply_recv_refusals) >= reply_recvs, classified
    if name == "fastpath":
        assert classified.fast_calls > 0 and classified.fast_reply_recvs > 0


def test_the_slow_path_alone_writes_the_same_trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, _, _ = _run(tmp_path / "fast", monkeypatch, 1)
    slow, classified, counters = _run(tmp_path / "slow", monkeypatch, 0)
    assert counters == (0, 0) and classified.fast_calls > 0
    # Same records, same values; only the time stamps differ (the fast paths retire fewer
    # instructions). No tick falls in either run, so the transitions line up one for one.
    assert [(r.kind, r.values) for r in fast.records] == [(r.kind, r.values) for r in slow.records]
