"""The kernel build: reproducible, generated from the ABI, cross-checked, readable by ELF tools."""

from __future__ import annotations

import dataclasses
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from mlk.abi import asm as abi_asm
from mlk.abi.platform import Platform
from mlk.kernel_aarch64 import crosscheck, guards
from mlk.kernel_aarch64.assemble import Assembled, assemble
from mlk.kernel_aarch64.build import SOURCE_DIR, build
from mlk.kernel_aarch64.diagnostics import BuildError
from mlk.kernel_aarch64.preprocess import flatten

from .conftest import Builder

BASE = int(Platform.KERNEL_BASE)


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("kernel")
    build(out)
    return out


def _assembled(tmp_path: Path, text: str) -> tuple[Assembled, dict[str, int]]:
    (tmp_path / "p.S").write_text(text)
    flat = flatten(tmp_path / "p.S", (tmp_path,))
    guards.check(flat.statements, flat.constants)
    return assemble(flat.statements, BASE), flat.constants


def test_two_builds_are_byte_identical(kernel: Path, tmp_path: Path) -> None:
    build(tmp_path)
    for name in ("kernel.bin", "kernel.elf", "kernel.map"):
        assert (tmp_path / name).read_bytes() == (kernel / name).read_bytes(), name


def test_the_include_the_build_used_is_the_one_the_abi_generates_today(kernel: Path) -> None:
    assert (kernel / "gen" / "abi.inc").read_text() == abi_asm.render()
    flat_listing = (kernel / "kernel.flat.S").read_text()
    for name, value in abi_asm.constants().items():
        assert f".equ {name}, {value:#x}" in flat_listing


def test_kernel_sources_use_abi_names_not_numbers_for_platform_addresses() -> None:
    text = "\n".join(p.read_text() for p in SOURCE_DIR.rglob("*.S"))
    for value in (Platform.UART0_BASE, Platform.GICD_BASE, Platform.GICC_BASE, Platform.PSCI_SYSTEM_OFF):
        assert f"{int(value):#x}" not in text.lower()


