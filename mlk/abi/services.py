"""Typed messages of the user-space services, declared once.

A service is a user thread that receives on an endpoint and answers each request with Reply (or
ReplyRecv). The kernel knows nothing of these messages: they are an agreement between user
programs, but like every number the kernel's programs share, they are defined here and only here.
The assembler include carries them (:func:`asm_constants`), and Python tools encode and decode
them (:func:`encode`, :func:`decode`), for instance to read a client's requests out of a trace.

Layout of a message (request or reply), in the IPC message registers ``MR0..MR{MSG_REGS-1}``:

* the message-info label names the operation in a request (:attr:`Operation.label`) and carries
  the status in a reply (:class:`Status`: 0 is success);
* the body's word fields fill ``MR0``, ``MR1``, ... in declaration order, one register each;
* a body with ``data`` carries a byte string in the registers after its fields, packed
  little-endian, eight bytes to a register; its length is the body's first field, ``length``;
* the message length is the number of registers used: the fields plus the data registers the
  length needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from mlk.abi import msginfo
from mlk.abi.objects import PAGE_BITS, PT_INDEX_BITS, ROOT_IMAGE_VADDR
from mlk.abi.syscalls import MSG_REGS

#: Bytes in one message register.
WORD_BYTES = 8


class Status(IntEnum):
    """The label of a service's reply."""

    OK = 0
    #: The request's label names no operation of the service.
    UNKNOWN_OPERATION = 1
    #: A length field is larger than the message can carry.
    BAD_LENGTH = 2
    #: The request has fewer message registers than its fields and its data need.
    TRUNCATED = 3


@dataclass(frozen=True)
class Body:
    """The registers of a request or a reply: word ``fields`` in order, then bytes if ``data``
    (whose length is then the first field, ``length``)."""

    fields: tuple[str, ...]
    data: bool = False

    def __post_init__(self) -> None:
        if self.data and self.fields[:1] != ("length",):
            raise ValueError("a body with data starts with its length field")
        if len(self.fields) + (1 if self.data else 0) > MSG_REGS:
            raise ValueError(f"a body of {self.fields} does not fit in {MSG_REGS} message registers")

    @property
    def data_mr(self) -> int:
        """The first register of the data."""
        return len(self.fields)

    @property
    def data_bytes(self) -> int:
        """How many bytes the body can carry (0 without data)."""
        return (MSG_REGS - len(self.fields)) * WORD_BYTES if self.data else 0


@dataclass(frozen=True)
class Operation:
    """One operation of a service: the request's label and the request's and reply's bodies."""

    name: str
    label: int
    request: Body
    reply: Body


@dataclass(frozen=True)
class Service:
    """A service: its name and its operations."""

    name: str
    operations: tuple[Operation, ...]

    def operation(self, label: int) -> Operation | None:
        """The operation a request's label names, ``None`` if none."""
        return next((op for op in self.operations if op.label == label), None)


#: The console service: it owns the UART (through a device frame and the UART's IRQ handler).
#: WRITE prints ``length`` bytes and replies with how many it printed; READ waits until at least
#: one byte has arrived and replies with up to ``length`` of them.
CONSOLE = Service(
    "console",
    (
        Operation("write", 1, Body(("length",), data=True), Body(("written",))),
        Operation("read", 2, Body(("length",)), Body(("length",), data=True)),
    ),
)

#: The byte that ends a console's input, as Ctrl-D does at a terminal: the echo client stops at it,
#: and ``mlk run`` sends it after the last byte of a standard input that is not a terminal.
END_OF_INPUT = 0x04

#: The root task (init) as a service to the threads it starts: EXIT tells it that the thread is done
#: (``status`` 0) or failed; init then suspends the thread and sends no reply. Init receives its
#: children's fault messages on the same endpoint (their labels are :class:`mlk.abi.labels.FaultLabel` values), so
#: its labels lie above those.
INIT = Service("init", (Operation("exit", 0x10, Body(("status",)), Body(())),))

#: Every service, in the order their constants are exported.
SERVICES = (CONSOLE, INIT)


class ChildSlot(IntEnum):
    """The CSpace init gives each thread it starts: a CNode of :data:`CHILD_CNODE_RADIX` with
    these slots (a thread gets only those its job needs; the others stay empty).
    """

    NULL = 0
    #: Init's endpoint, badged with the thread's :class:`Child` number (WRITE and GRANT_REPLY):
    #: EXIT requests, and the thread's fault endpoint.
    INIT = 1
    #: The console service's endpoint: READ for the service, WRITE and GRANT_REPLY (badged with
    #: the client's :class:`Child` number) for a client.
    CONSOLE = 2
    #: The console service's: the UART's IRQ handler, ...
    IRQ_HANDLER = 3
    #: ... the notification it signals (READ and WRITE), ...
    IRQ_NOTIFICATION = 4
    #: ... and the UART's device frame, mapped at :data:`CONSOLE_UART_VADDR`.
    UART_FRAME = 5


