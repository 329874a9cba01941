"""Spec coverage of traces (mlk.refinement.difftest.speccov), on traces the spec itself writes:
which transitions, which answers per invocation, which error checks of model/ ran."""

from __future__ import annotations

import json

from mlk.abi import msginfo
from mlk.abi.errors import Error
from mlk.abi.labels import Label
from mlk.abi.objects import NUM_PRIORITIES, ROOT_IMAGE_VADDR, ObjectType, RootSlot
from mlk.abi.syscalls import Syscall
from mlk.model import gen
from mlk.model.boot import boot
from mlk.model.events import Event, IrqEvent, syscall_event
from mlk.refinement.difftest import answers, sites, speccov
from mlk.refinement.spec_trace import spec_trace
from mlk.refinement.tracefile import decode

BUILD = 0xC0FE
#: Where the IRQS scenario maps the UART's device frame: in the table that maps the root image.
UART = ROOT_IMAGE_VADDR + 0x10_0000


def _priority(sysno: Syscall, priority: int) -> Event:
    return syscall_event(sysno, cptr=RootSlot.TCB, msginfo=msginfo.pack(Label.TCB_SET_PRIORITY, 1), mrs=(priority,))


def _coverage() -> speccov.SpecCoverage:
    start = boot(gen.test_machine())
    events = [
        _priority(Syscall.CALL, NUM_PRIORITIES),  # RANGE_ERROR, answered
        _priority(Syscall.SEND, NUM_PRIORITIES + 5),  # RANGE_ERROR, not answered: a Send gets no reply
        syscall_event(Syscall.CALL, cptr=RootSlot.CNODE, msginfo=msginfo.pack(Label.CNODE_COPY, 1)),  # truncated
        _priority(Syscall.CALL, 7),  # OK (below the root task's own priority)
        syscall_event(Syscall.YIELD),
    ]
    cov = speccov.SpecCoverage()
    cov.add(decode(spec_trace(start, events, BUILD), build_id=BUILD), start)
    return cov


def test_answers_are_counted_per_transition_also_for_a_send() -> None:
    cov = _coverage()
    assert cov.transitions == {"tcb_set_priority": 3, "cnode_copy": 1, "yield": 1}
    assert cov.answers == {"tcb_set_priority": {"RANGE_ERROR": 2, "OK": 1}, "cnode_copy": {"TRUNCATED_MESSAGE": 1}}


def test_what_was_missed_is_named() -> None:
    cov = _coverage()
    assert cov.missing_answers()["tcb_set_priority"] == ["TRUNCATED_MESSAGE", "ILLEGAL_OPERATION"]
    missed = cov.missed()
    assert "tick" in missed and "cnode_copy:OK" in missed and "tcb_set_priority:ILLEGAL_OPERATION" in missed
    assert "tcb_set_priority:RANGE_ERROR" not in missed and "yield" not in missed
    sites = {(s.function, s.error) for s in cov.sites_missed()}
    assert ("set_priority", "ILLEGAL_OPERATION") in sites and ("set_priority", "RANGE_ERROR") not in sites
    assert ("invoke", "TRUNCATED_MESSAGE") not in sites
    assert 0 < cov.model_percent() < 100


def test_the_report_as_table_and_json() -> None:
    cov = _coverage()
    text = cov.render()
    assert "tcb_set_priority" in text and "RANGE_ERROR 2" in text and "NOT REACHED" in text
    data = json.loads(json.dumps(cov.to_json()))
    entry = data["transitions"]["tcb_set_priority"]
    assert entry["steps"] == 3 and entry["answers"] == {"OK": 1, "RANGE_ERROR": 2}
    assert entry["possible"] == ["OK", "TRUNCATED_MESSAGE", "RANGE_ERROR", "ILLEGAL_OPERATION"]
    checks = {c["error"]: c["exercised"] for c in data["error_checks"] if c["where"].endswith(" set_priority")}
    assert checks == {"RANGE_ERROR": True, "ILLEGAL_OPERATION": False}


