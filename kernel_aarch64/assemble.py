"""Assembling the flattened program with keystone, and recovering every address.

Keystone returns only bytes: no symbol table and no line addresses. The build recovers both
without trusting keystone's bookkeeping. Before each statement it places a marker label, and after
the program (and its literal pool, forced out by ``.ltorg``) it appends a table of ``.quad``
entries, one per label. Labels occupy no space, so the program's bytes are unchanged; the table is
read back from the end of the output and cut off. That gives the address of every label and every
statement, which the capstone cross-check and the ELF symbol table use.

When keystone fails or crashes, the failing statement is found by bisection over prefixes of the
program (labels defined later are placed after the prefix).
"""

from __future__ import annotations

import json
import re
import signal
import struct
import subprocess
import sys
from dataclasses import dataclass

from mlk.kernel_aarch64.diagnostics import BuildError
from mlk.kernel_aarch64.preprocess import Statement

_MARK = "__mlk_s"
_END = "__mlk_end"
_TABLE = "__mlk_symtab"
_OPEN = re.compile(r"^\.(if\w*|rept|irp\w*)\b", re.IGNORECASE)
_CLOSE = re.compile(r"^\.(endif|endr)\b", re.IGNORECASE)
#: Longest time one keystone run may take before the build gives up on it.
KEYSTONE_TIMEOUT_S = 120.0


class KeystoneCrash(Exception):
    """The keystone child process died or hung instead of answering."""


def run_keystone(text: str, base: int) -> bytes | str:
    """Assemble ``text`` at ``base`` in a child process: the bytes, or keystone's error message.

    Raises :class:`KeystoneCrash` when the child dies (a signal or an abort), hangs, or answers
    something other than the protocol.
    """
    request = json.dumps({"text": text, "base": base})
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "mlk.kernel_aarch64.ksworker"],
            input=request,
            capture_output=True,
            text=True,
            timeout=KEYSTONE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise KeystoneCrash(f"keystone did not answer within {KEYSTONE_TIMEOUT_S:.0f} s") from None
    if proc.returncode != 0:
        if proc.returncode < 0:
            how = f"was killed by {signal.Signals(-proc.returncode).name}"
        else:
            how = f"exited with status {proc.returncode}"
        detail = proc.stderr.strip().splitlines()[-1:] if proc.stderr.strip() else []
        raise KeystoneCrash(f"keystone {how}" + (f" ({detail[0]})" if detail else ""))
    try:
        answer = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise KeystoneCrash("keystone's child process answered garbage") from None
    if "error" in answer:
        return str(answer["error"])
    return bytes.fromhex(answer["bytes"])


@dataclass(frozen=True)
class Assembled:
    """An assembled program: its bytes and where every label and statement landed."""

    base: int
    image: bytes
    statements: tuple[Statement, ...]
    #: Address of each statement, in the order of :attr:`statements`.
    addresses: tuple[int, ...]
    #: Address of each label the sources define.
    symbols: dict[str, int]


def _cut_points(statements: tuple[Statement, ...]) -> list[int]:
    """Prefix lengths that do not cut a conditional or repeat block in two."""
    points = [0]
    depth = 0
    for i, st in enumerate(statements):
        if _OPEN.match(st.text):
            depth += 1
        elif _CLOSE.match(st.text):
            depth = max(0, depth - 1)
        if depth == 0:
            points.append(i + 1)
    return points


def _prefix_fails(statements: tuple[Statement, ...], k: int, base: int) -> str | None:
    """Keystone's complaint about the first ``k`` statements, or None when they assemble.

    Labels defined later in the program are defined after the prefix, so references to them do
    not fail (keystone's own symbol-resolver mode is not used: it rejects valid code).
    """
    later = [st.label for st in statements[k:] if st.label is not None]
    lines = [st.text for st in statements[:k]] + ["nop"] + [f"{name}:" for name in later]
    try:
        result = run_keystone("\n".join(lines) + "\n", base)
    except KeystoneCrash as exc:
        return str(exc)
    return result if isinstance(result, str) else None


def locate_failure(statements: tuple[Statement, ...], base: int, whole: str) -> BuildError:
    """The statement at which keystone first fails, as a :class:`BuildError`.

    ``whole`` is the failure of the whole program, used when no single statement can be blamed.
    """
    points = _cut_points(statements)
    lo, hi = 0, len(points) - 1  # prefix points[lo] assembles; points[hi] is presumed to fail
    hi_message = _prefix_fails(statements, points[hi], base)
    if hi_message is None:
        return BuildError(None, f"keystone: {whole} (every statement assembles on its own)")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        message = _prefix_fails(statements, points[mid], base)
        if message is None:
            lo = mid
        else:
            hi, hi_message = mid, message
    culprit = statements[points[lo]]  # the failing single statement, or the first of a failing block
    return BuildError(culprit.origin, f"keystone: {hi_message} in: {culprit.text}")


def assemble(statements: tuple[Statement, ...], base: int) -> Assembled:
    """Assemble the program at ``base``; raise :class:`BuildError` naming the failing line."""
    labels: dict[str, Statement] = {}
    for st in statements:
        name = st.label
        if name is None:
            continue
        if name.startswith("__mlk"):
            raise BuildError(st.origin, f"label {name}: the __mlk prefix is reserved for the build")
        if name in labels:
            raise BuildError(st.origin, f"label {name} already defined at {labels[name].origin.describe()}")
        labels[name] = st
    markers = [f"{_MARK}{i}" for i in range(len(statements))]
    names = [*markers, *labels, _END, _TABLE]
    body = [f"{marker}:\n{st.text}" for marker, st in zip(markers, statements, strict=True)]
    table = [".quad " + ", ".join(names[i : i + 16]) for i in range(0, len(names), 16)]
    text = "\n".join([*body, ".ltorg", f"{_END}:", ".balign 8", f"{_TABLE}:", *table]) + "\n"
    try:
        result = run_keystone(text, base)
    except KeystoneCrash as exc:
        raise locate_failure(statements, base, str(exc)) from None
    if isinstance(result, str):
        raise locate_failure(statements, base, result)
    size = 8 * len(names)
    if len(result) < size:
        raise BuildError(None, f"keystone returned {len(result)} bytes, less than the symbol table alone")
    values = struct.unpack(f"<{len(names)}Q", result[-size:])
    addr = dict(zip(names, values, strict=True))
    if addr[_TABLE] != base + len(result) - size:
        raise BuildError(
            None,
            f"keystone's output does not end with the symbol table (table at {addr[_TABLE]:#x}, "
            f"expected {base + len(result) - size:#x}): a directive assembled to the wrong size",
        )
    image = result[: addr[_END] - base]
    return Assembled(
        base=base,
        image=image,
        statements=statements,
        addresses=tuple(addr[m] for m in markers),
        symbols={name: addr[name] for name in labels},
    )
