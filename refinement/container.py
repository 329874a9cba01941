"""The self-describing trace file (``trace.mlkt``): the kernel's stream with everything needed to
check it again and to replay the run exactly, in one file.

The kernel's byte stream is kept *verbatim*, as one chunk: it is the same byte stream a serial line
from hardware carries (``BOOT`` .. ``END``, :mod:`mlk.refinement.tracefile`), so nothing of it is
re-encoded and a stream cut out of the file checks exactly like ``trace.bin``. Around it the
harness writes what only the host knows. The layout (little-endian)::

    magic "MLKTRACE", u32 format version, u32 0
    chunks: u32 tag (4 ASCII bytes), u32 0, u64 payload length, payload, zero padding to 8 bytes
      HEAD  JSON: the run's record: build id, QEMU command line (as run, and the guest-only
            command that replays it), working directory, scenario and configuration, boot
            threads, checkpoint schedule, outcome, and the mlk command that rebuilds and reruns it
      KELF  the kernel ELF the run booted, zlib-compressed (so the run can be replayed from this
            file alone: ``mlk refine --trace FILE --rerun``)
      KERN  the kernel's byte stream, verbatim
      CKPT  one per checkpoint: u64 length of a JSON description (index, seq, kind, stream
            offset, base address, size), the JSON, zero padding to 8, then the memory, zlib

``HEAD`` comes first and ``KERN`` exactly once; a file that starts with anything but the magic is
a bare stream (a kernel stream starts with a ``BOOT`` record, whose first word is small). Damage
to the container is a :class:`ContainerError`, never a pass and never a divergence.
"""

from __future__ import annotations

import json
import shlex
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlk.refinement.snapshot import KINDS, Checkpoint, Memory
from mlk.refinement.tracefile import TraceError

MAGIC = b"MLKTRACE"
#: Version of this container format (the stream inside has its own, in ``BOOT``).
FORMAT = 1
_START = struct.Struct("<8sII")
_CHUNK = struct.Struct("<4sIQ")
_LENGTH = struct.Struct("<Q")
TAGS = (b"HEAD", b"KELF", b"KERN", b"CKPT")
#: zlib level for memory and the ELF: level 1 packs a 1.6 MB checkpoint into about 14 KB in 2 ms.
_LEVEL = 1


class ContainerError(TraceError):
    """A trace file whose container is damaged (``index`` is the chunk number)."""


@dataclass(frozen=True)
class Container:
    """A decoded trace file."""

    header: dict[str, Any]
    stream: bytes
    elf: bytes | None
    checkpoints: tuple[Checkpoint, ...]

    @property
    def build_id(self) -> int | None:
        """The build id the harness recorded for the kernel it ran (``None``: not recorded)."""
        value = self.header.get("build_id")
        return int(value, 16) if isinstance(value, str) else None

    def replay_lines(self, path: Path) -> list[str]:
        """How to replay the run of the trace file at ``path``: the mlk command that rebuilds and
        reruns it (when recorded), the exact QEMU command line, and the command that reruns it
        from this file alone."""
        lines = []
        if self.header.get("replay"):
            lines.append(f"rebuild and rerun: {self.header['replay']}")
        command = self.header.get("replay_command")
        if command:
            where = self.header.get("cwd", ".")
            lines.append(f"the same guest run: cd {shlex.quote(where)} && {shlex.join(command)}")
        if self.elf is not None:
            lines.append(f"from this file alone: mlk refine --trace {shlex.quote(str(path))} --rerun")
        return lines


def is_container(data: bytes) -> bool:
    """Whether ``data`` is a trace file of this format (rather than a bare kernel stream)."""
    return data.startswith(MAGIC)


def _chunk(tag: bytes, payload: bytes) -> bytes:
    pad = -len(payload) % 8
    return _CHUNK.pack(tag, 0, len(payload)) + payload + bytes(pad)


def encode(header: dict[str, Any], stream: bytes, elf: bytes | None, checkpoints: Sequence[Checkpoint]) -> bytes:
    """The bytes of a trace file."""
    out = bytearray(_START.pack(MAGIC, FORMAT, 0))
    out += _chunk(b"HEAD", json.dumps(header, sort_keys=True).encode())
    if elf is not None:
        out += _chunk(b"KELF", zlib.compress(elf, _LEVEL))
    out += _chunk(b"KERN", stream)
    for c in checkpoints:
        meta = json.dumps({"index": c.index, "seq": c.seq, "kind": c.kind, "offset": c.offset,
                           "base": c.memory.base, "size": len(c.memory.data)}).encode()  # fmt: skip
        meta += bytes(-len(meta) % 8)
        out += _chunk(b"CKPT", _LENGTH.pack(len(meta)) + meta + zlib.compress(c.memory.data, _LEVEL))
    return bytes(out)


