"""``mlk build``: the guarded keystone build of the kernel.

Pipeline: generate ``abi.inc`` from :mod:`mlk.abi` and ``config.inc`` from the build configuration;
flatten the sources (:mod:`~mlk.kernel_aarch64.preprocess`); reject keystone's broken constructs
(:mod:`~mlk.kernel_aarch64.guards`); assemble in a child process and recover every address
(:mod:`~mlk.kernel_aarch64.assemble`); cross-check every PC-relative reference with capstone
(:mod:`~mlk.kernel_aarch64.crosscheck`); write ``kernel.elf``, ``kernel.bin`` and ``kernel.map``.

The build id is a hash of the flattened program and its base address, so the same sources give the
same bytes, and any change of source, ABI or configuration gives a different id. Outputs are written
only after every check passed, each through a temporary file, so a failed build leaves the previous
outputs intact.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from mlk.abi import asm as abi_asm
from mlk.abi.platform import Platform
from mlk.kernel_aarch64 import assemble, config, crosscheck, guards
from mlk.kernel_aarch64.diagnostics import BuildError, Origin
from mlk.kernel_aarch64.elf import Symbol, write_elf
from mlk.kernel_aarch64.preprocess import Statement, flatten

#: The kernel's assembly sources shipped with the package.
SOURCE_DIR = Path(__file__).resolve().parent / "asm"
#: The file every build starts from; it includes the others.
ROOT_FILE = "kernel.S"
#: The label of the build id string.
BUILD_ID_LABEL = "mlk_build_id"
#: The label of the build id as a 64-bit word (its 16 hex digits), for the trace's BOOT record.
BUILD_ID_WORD_LABEL = "mlk_build_id_word"


@dataclass(frozen=True)
class BuildResult:
    """What a build produced."""

    out_dir: Path
    elf: Path
    image: Path
    symbol_map: Path
    build_id: str
    size: int
    symbols: dict[str, int]
    pcrel_checked: int


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


_DATA_DIRECTIVES = (
    ".byte",
    ".hword",
    ".short",
    ".word",
    ".int",
    ".long",
    ".quad",
    ".ascii",
    ".asciz",
    ".string",
    ".space",
    ".skip",
    ".fill",
    ".zero",
)


def _kind(st: Statement) -> bool | None:
    """True for an instruction, False for a statement that emits data, None for the rest."""
    if st.label is not None:
        return None
    word = st.text.split(None, 1)[0].lower()
    if word.startswith("."):
        return False if word in _DATA_DIRECTIVES else None
    return True


def _symbols(asm: assemble.Assembled) -> tuple[list[Symbol], list[tuple[int, bool]]]:
    """ELF symbols (code or data by what follows each label) and $x/$d mapping points."""
    kinds = [_kind(st) for st in asm.statements]
    mapping: list[tuple[int, bool]] = []
    for kind, address in zip(kinds, asm.addresses, strict=True):
        if kind is not None and (not mapping or mapping[-1][1] != kind):
            mapping.append((address, kind))
    end = asm.base + len(asm.image)
    addresses = sorted(set(asm.symbols.values()))
    symbols: list[Symbol] = []
    for pos, st in enumerate(asm.statements):
        if st.label is None:
            continue
        address = asm.symbols[st.label]
        nxt = next((a for a in addresses if a > address), end)
        following = next((k for k in kinds[pos:] if k is not None), False)
        symbols.append(Symbol(st.label, address, nxt - address, following))
    return symbols, mapping


def _symbol_map(asm: assemble.Assembled, symbols: list[Symbol], build_id: str) -> str:
    origin = {st.label: st.origin for st in asm.statements if st.label is not None}
    lines = [
        f"# mlk kernel symbol map, build {build_id}, base {asm.base:#x}, size {len(asm.image)}",
        "# address            size  kind  name  source",
    ]
    for sym in sorted(symbols, key=lambda s: (s.address, s.name)):
        where = origin[sym.name].describe() if sym.name in origin else "-"
        kind = "code" if sym.is_code else "data"
        lines.append(f"{sym.address:#018x} {sym.size:6d}  {kind}  {sym.name}  {where}")
    return "\n".join(lines) + "\n"


def build(
    out_dir: Path,
    *,
    source_dir: Path = SOURCE_DIR,
    root: str = ROOT_FILE,
    overrides: dict[str, int] | None = None,
    base: int = int(Platform.KERNEL_BASE),
) -> BuildResult:
    """Build the kernel from ``source_dir`` into ``out_dir``; raise :class:`BuildError` on failure."""
    try:
        cfg = config.resolve(overrides or {})
    except KeyError as exc:
        raise BuildError(None, str(exc.args[0])) from None
    gen = out_dir / "gen"
    gen.mkdir(parents=True, exist_ok=True)
    _write(gen / "abi.inc", abi_asm.render().encode())
    _write(gen / "config.inc", config.render(cfg).encode())
    root_path = source_dir / root
    if not root_path.is_file():
        raise BuildError(None, f"no kernel source {root_path}")
    flat = flatten(root_path, (source_dir, gen))
    digest = hashlib.sha256(f"base={base:#x}\n".encode())
    for st in flat.statements:
        digest.update(st.text.encode() + b"\n")
    build_id = digest.hexdigest()[:16]
    here = Origin("<build>", 1)
    statements = (
        *flat.statements,
        Statement(f"{BUILD_ID_LABEL}:", here),
        Statement(f'.asciz "{build_id}"', here),
        Statement(".balign 8", here),
        Statement(f"{BUILD_ID_WORD_LABEL}:", here),
        Statement(f".quad {int(build_id, 16):#x}", here),
    )
    guards.check(statements, flat.constants)
    asm = assemble.assemble(statements, base)
    checked = crosscheck.check(asm, flat.constants)
    symbols, mapping = _symbols(asm)
    entry = asm.symbols.get("_start", base)
    elf = out_dir / "kernel.elf"
    image = out_dir / "kernel.bin"
    symbol_map = out_dir / "kernel.map"
    flat_listing = "".join(f"{st.text:<60} // {st.origin.describe()}\n" for st in statements)
    _write(out_dir / "kernel.flat.S", flat_listing.encode())
    _write(image, asm.image)
    _write(elf, write_elf(asm.image, base, entry, symbols, mapping))
    _write(symbol_map, _symbol_map(asm, symbols, build_id).encode())
    return BuildResult(out_dir, elf, image, symbol_map, build_id, len(asm.image), dict(asm.symbols), checked)
