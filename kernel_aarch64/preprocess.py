"""The assembly preprocessor: comments, ``.include``, macros and statement splitting.

Keystone mishandles several things that GNU ``as`` accepts (see the build's guard list), so the
kernel sources are flattened here before keystone sees them:

* ``//`` line comments and ``/* ... */`` block comments are removed (keystone rejects ``//``);
* ``.include "file"`` is resolved here, relative to the including file, then to the include path
  (keystone silently assembles an include to nothing);
* ``.macro name a, b=default`` ... ``.endm`` is expanded here; ``\\a`` names a parameter and ``\\@``
  a number unique to each expansion (keystone rejects numeric local labels, so macros make unique
  labels with ``\\@``);
* ``.if``/``.elseif``/``.else``/``.endif`` and ``.rept``/``.endr`` are evaluated here, against the
  ``.equ``/``.set`` constants defined so far, so that keystone sees straight-line code and every
  statement it sees is really assembled;
* ``label: instruction`` is split into two statements.

The result is a flat list of statements, each carrying the :class:`Origin` of its source line, and
the constants the program defines.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from mlk.kernel_aarch64.diagnostics import BuildError, Origin
from mlk.kernel_aarch64.exprs import evaluate

_LABEL = re.compile(r"^\s*([A-Za-z_.$][\w.$]*)\s*:(?!:)(.*)$")
_INCLUDE = re.compile(r'^\s*\.include\s+"([^"]+)"\s*$', re.IGNORECASE)
_MACRO = re.compile(r"^\s*\.macro\s+([A-Za-z_][\w.]*)\s*,?\s*(.*)$", re.IGNORECASE)
_ENDM = re.compile(r"^\s*\.endm\s*$", re.IGNORECASE)
_EQU = re.compile(r"^\.(equ|set)\s+([A-Za-z_.$][\w.$]*)\s*,\s*(.+)$", re.IGNORECASE)
_COND = re.compile(r"^\.(if|elseif|else|endif)\b\s*(.*)$", re.IGNORECASE)
_REPT = re.compile(r"^\.(rept|endr)\b\s*(.*)$", re.IGNORECASE)
_MAX_EXPANSION_DEPTH = 32
#: Most statements one .rept may produce.
MAX_REPT = 1 << 16


@dataclass(frozen=True)
class Statement:
    """One flat assembly statement (a label definition ``name:`` or one directive/instruction)."""

    text: str
    origin: Origin

    @property
    def label(self) -> str | None:
        """The label this statement defines, if it is a label definition."""
        m = _LABEL.match(self.text)
        return m.group(1) if m and not m.group(2).strip() else None


@dataclass
class _Macro:
    name: str
    params: list[tuple[str, str | None]]
    body: list[tuple[str, Origin]]
    #: Where its ``.macro`` line is.
    origin: Origin


@dataclass
class _Cond:
    """One open .if: whether its current branch is taken, and whether any branch was."""

    taking: bool
    taken: bool
    origin: Origin


@dataclass
class _Rept:
    count: int
    origin: Origin
    body: list[tuple[str, Origin]] = field(default_factory=list)
    depth: int = 0


@dataclass
class _State:
    include_path: tuple[Path, ...]
    macros: dict[str, _Macro] = field(default_factory=dict)
    constants: dict[str, int] = field(default_factory=dict)
    conds: list[_Cond] = field(default_factory=list)
    rept: _Rept | None = None
    out: list[Statement] = field(default_factory=list)
    expansions: int = 0
    active_includes: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def strip_comments(text: str, file: str) -> list[str]:
    """Remove ``//`` and ``/* */`` comments outside string literals; keep line numbering. (The
    result for the same text is remembered: repeated builds in one process, as the mutants' and
    the generated assembly programs' are, re-read mostly unchanged files.)"""
    return list(_strip_comments(text, file))


