"""Each construct of keystone's measured "broken" table is rejected with file:line before keystone
runs, and keystone's crashes and aborts become errors instead of a dead process."""

from __future__ import annotations

import pytest

from mlk.kernel_aarch64.assemble import KeystoneCrash, run_keystone
from mlk.kernel_aarch64.diagnostics import BuildError
from mlk.kernel_aarch64.guards import is_bitmask_immediate, mov_encodable

from .conftest import Builder

BASE = 0x4008_0000

# (construct, a program whose line 3 holds it, the rule name the error must carry)
BROKEN = [
    ("numeric label definition", "1:\n    b start", "numeric-label"),
    ("numeric label backward ref", "    b 1b", "numeric-label"),
    ("numeric label forward ref", "    cbz x0, 2f", "numeric-label"),
    ("semicolon comment", "    nop ; a comment", "semicolon"),
    ("at comment", "    nop @ a comment", "at-comment"),
    (".text", ".text", "section"),
    (".section .text", ".section .text", "section"),
    (".data", ".data", "section"),
    (".org", ".org 0x100", "org"),
    ("adrp", "    adrp x0, start", "adrp"),
    ("#:lo12:", "    add x0, x0, #:lo12:start", "reloc-operator"),
    ("LSE casal", "    casal x0, x1, [x2]", "lse-atomic"),
    ("LSE ldadd", "    ldadd x0, x1, [x2]", "lse-atomic"),
    ("PAC paciasp", "    paciasp", "pac"),
    ("PAC retaa", "    retaa", "pac"),
    ("msr pan", "    msr pan, #1", "msr-pan"),
    ("unencodable mov", "    mov x0, #0x12345678", "mov-immediate"),
    ("unencodable mov via .equ", "    mov w1, #(BIG + 1)", "mov-immediate"),
    (".incbin", '.incbin "blob.bin"', "incbin"),
    ("symbolic shift in an operand", "    add x3, x3, x2, lsl #BIG", "symbolic-shift"),
    ("symbolic shift in an address", "    ldr x0, [x1, x2, lsl #BIG]", "symbolic-shift"),
    ("cmp with sp second", "    cmp x19, sp", "cmp-sp-second"),
]


@pytest.mark.parametrize(("construct", "line", "rule"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_construct_is_rejected_with_location(
    build_program: Builder, construct: str, line: str, rule: str
) -> None:
    program = f".equ BIG, 0x12344fff\nstart:\n{line}\n    nop\n"
    with pytest.raises(BuildError) as info:
        build_program({"prog.S": program})
    assert str(info.value).startswith("prog.S:3: "), str(info.value)
    assert f"[{rule}]" in str(info.value)


def test_line_comments_and_block_comments_are_stripped(build_program: Builder) -> None:
    result = build_program({"prog.S": "start: // begin\n    nop /* one */ // two\n/* a\n b */    ret\n"})
    assert result.image.read_bytes()[:8] == bytes.fromhex("1f2003d5c0035fd6")
    assert result.symbols["mlk_build_id"] - BASE == 8


def test_parenthesised_symbolic_shift_and_cmp_sp_first_pass(build_program: Builder) -> None:
    result = build_program({"prog.S": ".equ N, 3\n    add x3, x3, x2, lsl #(N)\n    cmp sp, x19\n    lsl x0, x1, #N\n"})
    assert result.image.read_bytes()[:12] == bytes.fromhex("630c028bff6333eb20f07dd3")


def test_encodable_mov_immediates_pass(build_program: Builder) -> None:
    result = build_program({"prog.S": "    mov x0, #0x80000000\n    mov x1, #0xff00ff00ff00ff00\n    mov w2, #-1\n"})
    assert result.symbols["mlk_build_id"] - BASE == 12


@pytest.mark.parametrize(
    ("value", "bits", "ok"),
    [(0x5555555555555555, 64, True), (0x0F0F0F0F0F0F0F0F, 64, True), (0, 64, False), (0xFFFFFFFF, 32, False),
     (0x7FFFFFFFFFFFFFFF, 64, True), (0x12345678, 64, False), (0xFF00FF00, 32, True), (0x101, 32, False)],
)  # fmt: skip
def test_bitmask_immediates(value: int, bits: int, ok: bool) -> None:
    assert is_bitmask_immediate(value, bits) is ok


def test_mov_encodable_covers_movz_movn_and_bitmask() -> None:
    assert mov_encodable(0x1234_0000_0000, 64)
    assert mov_encodable(-2, 64)
    assert mov_encodable(0xFFFF_FFFF_FFFF_1234, 64)
    assert mov_encodable(0x1_0000_0001, 64)  # 0x00000001 repeated: a bitmask immediate
    assert not mov_encodable(0x1_0000_0003, 64)
    assert not mov_encodable(1 << 64, 64)


def test_keystone_segfault_becomes_an_error_and_we_survive() -> None:
    with pytest.raises(KeystoneCrash, match="SIGSEGV"):
        run_keystone(".text\nnop\n", BASE)


def test_keystone_abort_becomes_an_error_and_we_survive() -> None:
    with pytest.raises(KeystoneCrash, match="LLVM ERROR"):
        run_keystone("l: nop\nadd x0, x0, #:lo12:l\n", BASE)


def test_keystone_error_is_located_in_an_included_file_and_macro(build_program: Builder) -> None:
    files = {
        "prog.S": '.include "lib.S"\nstart:\n    nop\n    twice\n',
        "lib.S": "// helpers\n.macro twice\n    nop\n    frobnicate x0\n.endm\n",
    }
    with pytest.raises(BuildError) as info:
        build_program(files)
    assert str(info.value).startswith("lib.S:4 (in macro twice expanded at prog.S:4): keystone: Invalid mnemonic")


def test_a_late_keystone_error_is_located_past_forward_references(build_program: Builder) -> None:
    program = "start:\n    b later\n    nop\n    add x0, x1, #0x12345\n    mov x9, #0x1234\nlater:\n    ret\n"
    with pytest.raises(BuildError) as info:
        build_program({"prog.S": program})
    assert str(info.value).startswith("prog.S:4: keystone:"), str(info.value)