class Child(IntEnum):
    """The threads init starts, numbered: the badge of their capabilities to init's and the
    console's endpoints."""

    CONSOLE = 1
    #: A client that prints a few lines and exits.
    PRINTER = 2
    #: A client that echoes what it reads until :data:`END_OF_INPUT`, then exits.
    ECHO = 3


#: log2 of the number of slots of a CNode init gives a thread it starts.
CHILD_CNODE_RADIX = 3
#: Where the console service finds the UART in its address space: the last page of the region that
#: the level-3 table around ROOT_IMAGE_VADDR translates (init gives each child such a table for its
#: program, which lies at its address in the root task's image), above the largest root image.
CONSOLE_UART_VADDR = ROOT_IMAGE_VADDR + (1 << (PAGE_BITS + PT_INDEX_BITS)) - (1 << PAGE_BITS)


class MessageError(ValueError):
    """A message that does not match its body."""


def encode(body: Body, label: int, values: dict[str, int], data: bytes = b"") -> tuple[int, tuple[int, ...]]:
    """The message-info word and message registers of ``body`` with word ``values`` and ``data``
    (its ``length`` field is set from ``data``)."""
    if set(values) | ({"length"} if body.data else set()) != set(body.fields):
        raise MessageError(f"fields {sorted(values)} do not match the body's {list(body.fields)}")
    if len(data) > body.data_bytes:
        raise MessageError(f"{len(data)} bytes do not fit in {body.data_bytes}")
    words = [len(data) if body.data and name == "length" else values[name] for name in body.fields]
    padded = data + bytes(-len(data) % WORD_BYTES)
    words += [int.from_bytes(padded[i : i + WORD_BYTES], "little") for i in range(0, len(padded), WORD_BYTES)]
    return msginfo.pack(label, len(words)), tuple(words)


def decode(body: Body, info: int, mrs: tuple[int, ...]) -> tuple[int, dict[str, int], bytes]:
    """The label, word fields and bytes of a message in ``body``'s layout; :class:`MessageError`
    when its registers cannot hold what its fields say."""
    length = msginfo.LENGTH.get(info)
    if length < len(body.fields) or len(mrs) < length:
        raise MessageError(f"a message of {length} registers is too short for fields {list(body.fields)}")
    values = dict(zip(body.fields, mrs, strict=False))
    data = b""
    if body.data:
        count = values["length"]
        if count > body.data_bytes or length < body.data_mr + -(-count // WORD_BYTES):
            raise MessageError(f"length {count} does not fit in a message of {length} registers")
        raw = b"".join(w.to_bytes(WORD_BYTES, "little") for w in mrs[body.data_mr : length])
        data = raw[:count]
    return msginfo.LABEL.get(info), values, data


def asm_constants() -> tuple[tuple[str, int], ...]:
    """The assembler names of every service's numbers: for operation ``op`` of service ``svc``,
    ``SVC_<SVC>_<OP>_LABEL``, and for its ``REQ`` and ``REPLY`` bodies the register of each field
    (``..._MR_<FIELD>``), the first data register and the data capacity (``..._DATA_MR``,
    ``..._DATA_BYTES``, with data only); plus ``SVC_STATUS_<NAME>`` for each status, the CSpace
    layout of init's children (``CHILD_SLOT_<NAME>``, ``CHILD_<NAME>``, ``CHILD_CNODE_RADIX``),
    ``SVC_END_OF_INPUT`` and ``CONSOLE_UART_VADDR``."""
    out: list[tuple[str, int]] = [(f"SVC_STATUS_{s.name}", int(s)) for s in Status]
    out += [(f"CHILD_SLOT_{s.name}", int(s)) for s in ChildSlot]
    out += [(f"CHILD_{c.name}", int(c)) for c in Child]
    out += [("CHILD_CNODE_RADIX", CHILD_CNODE_RADIX), ("SVC_END_OF_INPUT", END_OF_INPUT)]
    out.append(("CONSOLE_UART_VADDR", CONSOLE_UART_VADDR))
    for svc in SERVICES:
        for op in svc.operations:
            prefix = f"SVC_{svc.name}_{op.name}".upper()
            out.append((f"{prefix}_LABEL", op.label))
            for part, body in (("REQ", op.request), ("REPLY", op.reply)):
                out += [(f"{prefix}_{part}_MR_{name.upper()}", i) for i, name in enumerate(body.fields)]
                if body.data:
                    out.append((f"{prefix}_{part}_DATA_MR", body.data_mr))
                    out.append((f"{prefix}_{part}_DATA_BYTES", body.data_bytes))
    return tuple(out)
