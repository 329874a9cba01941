"""Reading and writing the kernel's binary trace stream (layouts in :mod:`mlk.abi.trace`).

:func:`decode` turns a stream into :class:`Record` values and checks it whole before anything is
compared with the spec: it must start with ``BOOT`` (with the expected build id, when one is
given), number its records 0, 1, 2, ... without gaps, use only known record types with their exact
lengths, and end with an ``END`` record whose count and checksum match what precedes it. Each way
of failing has its own exception class, a subclass of :class:`TraceError`, naming the record and
byte offset; none of them is ever a pass, and none is a divergence.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from mlk.abi.trace import ABI_VERSION, HEADER, LAYOUTS, MACHINE_FIELDS, RecordType, checksum_step

_HEADER = struct.Struct(HEADER.struct_format())
_BODY = {kind: struct.Struct(layout.struct_format()) for kind, layout in LAYOUTS.items()}
_NAMES = {kind: tuple(f.name for f in layout.fields[len(HEADER.fields) :]) for kind, layout in LAYOUTS.items()}
_WORD = struct.Struct("<Q")


class Record(NamedTuple):
    """One trace record: its type, sequence number, time, byte offset in the stream, and the values
    of the fields after the header, in layout order (see :meth:`get`)."""

    kind: RecordType
    seq: int
    time: int
    offset: int
    values: tuple[int, ...]

    def get(self, name: str) -> int:
        """The value of field ``name`` of this record's layout."""
        return self.values[_NAMES[self.kind].index(name)]

    def fields(self) -> dict[str, int]:
        """All fields after the header, by name."""
        return dict(zip(_NAMES[self.kind], self.values, strict=True))

    def describe(self) -> str:
        """A one-line readable form, e.g. ``#12 SYSCALL thread=0x40201000 r0=0x1 ...``."""
        parts = " ".join(f"{k}={v:#x}" for k, v in self.fields().items())
        return f"#{self.seq} {self.kind.name} {parts}".rstrip()


class TraceError(Exception):
    """A trace that cannot be checked. ``index`` is the record number, ``offset`` the byte offset
    where the problem was found."""

    def __init__(self, message: str, *, index: int, offset: int) -> None:
        super().__init__(f"{message} (record #{index}, byte offset {offset})")
        self.index = index
        self.offset = offset


class TruncatedTrace(TraceError):
    """The stream stops before its ``END`` record: the kernel stopped, or the capture was cut."""


class ChecksumMismatch(TraceError):
    """The ``END`` record's count or checksum disagrees with the records before it."""


class UnknownRecordType(TraceError):
    """A record type this checker does not know (a newer or corrupt stream)."""


class MalformedRecord(TraceError):
    """A record whose length field does not match its type's layout, or that breaks the order
    of the stream (no ``BOOT`` first, a sequence gap, records after ``END``)."""


class BuildIdMismatch(TraceError):
    """The stream was written by another kernel build than the one it is checked against."""


@dataclass(frozen=True)
class Trace:
    """A complete, verified trace stream."""

    build_id: int
    abi_version: int
    #: The machine the kernel says it booted on (``BOOT``), by :data:`mlk.abi.trace.MACHINE_FIELDS`.
    machine: dict[str, int]
    #: Every record between ``BOOT`` and ``END`` (both excluded).
    records: tuple[Record, ...]


def encode_record(kind: RecordType, seq: int, time: int, values: Iterable[int]) -> bytes:
    """The bytes of one record."""
    layout = LAYOUTS[kind]
    return _BODY[kind].pack(int(kind), layout.size, seq, time, *values)


