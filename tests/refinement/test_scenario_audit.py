"""Issue 6's "test scenarios (user programs) for every transition family that check results from
user space, with at least one scenario per error code", audited from evidence
(:mod:`mlk.refinement.evidence`): each built-in scenario is refined, its trace replayed through the
spec for the transitions it took and the error codes the kernel returned, and its user code read
for the error codes it checks and the invocations it names."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from mlk.abi.errors import Error
from mlk.refinement import evidence, scenarios
from mlk.refinement.evidence import ScenarioEvidence


@pytest.fixture(scope="module")
def refined(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ScenarioEvidence]:
    """Every built-in scenario, refined, and its evidence."""
    work = tmp_path_factory.mktemp("audit")
    found = {}
    for name in scenarios.SCENARIOS:
        outcome = scenarios.refine(name, work / name)
        assert outcome.passed, f"{name}: {outcome.summary()}"
        found[name] = evidence.gather(name, work / name)
    return found


@pytest.mark.qemu
def test_every_error_code_is_returned_by_the_kernel_and_checked_in_a_refined_scenario(
    refined: dict[str, ScenarioEvidence],
) -> None:
    result = evidence.audit(refined.values())
    print(result.render())
    missing = result.missing_errors()
    assert not missing, f"no refined scenario returns and checks {', '.join(missing)}\n{result.render()}"


@pytest.mark.qemu
def test_every_transition_is_taken_in_a_refined_scenario_and_every_invocation_made_on_purpose(
    refined: dict[str, ScenarioEvidence],
) -> None:
    result = evidence.audit(refined.values())
    missing = result.missing_transitions()
    assert not missing, f"no refined scenario shows {', '.join(missing)}\n{result.render()}"


@pytest.mark.qemu
def test_every_answer_of_every_invocation_is_returned_and_checked_in_a_refined_scenario(
    refined: dict[str, ScenarioEvidence],
) -> None:
    result = evidence.audit(refined.values())
    missing = result.missing_answers()
    assert not missing, f"no refined scenario returns and checks {', '.join(missing)}\n{result.render()}"


@pytest.mark.qemu
def test_the_audit_names_the_codes_a_removed_scenario_alone_showed(refined: dict[str, ScenarioEvidence]) -> None:
    full = evidence.audit(refined.values())
    sole = {e.name: by[0] for e, by in full.errors.items() if len(by) == 1}
    assert sole, "every code is shown twice: no removal can show the audit failing"
    for name in sorted(set(sole.values())):
        rest = evidence.audit(s for s in refined.values() if s.name != name)
        newly = [e for e in rest.missing_errors() if e not in full.missing_errors()]
        assert newly == [e for e, by in sole.items() if by == name], name


def test_a_code_returned_but_not_checked_and_an_invocation_made_by_chance_are_missing() -> None:
    returned = ScenarioEvidence("returns", Counter({"cnode_copy": 1}), Counter({Error.RANGE_ERROR: 1}),
                                frozenset({"LABEL_CNODE_COPY"}),
                                Counter({("cnode_copy", Error.RANGE_ERROR): 1}))  # fmt: skip
    checked = ScenarioEvidence("checks", names=frozenset({"ERR_RANGE_ERROR"}))
    result = evidence.audit([returned, checked])
    assert "RANGE_ERROR" in result.missing_errors()
    assert "cnode_copy: RANGE_ERROR" in result.missing_answers()
    assert result.transitions["cnode_copy"] == ("returns",)
    both = evidence.audit([dataclasses.replace(returned, names=returned.names | {"ERR_RANGE_ERROR"})])
    assert "RANGE_ERROR" not in both.missing_errors()
    assert "cnode_copy: RANGE_ERROR" not in both.missing_answers()
    assert "cnode_copy: DELETE_FIRST" in both.missing_answers()
    unnamed = dataclasses.replace(returned, names=frozenset())
    assert "cnode_copy" in evidence.audit([unnamed]).missing_transitions()