def write_run(path: Path, header: dict[str, Any], elf: Path, stream: Path, checkpoints: Sequence[Checkpoint]) -> None:
    """Write the trace file of a run: ``header``, the ELF and the stream as they are on disk
    (an empty stream when the kernel wrote none), and ``checkpoints``."""
    try:
        data = stream.read_bytes()
    except OSError:
        data = b""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(encode({"format": FORMAT, **header}, data, elf.read_bytes(), checkpoints))
    tmp.replace(path)


def _checkpoint(payload: bytes, index: int, offset: int) -> Checkpoint:
    def bad(why: str) -> ContainerError:
        return ContainerError(f"checkpoint chunk: {why}", index=index, offset=offset)

    if len(payload) < _LENGTH.size:
        raise bad("too short")
    (size,) = _LENGTH.unpack_from(payload)
    try:
        meta = json.loads(payload[_LENGTH.size : _LENGTH.size + size].rstrip(b"\0"))
        data = zlib.decompress(payload[_LENGTH.size + size :])
        kind = str(meta["kind"])
        checkpoint = Checkpoint(int(meta["index"]), int(meta["seq"]), kind, int(meta["offset"]),
                                Memory(int(meta["base"]), data))  # fmt: skip
        expected = int(meta["size"])
    except (ValueError, KeyError, TypeError, zlib.error) as exc:
        raise bad(f"cannot be read ({exc})") from None
    if len(data) != expected or kind not in KINDS:
        raise bad(f"{len(data)} bytes of memory where {expected} were recorded, kind {kind!r}")
    return checkpoint


def decode(data: bytes) -> Container:
    """A trace file's parts; :class:`ContainerError` when it is damaged."""
    if len(data) < _START.size or not is_container(data):
        raise ContainerError("not a trace file (no MLKTRACE magic)", index=0, offset=0)
    _, version, _ = _START.unpack_from(data)
    if version != FORMAT:
        raise ContainerError(f"trace file format {version}; this checker reads format {FORMAT}", index=0, offset=8)
    offset = _START.size
    header: dict[str, Any] | None = None
    elf: bytes | None = None
    stream: bytes | None = None
    checkpoints: list[Checkpoint] = []
    index = 0
    while offset < len(data):
        if offset + _CHUNK.size > len(data):
            raise ContainerError("the file stops inside a chunk header", index=index, offset=offset)
        tag, _, length = _CHUNK.unpack_from(data, offset)
        start = offset + _CHUNK.size
        if start + length > len(data):
            raise ContainerError(f"the file stops inside a {tag!r} chunk", index=index, offset=offset)
        payload = data[start : start + length]
        if tag not in TAGS:
            raise ContainerError(f"unknown chunk {tag!r}", index=index, offset=offset)
        if (index == 0) != (tag == b"HEAD"):
            raise ContainerError("HEAD must come first, and once", index=index, offset=offset)
        if tag == b"HEAD":
            try:
                header = json.loads(payload)
            except ValueError as exc:
                raise ContainerError(f"the header is not JSON ({exc})", index=index, offset=offset) from None
        elif tag == b"KELF":
            try:
                elf = zlib.decompress(payload)
            except zlib.error as exc:
                raise ContainerError(f"the kernel ELF cannot be read ({exc})", index=index, offset=offset) from None
        elif tag == b"KERN":
            if stream is not None:
                raise ContainerError("a second kernel stream", index=index, offset=offset)
            stream = payload
        else:
            checkpoints.append(_checkpoint(payload, index, offset))
        offset = start + length + (-length % 8)
        index += 1
    if header is None or stream is None:
        raise ContainerError("the file has no header or no kernel stream", index=index, offset=offset)
    return Container(header, stream, elf, tuple(checkpoints))


def load(path: Path) -> tuple[bytes, Container | None]:
    """The kernel stream in the file at ``path`` and, for a trace file, its container (``None``:
    the file is a bare stream, e.g. from a serial line). ``OSError`` when it cannot be read."""
    data = path.read_bytes()
    if is_container(data):
        found = decode(data)
        return found.stream, found
    return data, None
