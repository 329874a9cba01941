"""The abstraction function: a real kernel's final memory decodes to the spec's final state, and a
corrupted word shows up as the field it corrupts (or as memory no spec state corresponds to)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlk.abi import layout
from mlk.kernel_aarch64 import build as kbuild
from mlk.model.state import State, Tcb
from mlk.refinement import abstraction, capture, checker, scenarios, snapshot, tracefile
from mlk.refinement.scenarios import SCENARIOS

pytestmark = pytest.mark.qemu


@pytest.fixture(scope="module")
def final(tmp_path_factory: pytest.TempPathFactory) -> tuple[State, snapshot.Memory]:
    """The spec's final state of the FAULTS scenario and the kernel's memory at power-off."""
    work: Path = tmp_path_factory.mktemp("faults")
    assert scenarios.refine("faults", work).passed
    built = kbuild.build(work / "build", overrides={**SCENARIOS["faults"], "TRACE": 1})
    trace = tracefile.decode((work / "run" / "trace.bin").read_bytes())
    state = checker.check(trace, scenarios.initial_state(trace, built)).final_state
    memory = snapshot.Memory(scenarios.checkpoint_region(built)[0], (work / "run" / capture.MEMORY_FILE).read_bytes())
    return state, memory


def _poke(memory: snapshot.Memory, address: int, value: int) -> snapshot.Memory:
    data = bytearray(memory.data)
    data[address - memory.base : address - memory.base + 8] = value.to_bytes(8, "little")
    return snapshot.Memory(memory.base, bytes(data))


def _decode(state: State, memory: snapshot.Memory) -> State:
    known = tuple(a for a, o in state.objects.items() if isinstance(o, Tcb))
    return abstraction.decode(memory, state.machine, known_tcbs=known)


def test_final_memory_decodes_to_the_spec_state(final: tuple[State, snapshot.Memory]) -> None:
    state, memory = final
    assert abstraction.compare(state, _decode(state, memory)) == []


def test_a_wrong_priority_is_reported_as_that_field(final: tuple[State, snapshot.Memory]) -> None:
    state, memory = final
    bad = _poke(memory, state.current + layout.TCB.offsets["priority"], 7)
    diffs = abstraction.compare(state, _decode(state, bad))
    assert [d.path for d in diffs] == [f"objects[{state.current:#x}].priority"]


def test_a_broken_page_table_entry_is_found_by_the_walk(final: tuple[State, snapshot.Memory]) -> None:
    state, memory = final
    root = state.objects[state.current]
    assert isinstance(root, Tcb) and root.vspace is not None
    bad = _poke(memory, root.vspace + 8 * next(iter(state.objects[root.vspace].entries)), 0)  # type: ignore[union-attr]
    diffs = abstraction.compare(state, _decode(state, bad))
    assert any(d.path.startswith(f"objects[{root.vspace:#x}].entries") for d in diffs)


def test_a_queue_whose_tail_disagrees_is_inconsistent(final: tuple[State, snapshot.Memory]) -> None:
    state, memory = final
    queue = state.machine.kernel_base + layout.KERNEL_DATA_OFFSET + layout.KSTATE_QUEUES + 3 * layout.SCHED_QUEUE.size
    with pytest.raises(abstraction.Inconsistent, match="ready queue 3"):
        _decode(state, _poke(memory, queue + layout.SCHED_QUEUE.offsets["tail"], state.current))


def test_a_thread_missing_from_the_spaces_list_is_inconsistent(final: tuple[State, snapshot.Memory]) -> None:
    state, memory = final
    spaces = state.machine.kernel_base + layout.KERNEL_DATA_OFFSET + layout.KSTATE.offsets["spaces"]
    with pytest.raises(abstraction.Inconsistent, match="spaces list"):
        _decode(state, _poke(memory, spaces, 0))
