"""The record of earlier proofs (``proofs/hints.json``) orders attempts and obligations only: a
goal is proved by an *unsat* answer of the run, whatever the record says."""

from __future__ import annotations

from pathlib import Path

import pytest
import z3

from mlk.proofs import catalogue, hints
from mlk.proofs.cli import main
from mlk.proofs.discharge import discharge
from mlk.proofs.invariants import by_name as by_family
from mlk.proofs.mutants import by_name
from mlk.proofs.obligation import Goal, Obligation, Outcome, Query, Status


def _obligation(name: str) -> Obligation:
    obligation = next(o for o in catalogue.obligations() if o.name == name)
    assert obligation.prepare is not None
    obligation.prepare()
    return obligation


def test_recorded_attempt_first_saves_steps() -> None:
    obligation = _obligation("preserve/tick/sched_highest")
    plain = discharge(obligation, 60)
    assert plain.status == Status.PROVED and plain.proofs
    hinted = discharge(obligation, 60, plain.proofs)
    assert hinted.status == Status.PROVED
    assert hinted.proofs == plain.proofs
    assert hinted.steps < plain.steps


def test_stale_hints_fall_back_to_every_attempt() -> None:
    obligation = _obligation("preserve/tick/valid_queues")
    goals = obligation.build().goals
    for label in ("t9", "goal", "full", "parts:t0,t0,t0,t0,t0,t0,t0"):
        outcome = discharge(obligation, 60, {g.name: label for g in goals})
        assert outcome.status == Status.PROVED, label
        assert set(outcome.proofs) == {g.name for g in goals}


def test_a_hint_is_never_a_proof() -> None:
    x = z3.Int("x")
    goal = Goal("g.bigger", x > 1)
    obligation = Obligation("false", lambda: Query([x > 0], [[x > 0]] * 3, [goal]))
    for label in ("t0", "t1", "full", "goal", "parts:t0"):
        outcome = discharge(obligation, 10, {goal.name: label})
        assert outcome.status == Status.REFUTED, label
        assert outcome.proofs == {}


def test_record_round_trip_and_order(tmp_path: Path) -> None:
    path = tmp_path / "hints.json"
    assert hints.load(path) == {}
    outcomes = [
        Outcome("a", Status.PROVED, 1.0, steps=10, proofs={"f.x": "t0"}),
        Outcome("b", Status.PROVED, 1.0, steps=30, proofs={"f.y": "parts:t1,t2"}),
        Outcome("c", Status.UNKNOWN, 1.0, steps=99),
    ]
    record = hints.updated({"c": hints.Hint(5, {})}, outcomes)
    hints.save(record, path)
    loaded = hints.load(path)
    assert loaded == {"a": hints.Hint(10, {"f.x": "t0"}), "b": hints.Hint(30, {"f.y": "parts:t1,t2"})}
    order = hints.costliest_first([Obligation(n, lambda: None) for n in "abd"], loaded)  # type: ignore[arg-type,return-value]
    assert [o.name for o in order] == ["d", "b", "a"]


@pytest.mark.parametrize(
    ("text", "cause"),
    [("{", "not JSON"), ("[]", "not a JSON object"), ('{"a": {"steps": "x", "proofs": {}}}', "entry 'a'")],
)
def test_bad_record_names_file_and_cause(tmp_path: Path, text: str, cause: str) -> None:
    path = tmp_path / "hints.json"
    path.write_text(text)
    with pytest.raises(hints.HintsError, match=cause) as info:
        hints.load(path)
    assert str(path) in str(info.value)


def test_only_unchanged_conjuncts_are_framed() -> None:
    """A conjunct is left out of the goals only when every field it reads is unchanged: the
    mutant that refills a slice to 6 at the tick keeps its broken conjunct among the goals."""
    mutant = by_name("tick-overfill")
    query = next(o for o in catalogue.obligations(mutant.kernel) if o.name == mutant.target).build()
    goals = {g.name for g in query.goals}
    assert "valid_objs.tcb_priority_slice" in goals
    assert query.framed and goals.isdisjoint(query.framed)
    assert goals | set(query.framed) == {f"valid_objs.{c.name}" for c in by_family("valid_objs").conjuncts}


def test_calibration_records_an_attempt_per_goal(capsys: pytest.CaptureFixture[str]) -> None:
    obligation = _obligation("preserve/tick/sched_highest")
    outcome = discharge(obligation, 60, calibrate=True)
    assert outcome.status == Status.PROVED
    assert set(outcome.proofs) == {g.name for g in obligation.build().goals}
    assert main(["--calibrate", "--only", "boot/*"]) == 2
    assert "--calibrate is for --write-hints" in capsys.readouterr().err