@functools.lru_cache(maxsize=512)
def _strip_comments(text: str, file: str) -> tuple[str, ...]:
    out: list[str] = []
    in_block = False
    for lineno, line in enumerate(text.split("\n"), start=1):
        buf: list[str] = []
        i = 0
        in_str = False
        while i < len(line):
            ch = line[i]
            if in_block:
                if line.startswith("*/", i):
                    in_block = False
                    i += 2
                else:
                    i += 1
                continue
            if in_str:
                buf.append(ch)
                if ch == "\\" and i + 1 < len(line):
                    buf.append(line[i + 1])
                    i += 2
                    continue
                if ch == '"':
                    in_str = False
                i += 1
                continue
            if ch == '"':
                in_str = True
            elif line.startswith("/*", i):
                in_block = True
                buf.append(" ")
                i += 2
                continue
            elif line.startswith("//", i):
                break
            buf.append(ch)
            i += 1
        if in_str:
            raise BuildError(Origin(file, lineno), "unterminated string literal")
        out.append("".join(buf).rstrip())
    if in_block:
        raise BuildError(Origin(file, len(out)), "unterminated /* comment")
    return tuple(out)


def _split_params(spec: str) -> list[tuple[str, str | None]]:
    params: list[tuple[str, str | None]] = []
    for raw in re.split(r"[,\s]+", spec.strip()):
        if not raw:
            continue
        name, eq, default = raw.partition("=")
        params.append((name, default if eq else None))
    return params


def split_operands(text: str) -> list[str]:
    """Split macro arguments at top-level commas (brackets and strings protect commas)."""
    args: list[str] = []
    depth = 0
    cur: list[str] = []
    in_str = False
    for ch in text:
        if in_str:
            cur.append(ch)
            in_str = ch != '"'
            continue
        if ch == '"':
            in_str = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    if "".join(cur).strip() or args:
        args.append("".join(cur).strip())
    return args


def _resolve_include(name: str, current: Path, st: _State, origin: Origin) -> Path:
    for base in (current.parent, *st.include_path):
        candidate = base / name
        if candidate.is_file():
            return candidate.resolve()
    raise BuildError(origin, f'cannot find include file "{name}"')


def _condition(text: str, origin: Origin, st: _State) -> bool:
    value = evaluate(text, st.constants)
    if value is None:
        raise BuildError(origin, f"cannot evaluate the condition '{text}' (only .equ constants defined above)")
    return value != 0


def _directive(line: str, origin: Origin, st: _State, depth: int) -> bool:
    """Handle conditional, repeat and constant directives; True when ``line`` was consumed."""
    stripped = line.strip()
    if st.rept is not None:
        m = _REPT.match(stripped)
        if m and m.group(1).lower() == "rept":
            st.rept.depth += 1
        elif m and m.group(1).lower() == "endr":
            if st.rept.depth == 0:
                rept, st.rept = st.rept, None
                for _ in range(rept.count):
                    for body_line, body_origin in rept.body:
                        _emit(body_line, body_origin, st, depth)
                return True
            st.rept.depth -= 1
        st.rept.body.append((line, origin))
        return True
    if m := _COND.match(stripped):
        kind, arg = m.group(1).lower(), m.group(2)
        if kind == "if":
            outer = all(c.taking for c in st.conds)
            taking = outer and _condition(arg, origin, st)
            st.conds.append(_Cond(taking, taking or not outer, origin))
        elif not st.conds:
            raise BuildError(origin, f".{kind} without .if")
        elif kind == "endif":
            st.conds.pop()
        else:
            cond = st.conds[-1]
            take = not cond.taken and (kind == "else" or _condition(arg, origin, st))
            cond.taking, cond.taken = take, cond.taken or take
        return True
    if not all(c.taking for c in st.conds):
        return True
    if m := _REPT.match(stripped):
        if m.group(1).lower() == "endr":
            raise BuildError(origin, ".endr without .rept")
        count = evaluate(m.group(2), st.constants)
        if count is None or not 0 <= count <= MAX_REPT:
            raise BuildError(origin, f".rept count '{m.group(2)}' is not a constant from 0 to {MAX_REPT}")
        st.rept = _Rept(count, origin)
        return True
    if m := _EQU.match(stripped):
        value = evaluate(m.group(3), st.constants)
        if value is not None:
            st.constants[m.group(2)] = value
    return False