def test_build_id_follows_the_abi(tmp_path: Path, kernel: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = abi_asm.render()
    monkeypatch.setattr(abi_asm, "render", lambda: original + ".equ UNUSED_EXTRA, 1\n")
    changed = build(tmp_path)
    before = (kernel / "kernel.map").read_text().splitlines()[0]
    assert f"build {changed.build_id}," not in before
    assert (tmp_path / "gen" / "abi.inc").read_text().endswith(".equ UNUSED_EXTRA, 1\n")


def test_elf_is_readable_by_pyelftools_and_readelf(kernel: Path) -> None:
    with (kernel / "kernel.elf").open("rb") as f:
        elf = ELFFile(f)
        assert elf["e_machine"] == "EM_AARCH64"
        entry = elf["e_entry"]
        segment = next(elf.iter_segments())
        assert segment["p_vaddr"] == BASE
        assert segment.data() == (kernel / "kernel.bin").read_bytes()
        symtab = elf.get_section_by_name(".symtab")
        assert isinstance(symtab, SymbolTableSection)
        names = {s.name: s["st_value"] for s in symtab.iter_symbols()}
    assert names["_start"] == entry
    assert BASE <= entry < BASE + len((kernel / "kernel.bin").read_bytes())
    assert "kmain" in names and "mlk_build_id" in names
    if shutil.which("readelf"):
        out = subprocess.run(["readelf", "-s", str(kernel / "kernel.elf")], capture_output=True, text=True, check=True)
        assert " _start" in out.stdout


def test_symbol_map_names_source_lines(kernel: Path) -> None:
    text = (kernel / "kernel.map").read_text()
    assert f"{BASE:#018x}" in text
    assert "boot.S:" in text


def test_crosscheck_rejects_an_altered_branch_target(tmp_path: Path) -> None:
    asm, constants = _assembled(tmp_path, "start:\n    nop\n    b target\n    nop\ntarget:\n    ret\n")
    assert crosscheck.check(asm, constants) == 1
    image = bytearray(asm.image)
    (word,) = struct.unpack_from("<I", image, 4)
    struct.pack_into("<I", image, 4, word + 1)  # imm26 + 1: the branch now lands one instruction later
    with pytest.raises(BuildError, match=r"p\.S:3: 'b target' encodes target 0x40080010 but target is at 0x4008000c"):
        crosscheck.check(dataclasses.replace(asm, image=bytes(image)), constants)


def test_crosscheck_rejects_a_wrong_literal_pool_entry(tmp_path: Path) -> None:
    asm, constants = _assembled(tmp_path, "start:\n    ldr x0, =start\n    ret\n.ltorg\n")
    crosscheck.check(asm, constants)
    image = bytearray(asm.image)
    struct.pack_into("<Q", image, 8, BASE + 4)
    with pytest.raises(BuildError, match=r"p\.S:2: 'ldr x0, =start': literal at 0x40080008 holds 0x40080004"):
        crosscheck.check(dataclasses.replace(asm, image=bytes(image)), constants)


def test_crosscheck_rejects_a_branch_in_place_of_a_plain_instruction(tmp_path: Path) -> None:
    asm, constants = _assembled(tmp_path, "start:\n    nop\n    ret\n")
    image = bytearray(asm.image)
    struct.pack_into("<I", image, 0, 0x14000001)  # b .+4
    with pytest.raises(BuildError, match=r"p\.S:2: 'nop' decodes as PC-relative"):
        crosscheck.check(dataclasses.replace(asm, image=bytes(image)), constants)


def test_crosscheck_rejects_a_missed_alignment(tmp_path: Path) -> None:
    asm, constants = _assembled(tmp_path, "start:\n    nop\n.balign 16\nafter:\n    ret\n")
    crosscheck.check(asm, constants)
    shifted = (*asm.addresses[:3], asm.addresses[3] - 4, *asm.addresses[4:])
    with pytest.raises(BuildError, match=r"p\.S:3: '\.balign 16' left the next statement at 0x4008000c"):
        crosscheck.check(dataclasses.replace(asm, addresses=shifted), constants)


def test_kernel_crosscheck_covers_every_branch(kernel: Path) -> None:
    listing = (kernel / "kernel.flat.S").read_text().splitlines()
    branches = [
        ln for ln in listing if ln.split()[:1] and ln.split()[0] in {"b", "bl", "cbz", "cbnz", "adr", "tbz", "tbnz"}
    ]
    assert len(branches) > 20


def test_failed_build_keeps_previous_outputs(build_program: Builder, tmp_path: Path) -> None:
    good = build_program({"prog.S": "start:\n    ret\n"})
    before = good.elf.read_bytes()
    with pytest.raises(BuildError):
        build_program({"prog.S": "start:\n    frobnicate\n"})
    assert good.elf.read_bytes() == before


def test_preprocessor_conditionals_repeats_and_macro_arguments(build_program: Builder) -> None:
    program = (
        ".equ MODE, 2\n"
        ".macro load reg, value=7\n    mov \\reg, #\\value\n.endm\n"
        ".if MODE == 1\n    brk #1\n.elseif MODE == 2\n    load x3\n    load x4, 9\n.else\n    brk #2\n.endif\n"
        ".rept 2\n    nop\n.endr\n"
    )
    result = build_program({"prog.S": program})
    code = result.image.read_bytes()[:16]
    assert code == bytes.fromhex("e30080d2240180d21f2003d51f2003d5")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"prog.S": '.include "nope.S"\n'}, 'prog.S:1: cannot find include file "nope.S"'),
        ({"prog.S": '.include "a.S"\n', "a.S": '.include "prog.S"\n'}, "a.S:1: prog.S includes itself"),
        ({"prog.S": ".macro m\n    nop\n"}, "prog.S:1: macro m has no .endm"),
        ({"prog.S": ".if 1\n    nop\n"}, "prog.S:1: .if without .endif"),
        ({"prog.S": ".if UNDEFINED\n.endif\n"}, "prog.S:1: cannot evaluate the condition 'UNDEFINED'"),
        ({"prog.S": "a:\n    nop\na:\n"}, "prog.S:3: label a already defined at prog.S:1"),
        ({"prog.S": '.include "a.S"\n.macro m\n.endm\n', "a.S": ".macro m\n    nop\n.endm\n"},
         "prog.S:2: macro m already defined at a.S:1"),
        ({"prog.S": '    .asciz "open\n'}, "prog.S:1: unterminated string literal"),
    ],
)
def test_preprocessor_errors_name_the_place(build_program: Builder, files: dict[str, str], message: str) -> None:
    with pytest.raises(BuildError) as info:
        build_program(files)
    assert str(info.value).startswith(message), str(info.value)
