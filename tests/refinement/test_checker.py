"""The lockstep checker: spec-made traces refine; each kind of kernel misbehaviour is caught and
reported at the right record with the right details."""

from __future__ import annotations

import pytest

from mlk.abi.trace import MACHINE_FIELDS, RecordType
from mlk.model import kernel
from mlk.model.events import Event
from mlk.model.kernel import step
from mlk.model.state import Machine, State, Tcb
from mlk.refinement.checker import Verdict, check, initial_state, to_event
from mlk.refinement.spec_trace import RecordBody, spec_records, spec_trace
from mlk.refinement.tracefile import MalformedRecord, Record, decode, encode

from .runs import long_run

BUILD = 0xB11D


def scenario(seed: int, steps: int) -> tuple[State, list[Event]]:
    """The boot state and a random, non-halting event sequence from it."""
    return long_run(seed, steps)


@pytest.fixture(scope="module")
def run() -> tuple[State, list[RecordBody]]:
    start, events = scenario(seed=7, steps=400)
    return start, spec_records(start, events)


def verdict(start: State, body: list[RecordBody], **kw: object) -> Verdict:
    return check(decode(encode(BUILD, body), build_id=BUILD), start, **kw)  # type: ignore[arg-type]


def index_of(body: list[RecordBody], kind: RecordType, nth: int = 0) -> int:
    return [i for i, (k, _) in enumerate(body) if k is kind][nth]


@pytest.mark.parametrize("seed", range(5))
def test_traces_the_spec_makes_refine_the_spec(seed: int) -> None:
    start, events = scenario(seed, 300)
    v = check(decode(encode(BUILD, spec_records(start, events))), start)
    assert v.refines, v.divergence.render() if v.divergence else ""
    assert v.transitions == len(events)


def test_a_wrong_register_value_is_reported_with_a_field_diff(run: tuple[State, list[RecordBody]]) -> None:
    start, body = run
    i = index_of(body, RecordType.REGS, 3)
    kind, values = body[i]
    bad = [*body]
    bad[i] = (kind, (values[0], values[1] ^ 0x10, *values[2:]))
    v = verdict(start, bad)
    assert v.divergence is not None
    assert v.divergence.aspect == "registers"
    assert v.divergence.record == i + 1  # BOOT is record 0
    (diff,) = v.divergence.diffs
    assert diff.path == f"thread {values[0]:#x}.x0"
    assert diff.expected == f"{values[1]:#x}" and diff.observed == f"{values[1] ^ 0x10:#x}"


def test_a_missing_register_write_is_reported(run: tuple[State, list[RecordBody]]) -> None:
    start, body = run
    i = index_of(body, RecordType.REGS, 5)
    v = verdict(start, body[:i] + body[i + 1 :])
    assert v.divergence is not None and v.divergence.aspect == "registers"
    assert any(d.observed == "no REGS record" for d in v.divergence.diffs)


def test_a_wrong_next_thread_is_reported(run: tuple[State, list[RecordBody]]) -> None:
    start, body = run
    i = index_of(body, RecordType.SCHED, 10)
    bad = [*body]
    bad[i] = (RecordType.SCHED, (body[i][1][0] + 0x400,))
    v = verdict(start, bad, window=5, replay="mlk refine --scenario x", routine_for=lambda r: "handle_svc (x.S:1)")
    assert v.divergence is not None and v.divergence.aspect == "next thread"
    assert v.divergence.record == i + 1
    assert len(v.divergence.window) == 5
    text = v.divergence.render()
    assert "kernel routine: handle_svc (x.S:1)" in text and "replay: mlk refine --scenario x" in text


def test_a_wrong_entering_thread_is_reported(run: tuple[State, list[RecordBody]]) -> None:
    start, body = run
    i = index_of(body, RecordType.SYSCALL, 4)
    kind, values = body[i]
    bad = [*body]
    bad[i] = (kind, (values[0] + 0x400, *values[1:]))
    v = verdict(start, bad)
    assert v.divergence is not None and v.divergence.aspect == "entering thread"


def test_a_rewrite_of_unchanged_registers_is_accepted_but_a_change_is_not(
    run: tuple[State, list[RecordBody]],
) -> None:
    """A REGS record for a thread whose registers the step did not change is a write of the same
    values: accepted when it shows the spec's values, a divergence when it shows others."""
    start, body = run
    kind, values = body[0]
    first = Record(kind, 1, 0, 0, values)
    after = step(start, to_event(first, start.machine.idle_tcb))[0]
    thread = values[0]
    tcb = after.objects[thread]
    assert isinstance(tcb, Tcb)
    closer = index_of(body, RecordType.SCHED, 0)
    same = (RecordType.REGS, (thread, *tcb.ctx))
    assert verdict(start, [*body[:closer], same, *body[closer:]]).refines
    changed = (RecordType.REGS, (thread, *(v ^ 1 for v in tcb.ctx)))
    v = verdict(start, [*body[:closer], changed, *body[closer:]])
    assert v.divergence is not None and v.divergence.aspect == "registers"


def test_extra_console_output_is_reported(run: tuple[State, list[RecordBody]]) -> None:
    start, body = run
    i = index_of(body, RecordType.SCHED, 2)
    v = verdict(start, [*body[:i], (RecordType.OUTPUT, (0x41,)), *body[i:]])
    assert v.divergence is not None and v.divergence.aspect == "console output"
    assert v.divergence.observed == "b'A'"


def test_a_spec_change_is_caught(run: tuple[State, list[RecordBody]], monkeypatch: pytest.MonkeyPatch) -> None:
    """The same trace no longer refines a spec whose debug putchar keeps only 7 bits."""
    start, body = run
    assert verdict(start, body).refines
    monkeypatch.setattr(kernel, "DEBUG_ARG_BITS", 7)
    v = verdict(start, body)
    assert v.divergence is not None and v.divergence.aspect == "console output"


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda b: [(RecordType.REGS, b[1][1]), *b], "REGS record outside a transition"),
        (lambda b: [b[0]], "has no SCHED or HALT"),
        (lambda b: [*b[:2], (RecordType.HALT, (1,)), *b[2:]], "records follow a HALT"),
    ],
)
def test_records_out_of_order_are_malformed_not_divergent(
    run: tuple[State, list[RecordBody]], mangle: object, message: str
) -> None:
    start, body = run
    with pytest.raises(MalformedRecord, match=message):
        verdict(start, mangle(body))  # type: ignore[operator]


def test_boot_record_carries_the_spec_machine() -> None:
    assert Machine._fields == MACHINE_FIELDS
    start, events = scenario(seed=3, steps=50)
    trace = decode(spec_trace(start, events, BUILD), build_id=BUILD)
    assert initial_state(trace) == start
    assert check(trace, initial_state(trace)).refines
