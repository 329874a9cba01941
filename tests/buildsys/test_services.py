"""The service message schemas: one declaration gives the assembler names and the Python codec."""

from __future__ import annotations

import pytest

from mlk.abi import asm, msginfo, services
from mlk.abi.labels import FaultLabel
from mlk.abi.objects import PAGE_BITS, PT_INDEX_BITS, ROOT_IMAGE_MAX_PAGES, ROOT_IMAGE_VADDR
from mlk.abi.services import CONSOLE, INIT, Body, ChildSlot, MessageError, Status


def test_console_write_round_trip() -> None:
    write = CONSOLE.operation(1)
    assert write is not None and write.name == "write"
    info, mrs = services.encode(write.request, write.label, {}, b"Hello, console!\n")
    assert msginfo.LABEL.get(info) == 1 and msginfo.LENGTH.get(info) == 1 + 2 == len(mrs)
    assert mrs[0] == 16 and mrs[1].to_bytes(8, "little") == b"Hello, c"
    assert services.decode(write.request, info, mrs) == (1, {"length": 16}, b"Hello, console!\n")


def test_bodies_and_messages_are_checked() -> None:
    read = CONSOLE.operations[1]
    assert read.reply.data_bytes == 40 and read.reply.data_mr == 1
    with pytest.raises(MessageError, match="do not fit"):
        services.encode(read.reply, Status.OK, {}, bytes(41))
    with pytest.raises(MessageError, match="do not match"):
        services.encode(read.request, read.label, {"size": 3})
    _, mrs = services.encode(read.reply, Status.OK, {}, b"abcdefghi")
    with pytest.raises(MessageError, match="length 9 does not fit"):
        services.decode(read.reply, msginfo.pack(0, 2), mrs[:2])
    with pytest.raises(ValueError, match="starts with its length"):
        Body(("x",), data=True)
    with pytest.raises(ValueError, match="does not fit"):
        Body(tuple(f"f{i}" for i in range(7)))
    assert CONSOLE.operation(99) is None


def test_the_assembler_include_carries_every_service_number() -> None:
    consts = asm.constants()
    assert consts["SVC_CONSOLE_WRITE_LABEL"] == 1 and consts["SVC_CONSOLE_READ_LABEL"] == 2
    assert consts["SVC_CONSOLE_WRITE_REQ_MR_LENGTH"] == 0 and consts["SVC_CONSOLE_WRITE_REQ_DATA_MR"] == 1
    assert consts["SVC_CONSOLE_READ_REPLY_DATA_BYTES"] == 40 and consts["SVC_STATUS_BAD_LENGTH"] == 2
    assert ".equ SVC_CONSOLE_WRITE_REPLY_MR_WRITTEN, 0x0" in asm.render()


def test_init_labels_are_not_fault_labels() -> None:
    """Init receives its children's requests and their fault messages on one endpoint."""
    assert {op.label for op in INIT.operations}.isdisjoint(int(f) for f in FaultLabel)
    exit_op = INIT.operations[0]
    info, mrs = services.encode(exit_op.request, exit_op.label, {"status": 0x42})
    assert services.decode(exit_op.request, info, mrs) == (exit_op.label, {"status": 0x42}, b"")


def test_child_cspace_and_uart_address() -> None:
    consts = asm.constants()
    assert consts["CHILD_SLOT_CONSOLE"] == ChildSlot.CONSOLE and consts["SVC_END_OF_INPUT"] == services.END_OF_INPUT
    assert max(ChildSlot) < 1 << services.CHILD_CNODE_RADIX
    # the UART's page lies in the range of the boot's level-3 table, above the largest root image
    table_bits = PAGE_BITS + PT_INDEX_BITS
    assert services.CONSOLE_UART_VADDR >> table_bits == ROOT_IMAGE_VADDR >> table_bits
    assert services.CONSOLE_UART_VADDR >= ROOT_IMAGE_VADDR + (ROOT_IMAGE_MAX_PAGES << PAGE_BITS)
    assert consts["CONSOLE_UART_VADDR"] == services.CONSOLE_UART_VADDR