def _emit(line: str, origin: Origin, st: _State, depth: int) -> None:
    if _directive(line, origin, st, depth):
        return
    m = _LABEL.match(line)
    while m:
        st.out.append(Statement(f"{m.group(1)}:", origin))
        line = m.group(2)
        m = _LABEL.match(line)
    line = line.strip()
    if not line:
        return
    word = line.split(None, 1)[0]
    macro = st.macros.get(word)
    if macro is None:
        st.out.append(Statement(line, origin))
        return
    if depth >= _MAX_EXPANSION_DEPTH:
        raise BuildError(origin, f"macro {word} expands more than {_MAX_EXPANSION_DEPTH} levels deep")
    args = split_operands(line[len(word) :])
    if len(args) > len(macro.params):
        raise BuildError(origin, f"macro {word} takes {len(macro.params)} arguments, got {len(args)}")
    values: dict[str, str] = {}
    for i, (pname, default) in enumerate(macro.params):
        given = args[i] if i < len(args) and args[i] != "" else None
        value = given if given is not None else default
        if value is None:
            raise BuildError(origin, f"macro {word}: missing argument {pname}")
        values[pname] = value
    st.expansions += 1
    unique = str(st.expansions)
    via = (*origin.via, (word, origin.file, origin.line))
    for body_line, body_origin in macro.body:
        text = body_line.replace("\\@", unique)
        for pname in sorted(values, key=len, reverse=True):
            text = text.replace(f"\\{pname}", values[pname])
        _emit(text, Origin(body_origin.file, body_origin.line, via), st, depth + 1)


def _process_file(path: Path, st: _State, display: str, origin: Origin | None) -> None:
    if path in st.active_includes:
        raise BuildError(origin, f"{display} includes itself")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(origin, f"cannot read {display}: {exc}") from None
    st.active_includes.append(path)
    st.files.append(path)
    lines = strip_comments(text, display)
    macro: _Macro | None = None
    macro_start = 0
    for lineno, line in enumerate(lines, start=1):
        here = Origin(display, lineno)
        if macro is not None:
            if _ENDM.match(line):
                st.macros[macro.name] = macro
                macro = None
            elif _MACRO.match(line):
                raise BuildError(here, "nested .macro definitions are not supported")
            else:
                macro.body.append((line, here))
            continue
        if m := _MACRO.match(line):
            # A second definition would silently replace the first for every later expansion
            # (e.g. a scenario's macro shadowing ulib's): an error instead.
            if (first := st.macros.get(m.group(1))) is not None:
                raise BuildError(here, f"macro {m.group(1)} already defined at {first.origin}")
            macro = _Macro(m.group(1), _split_params(m.group(2)), [], here)
            macro_start = lineno
            continue
        if _ENDM.match(line):
            raise BuildError(here, ".endm without .macro")
        if m := _INCLUDE.match(line):
            if not all(c.taking for c in st.conds) or st.rept is not None:
                continue
            target = _resolve_include(m.group(1), path, st, here)
            _process_file(target, st, _display(target, st), here)
            continue
        _emit(line, here, st, 0)
    if macro is not None:
        raise BuildError(Origin(display, macro_start), f"macro {macro.name} has no .endm")
    st.active_includes.pop()
    if not st.active_includes:
        if st.conds:
            raise BuildError(st.conds[-1].origin, ".if without .endif")
        if st.rept is not None:
            raise BuildError(st.rept.origin, ".rept without .endr")


def _display(path: Path, st: _State) -> str:
    for base in st.include_path:
        try:
            return str(path.relative_to(base))
        except ValueError:
            continue
    return str(path)


@dataclass(frozen=True)
class Flattened:
    """The preprocessed program: its statements, its constants, and every file read, in order."""

    statements: tuple[Statement, ...]
    constants: dict[str, int]
    files: tuple[Path, ...]


def flatten(root: Path, include_path: tuple[Path, ...]) -> Flattened:
    """Read ``root`` and everything it includes; return the flat statement list.

    Files are named in diagnostics relative to the first entry of ``include_path`` that contains
    them. Raises :class:`BuildError` for unreadable files, missing includes, include cycles and
    malformed macros.
    """
    st = _State(tuple(p.resolve() for p in include_path))
    root = root.resolve()
    _process_file(root, st, _display(root, st), None)
    return Flattened(tuple(st.out), dict(st.constants), tuple(st.files))
