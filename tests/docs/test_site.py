"""The spec browser's generators, without a browser: proof statuses, missing registries, the
static analyses and the kernel-comment convention."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlk.abi.errors import Error
from mlk.docsite import analysis, pages, proofstatus, registry, testlinks
from mlk.docsite.site import ROOT, Options, gather
from mlk.kernel_aarch64 import routines
from mlk.model import kernel
from mlk.model.errors import KernelError


def test_without_a_report_the_pages_say_no_proof_run_was_found() -> None:
    site = gather(Options(None, ROOT / "kernel_aarch64" / "asm", ROOT / "tests", diagram_steps=50))
    tick = next(t for t in site.spec.transitions if t.name == "tick")
    page = pages.transition_page(site, tick)
    assert "No proof run found" in page
    assert ":mlk-status:" not in page


def test_built_site_has_the_pages_the_issue_asks_for(built_site: Path) -> None:
    spec = built_site / "spec"
    assert (spec / "transitions" / "tick.html").is_file() and (spec / "invariants" / "valid_queues.html").is_file()
    assert (spec / "kinds" / "tcb.html").is_file() and (spec / "abi.html").is_file()
    abi = (spec / "abi.html").read_text()
    assert "REVOKE_FIRST" in abi and "extra_caps" in abi and "trace_sched" in abi
    diagrams = (spec / "diagrams.html").read_text()
    assert diagrams.count("<svg") + diagrams.count(".svg") >= 4
    assert "untyped_retype" in (built_site / "searchindex.js").read_text()


def test_a_missing_registry_fails_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(kernel, "TRANSITIONS")
    with pytest.raises(registry.DocsError, match=r"mlk\.model\.kernel\.TRANSITIONS"):
        registry.load()


def _checks(x: int) -> Error:
    if x < 0:
        raise KernelError(Error.RANGE_ERROR)
    if x > 9:
        raise KernelError(Error.FAILED_LOOKUP)
    return Error.RANGE_ERROR if x == 5 else Error.OK


def test_errors_are_listed_in_source_order_once() -> None:
    assert analysis.walk(_checks).errors == ["RANGE_ERROR", "FAILED_LOOKUP"]


def test_kernel_comment_convention(tmp_path: Path) -> None:
    source = tmp_path / "k.S"
    source.write_text(
        "/*\n * do_tick: spec: kernel.tick. Count down.\n */\ndo_tick:\n    ret\n"
        "// do_yield: Spec: mlk.model.kernel.yield_.\ndo_yield:\n    ret\n"
        "/* helper: no spec here */\nhelper:\n"
    )
    found = {r.name: r for r in routines.scan(tmp_path)}
    assert (found["do_tick"].line, found["do_yield"].line) == (4, 7)
    assert routines.resolve(found["do_tick"].refs[0]) is kernel.tick
    assert routines.resolve(found["do_yield"].refs[0]) is kernel.yield_
    assert found["helper"].refs == ()


def test_a_report_with_a_bad_status_is_rejected(tmp_path: Path) -> None:
    report = tmp_path / "prove.json"
    report.write_text(json.dumps({"obligations": [{"name": "preserve/tick/x", "status": "ok", "seconds": 1}]}))
    with pytest.raises(registry.DocsError, match="status 'ok'"):
        proofstatus.read(report)
    assert proofstatus.read(tmp_path / "missing.json") is None


def test_invocation_pages_start_with_the_common_checks_and_link_scenarios() -> None:
    site = gather(Options(None, ROOT / "kernel_aarch64" / "asm", ROOT / "tests", diagram_steps=50))
    assert site.common_errors == ["ILLEGAL_OPERATION", "TRUNCATED_MESSAGE"]
    copy = next(t for t in site.spec.transitions if t.name == "cnode_copy")
    page = pages.transition_page(site, copy)
    common = page.index("every invocation")
    first, second = page.index("ILLEGAL_OPERATION", common), page.index("TRUNCATED_MESSAGE", common)
    assert first < second < page.index("#. :ref:`RANGE", common)
    assert "reads 4 message registers" in page
    assert "mlk refine --scenario caps" in page
    tick = next(t for t in site.spec.transitions if t.name == "tick")
    assert "every invocation" not in pages.transition_page(site, tick)


def test_a_scenario_without_its_program_fails_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(testlinks.ScenarioError, match=r"nosuch\.S: the user program of scenario 'nosuch'"):
        testlinks.scan_scenarios(tmp_path, tmp_path, ["nosuch"])
    (tmp_path / "mine.S").write_text("    mov x8, #SYS_YIELD\n    ldr x1, =(LABEL_CNODE_COPY << 12)\n")
    (found,) = testlinks.scan_scenarios(tmp_path, tmp_path, ["mine"])
    assert found.names == {"Syscall.YIELD", "Label.CNODE_COPY"} and found.node_id == "mlk refine --scenario mine"
    (tmp_path / "mine.S").write_text('.include "part.S"\n.include "part.S"\n    mov x8, #SYS_YIELD\n')
    (tmp_path / "part.S").write_text('.include "mine.S"\n    ldr x1, =(LABEL_TCB_RESUME << 12)\n')
    (found,) = testlinks.scan_scenarios(tmp_path, tmp_path, ["mine"])
    assert found.names == {"Syscall.YIELD", "Label.TCB_RESUME"}


def test_an_absent_interrupt_line_is_drawn_as_inactive() -> None:
    from mlk.docsite import diagrams  # noqa: PLC0415
    from mlk.model import state  # noqa: PLC0415

    found, _ = diagrams.explore(state, 3000)
    irq = next(d for d in found if d.kind == "Irq")
    assert irq.absent == "INACTIVE" and "INACTIVE" in irq.reached
    assert ("INACTIVE", "SIGNAL") in irq.edges and diagrams.ABSENT not in irq.dot()