def encode(
    build_id: int, body: Iterable[tuple[RecordType, tuple[int, ...]]], machine: Sequence[int] | None = None
) -> bytes:
    """A whole stream: ``BOOT`` (with ``machine``, by default all zero), the records of ``body``
    numbered from 1 (record *n* at time ``100 * n``), then ``END``. Used to write traces by hand
    and from the spec."""
    boot_values = (build_id, ABI_VERSION, *(machine if machine is not None else (0,) * len(MACHINE_FIELDS)))
    out = bytearray(encode_record(RecordType.BOOT, 0, 0, boot_values))
    seq = 1
    for kind, values in body:
        out += encode_record(kind, seq, 100 * seq, values)
        seq += 1
    end_header = _HEADER.pack(int(RecordType.END), LAYOUTS[RecordType.END].size, seq, 100 * seq)
    state = 0
    for (word,) in _WORD.iter_unpack(bytes(out) + end_header):
        state = checksum_step(state, word)
    out += encode_record(RecordType.END, seq, 100 * seq, (seq, state))
    return bytes(out)


def scan(data: bytes) -> Iterator[Record]:
    """Yield every record of the stream, ``BOOT`` and ``END`` included, checking each as it goes;
    raise a :class:`TraceError` subclass at the first damage (after yielding the sound prefix)."""
    offset = 0
    state = 0
    index = 0
    size = len(data)
    while True:
        if offset + _HEADER.size > size:
            raise TruncatedTrace(
                f"the trace stops after {index} records without an END record", index=index, offset=offset
            )
        type_code, length, seq, time = _HEADER.unpack_from(data, offset)
        try:
            kind = RecordType(type_code)
        except ValueError:
            raise UnknownRecordType(f"unknown record type {type_code}", index=index, offset=offset) from None
        body = _BODY[kind]
        if length != body.size:
            raise MalformedRecord(
                f"{kind.name} record says it is {length} bytes long; its layout is {body.size}",
                index=index,
                offset=offset,
            )
        if offset + length > size:
            raise TruncatedTrace(f"the trace stops inside a {kind.name} record", index=index, offset=offset)
        if index == 0 and kind is not RecordType.BOOT:
            raise MalformedRecord(f"the trace starts with {kind.name}, not BOOT", index=index, offset=offset)
        if index > 0 and kind is RecordType.BOOT:
            raise MalformedRecord("a second BOOT record: the kernel restarted", index=index, offset=offset)
        if seq != index:
            raise MalformedRecord(
                f"sequence number {seq} where {index} was due: records were lost", index=index, offset=offset
            )
        values = body.unpack_from(data, offset)[4:]
        if kind is RecordType.END:
            for (word,) in _WORD.iter_unpack(data[offset : offset + _HEADER.size]):
                state = checksum_step(state, word)
            count, expected = values
            if count != index or expected != state:
                raise ChecksumMismatch(
                    f"END says {count} records with checksum {expected:#018x}; the stream has {index} records "
                    f"with checksum {state:#018x}",
                    index=index,
                    offset=offset,
                )
            if offset + length != size:
                raise MalformedRecord(
                    f"{size - offset - length} bytes follow the END record", index=index, offset=offset + length
                )
            yield Record(kind, seq, time, offset, values)
            return
        for (word,) in _WORD.iter_unpack(data[offset : offset + length]):
            state = checksum_step(state, word)
        yield Record(kind, seq, time, offset, values)
        offset += length
        index += 1


def decode(data: bytes, *, build_id: int | None = None) -> Trace:
    """Verify and decode a whole stream; raise a :class:`TraceError` subclass if it is not sound.

    ``build_id``, when given, must equal the build id in the ``BOOT`` record.
    """
    records = list(scan(data))
    found, version = records[0].values[:2]
    if build_id is not None and found != build_id:
        raise BuildIdMismatch(
            f"the trace comes from kernel build {found:016x}, not {build_id:016x}", index=0, offset=0
        )
    if version != ABI_VERSION:
        raise MalformedRecord(
            f"trace format version {version}; this checker reads version {ABI_VERSION}", index=0, offset=0
        )
    machine = dict(zip(MACHINE_FIELDS, records[0].values[2:], strict=True))
    return Trace(found, version, machine, tuple(records[1:-1]))


def end_seq(data: bytes) -> int:
    """The sequence number of the ``END`` record of a sound stream (a :class:`TraceError`
    otherwise): the number of records before it, ``BOOT`` included."""
    last = -1
    for record in scan(data):
        last = record.seq
    return last