def test_possible_errors_follow_the_spec_in_check_order() -> None:
    possible = answers.possible_errors()
    assert possible["illegal_invocation"] == (Error.ILLEGAL_OPERATION,)
    assert possible["tcb_suspend"] == (Error.OK,)  # no arguments, no check
    assert possible["cnode_copy"][:4] == (Error.OK, Error.TRUNCATED_MESSAGE, Error.RANGE_ERROR, Error.DELETE_FIRST)
    every = {e for errors in possible.values() for e in errors}
    assert every == set(Error)  # each code is some invocation's answer


def test_device_interrupt_outcomes_are_counted() -> None:
    """A line without a notification, an edge pending until the Ack (the interrupt comes at the
    Ack's return address), a line that signals its notification."""
    start = boot(gen.test_machine())
    line, ntfn, handler = start.machine.console_irq, RootSlot.FREE_FIRST, RootSlot.FREE_FIRST + 1

    def irq(pc: int) -> IrqEvent:
        return IrqEvent(line, syscall_event(0, pc=pc).ctx)

    def invoke(cptr: int, label: Label, mrs: tuple[int, ...], pc: int) -> Event:
        return syscall_event(Syscall.CALL, cptr=cptr, msginfo=msginfo.pack(label, len(mrs)), mrs=mrs, pc=pc)

    events = [
        invoke(RootSlot.UNTYPED_FIRST, Label.UNTYPED_RETYPE, (ObjectType.NOTIFICATION, 0, RootSlot.CNODE, ntfn, 1),
               0x100),
        invoke(RootSlot.IRQ_CONTROL, Label.IRQ_CONTROL_ISSUE, (line, RootSlot.CNODE, handler), 0x104),
        irq(0x200),  # NO_NOTIFICATION: the line is masked now
        invoke(handler, Label.IRQ_HANDLER_ACK, (), 0x300),
        irq(0x300),  # AFTER_ACK: at the Ack's return address
        invoke(handler, Label.IRQ_HANDLER_ACK, (), 0x400),
        invoke(handler, Label.IRQ_HANDLER_SET_NOTIFICATION, (ntfn,), 0x404),
        irq(0x400),  # SIGNAL: not at the return of the Ack just made (another call came between)
    ]  # fmt: skip
    cov = speccov.SpecCoverage()
    cov.add(decode(spec_trace(start, events, BUILD), build_id=BUILD), start)
    assert cov.answers["device_irq"] == {"NO_NOTIFICATION": 1, "AFTER_ACK": 1, "SIGNAL": 1}
    assert cov.answers["irq_handler_ack"] == {"OK": 2}
    assert not [m for m in cov.missed() if m.startswith("device_irq")]


def test_raise_site_tells_checks_of_the_same_code_apart() -> None:
    """Frame Map answers INVALID_ARGUMENT for an address beyond the user range and for rights
    without READ: two error checks, two targets."""
    start = boot(gen.test_machine())
    info = msginfo.pack(Label.FRAME_MAP, 3)

    def frame_map(vaddr: int, rights: int) -> sites.ErrorSite | None:
        event = syscall_event(Syscall.CALL, cptr=RootSlot.CONSOLE_FRAME, msginfo=info,
                              mrs=(RootSlot.VSPACE, vaddr, rights))  # fmt: skip
        assert answers.answer(start, event) == "INVALID_ARGUMENT"
        return sites.raise_site(start, event)

    high, no_read = frame_map(1 << 48, 3), frame_map(0x1000_0000, 2)
    assert high is not None and no_read is not None
    assert (high.target(), no_read.target()) == ("site:frame_map:INVALID_ARGUMENT", "site:frame_map:INVALID_ARGUMENT#2")
    assert sites.transitions(high) == ("frame_map",)
    ok = syscall_event(Syscall.CALL, cptr=RootSlot.CONSOLE_FRAME, msginfo=info, mrs=(RootSlot.VSPACE, UART, 3))
    assert sites.raise_site(start, ok) is None and answers.answer(start, ok) == "OK"
    assert sites.by_target()["site:check_size:RANGE_ERROR#2"].function == "check_size"
