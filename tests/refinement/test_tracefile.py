"""The trace stream reader: a sound stream decodes; every kind of damage has its own error."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlk.abi.trace import LAYOUTS, RecordType, checksum
from mlk.refinement.tracefile import (
    BuildIdMismatch,
    ChecksumMismatch,
    MalformedRecord,
    TraceError,
    TruncatedTrace,
    UnknownRecordType,
    decode,
    encode,
)

BUILD = 0x0123_4567_89AB_CDEF
BOOT_SIZE = LAYOUTS[RecordType.BOOT].size
CTX = tuple(range(13))
BODY = [
    (RecordType.SYSCALL, (0x4020_1000, *CTX)),
    (RecordType.REGS, (0x4020_1000, *CTX)),
    (RecordType.OUTPUT, (0x41,)),
    (RecordType.SCHED, (0x4020_2000,)),
    (RecordType.TICK, (0x4020_2000, *CTX)),
    (RecordType.SCHED, (0x4020_1000,)),
]


def stream() -> bytes:
    return encode(BUILD, BODY)


def test_a_sound_stream_decodes_to_its_records() -> None:
    trace = decode(stream(), build_id=BUILD)
    assert trace.build_id == BUILD
    assert [r.kind for r in trace.records] == [k for k, _ in BODY]
    assert trace.records[0].get("thread") == 0x4020_1000
    assert trace.records[0].get("r12") == 12
    assert trace.records[2].describe() == "#3 OUTPUT byte=0x41"


def test_every_record_layout_is_a_multiple_of_eight_bytes() -> None:
    assert all(layout.size % 8 == 0 for layout in LAYOUTS.values())


@pytest.mark.parametrize("cut", [0, 5, 16, 40, 100, -32, -1])
def test_truncated_streams_are_reported_as_truncated(cut: int) -> None:
    data = stream()
    with pytest.raises(TruncatedTrace):
        decode(data[:cut])


def test_a_flipped_bit_is_a_checksum_mismatch() -> None:
    data = bytearray(stream())
    data[BOOT_SIZE + 24] ^= 0x10  # inside the SYSCALL record's thread field
    with pytest.raises(ChecksumMismatch, match="checksum"):
        decode(bytes(data))


def test_a_dropped_record_is_reported_as_lost() -> None:
    data = stream()
    first = LAYOUTS[RecordType.BOOT].size
    second = first + LAYOUTS[RecordType.SYSCALL].size
    with pytest.raises(MalformedRecord, match="records were lost"):
        decode(data[:first] + data[second:])


def test_an_unknown_record_type_is_named() -> None:
    data = bytearray(stream())
    offset = LAYOUTS[RecordType.BOOT].size
    struct.pack_into("<I", data, offset, 99)
    with pytest.raises(UnknownRecordType, match=rf"unknown record type 99 \(record #1, byte offset {BOOT_SIZE}\)"):
        decode(bytes(data))


def test_a_wrong_length_field_is_malformed() -> None:
    data = bytearray(stream())
    struct.pack_into("<I", data, LAYOUTS[RecordType.BOOT].size + 4, 64)
    with pytest.raises(MalformedRecord, match="SYSCALL record says it is 64 bytes long"):
        decode(bytes(data))


def test_another_build_is_a_build_id_mismatch() -> None:
    with pytest.raises(BuildIdMismatch, match="0123456789abcdef, not 0000000000000001"):
        decode(stream(), build_id=1)


def test_a_stream_must_start_with_boot() -> None:
    data = stream()
    with pytest.raises(MalformedRecord, match="starts with SYSCALL"):
        decode(data[LAYOUTS[RecordType.BOOT].size :])


def test_bytes_after_end_are_reported() -> None:
    with pytest.raises(MalformedRecord, match="8 bytes follow the END record"):
        decode(stream() + bytes(8))


def test_checksum_is_rotate_xor_over_words() -> None:
    assert checksum(struct.pack("<2Q", 1, 2)) == (1 << 1) ^ 2
    assert checksum(struct.pack("<Q", 1 << 63)) == 1 << 63
    assert checksum(struct.pack("<2Q", 1 << 63, 0)) == 1


@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_pass_and_never_crash_the_reader(junk: bytes) -> None:
    with pytest.raises(TraceError):
        decode(junk)


@given(st.integers(min_value=0, max_value=len(encode(BUILD, BODY)) - 1), st.integers(min_value=1, max_value=255))
def test_any_single_byte_corruption_is_detected(position: int, flip: int) -> None:
    data = bytearray(stream())
    data[position] ^= flip
    with pytest.raises(TraceError):
        decode(bytes(data), build_id=BUILD)
