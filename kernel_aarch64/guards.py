"""Rejection of the constructs keystone 0.9.2 assembles wrongly, silently or fatally.

Each rule below corresponds to a measured keystone defect (``shared/docs/keystone.md``). The guard
runs on the flattened program before keystone sees it and reports the first offending statement as
``file:line: message``, with what to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mlk.kernel_aarch64.diagnostics import BuildError
from mlk.kernel_aarch64.exprs import evaluate
from mlk.kernel_aarch64.preprocess import Statement


@dataclass(frozen=True)
class Rule:
    """A forbidden construct: a pattern over one statement (strings blanked, lower case)."""

    name: str
    pattern: re.Pattern[str]
    message: str


_LSE = (
    r"(cas|casp|ld(add|clr|eor|set|smax|smin|umax|umin)|st(add|clr|eor|set|smax|smin|umax|umin)|swp)"
    r"(a|l|al)?(b|h)?"
)
_PAC = (
    r"(pac|aut)(ia|ib|da|db|iza|izb|dza|dzb|iasp|ibsp|iaz|ibz|ia1716|ib1716)"
    r"|xpac(i|d|lri)|(braa|brab|blraa|blrab|braaz|brabz|blraaz|blrabz|retaa|retab|eretaa|eretab)"
    r"|ldra(a|b)"
)

RULES: tuple[Rule, ...] = (
    Rule(
        "numeric-label",
        re.compile(r"^\d+\s*:|(?<![\w#.$])\d+[bf]\b"),
        "numeric local labels (1:, 1b, 1f) are rejected by keystone; use a named label "
        "(inside a macro, name\\@ makes it unique)",
    ),
    Rule(
        "semicolon",
        re.compile(r";"),
        "';' is neither a comment nor a statement separator here (keystone errors); use // for comments",
    ),
    Rule(
        "at-comment",
        re.compile(r"@"),
        "'@' comments break keystone; use // for comments",
    ),
    Rule(
        "section",
        re.compile(r"^\.(text|data|bss|rodata|section|pushsection|popsection|previous)\b"),
        "section directives break keystone (.text kills the process, .section assembles to nothing); "
        "the kernel is one section: leave the directive out",
    ),
    Rule("org", re.compile(r"^\.org\b"), ".org fails in keystone; use .balign or .space"),
    Rule(
        "adrp",
        re.compile(r"^adrp\b"),
        "adrp is encoded wrongly by keystone when the base address is not 0; use adr (within 1 MiB) or ldr xN, =label",
    ),
    Rule(
        "reloc-operator",
        re.compile(r":[a-z_0-9]+:"),
        "relocation operators such as #:lo12: abort keystone (LLVM fatal error); use ldr xN, =label",
    ),
    Rule(
        "lse-atomic",
        re.compile(rf"^{_LSE}\s"),
        "LSE atomics are not supported by keystone (Invalid operand); use ldaxr/stlxr loops",
    ),
    Rule("pac", re.compile(rf"^({_PAC})\b"), "pointer authentication instructions are not supported by keystone"),
    Rule("msr-pan", re.compile(r"^msr\s+pan\b"), "msr pan is not supported by keystone; use its s3_0_c4_c2_3 form"),
    Rule(
        "symbolic-shift",
        re.compile(r",\s*(lsl|lsr|asr|ror|uxtw|sxtw|uxtx|sxtx)\s+#\s*[a-z_.$]"),
        "keystone rejects a symbol as a shift amount in an operand (Invalid operand); put it in "
        "parentheses: lsl #(NAME)",
    ),
    Rule(
        "cmp-sp-second",
        re.compile(r"^(cmp|cmn)\s+[xw]\w+\s*,\s*(sp|wsp)\s*$"),
        "sp cannot be the second operand of cmp/cmn (keystone says only 'Unknown error'); compare "
        "with sp first (cmp sp, xN) and reverse the condition",
    ),
    Rule(
        "irp",
        re.compile(r"^\.(irp|irpc)\b"),
        ".irp/.irpc are not expanded by the build; use a macro or .rept",
    ),
    Rule(
        "incbin",
        re.compile(r"^\.(incbin|include)\b"),
        'keystone assembles .include/.incbin to nothing; use .include "file" on a line of its own '
        "(the build resolves it)",
    ),
)

_MOV_IMM = re.compile(r"^mov\s+([xw])(\d+|zr)\s*,\s*#?(.+)$")


def _blank_strings(text: str) -> str:
    return re.sub(r'"(\\.|[^"\\])*"', '""', text)


def _movz_or_movn(value: int, bits: int) -> bool:
    for candidate in (value, ~value & ((1 << bits) - 1)):
        if any(candidate & ~(0xFFFF << shift) & ((1 << bits) - 1) == 0 for shift in range(0, bits, 16)):
            return True
    return False


def is_bitmask_immediate(value: int, bits: int) -> bool:
    """Whether ``value`` is encodable as an AArch64 logical (bitmask) immediate of ``bits`` bits.

    Such a value is a repetition of an element of 2, 4, ..., ``bits`` bits holding a rotated run of
    ones (not all zeros, not all ones).
    """
    full = (1 << bits) - 1
    value &= full
    if value in (0, full):
        return False
    size = bits
    while size > 2:
        half = size // 2
        if (value >> half) & ((1 << half) - 1) != value & ((1 << half) - 1):
            break
        size = half
    element = value & ((1 << size) - 1)
    mask = (1 << size) - 1
    for rot in range(size):
        rotated = ((element >> rot) | (element << (size - rot))) & mask
        ones = bin(rotated).count("1")
        if rotated == (1 << ones) - 1:
            return True
    return False


def mov_encodable(value: int, bits: int) -> bool:
    """Whether ``mov <reg>, #value`` has an encoding (MOVZ, MOVN or ORR with a bitmask immediate)."""
    if value < -(1 << (bits - 1)) or value >= (1 << bits):
        return False
    value &= (1 << bits) - 1
    return _movz_or_movn(value, bits) or is_bitmask_immediate(value, bits)


def check(statements: Iterable[Statement], constants: Mapping[str, int]) -> None:
    """Reject forbidden constructs; raise :class:`BuildError` at the first offending statement.

    ``constants`` are the program's ``.equ`` values, used to evaluate ``mov`` immediates.
    """
    lowered_constants = {k.lower(): v for k, v in constants.items()}
    for st in statements:
        lowered = _blank_strings(st.text).strip().lower()
        for rule in RULES:
            if rule.pattern.search(lowered):
                raise BuildError(st.origin, f"{rule.message} [{rule.name}]")
        if m := _MOV_IMM.match(lowered):
            value = evaluate(m.group(3), lowered_constants)
            bits = 64 if m.group(1) == "x" else 32
            if value is not None and not mov_encodable(value, bits):
                raise BuildError(
                    st.origin,
                    f"mov immediate {value:#x} has no {bits}-bit encoding (keystone says only "
                    f"'Unknown error'); use ldr {m.group(1)}{m.group(2)}, ={m.group(3).strip()} [mov-immediate]",
                )
