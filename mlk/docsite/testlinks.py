"""Which tests exercise which transition, found by a static scan of the test sources.

Every ``test_*`` function in ``tests/**/test_*.py`` (the spec's unit tests in ``tests/model``,
the QEMU scenarios in ``tests/kernel``, and the rest) is read, not run. A test exercises a
transition when its body

* names the transition's spec function (through the file's imports: ``from mlk.model import
  ipc`` then ``ipc.send``, or ``from mlk.model.ipc import send`` then ``send``), or
* names a system call or invocation label (``Syscall.YIELD``, ``Label.CNODE_COPY``) or an event
  class of :mod:`mlk.model.events` (``TickEvent``, less ``Event``) whose name, lower-cased
  without underscores, is one of the ``/``-separated parts of the transition's name (also without
  underscores): ``Syscall.NB_SEND`` exercises ``call/send/nbsend``, ``TickEvent`` ``tick``.

Helpers the test calls are not followed, so a test that only reaches a transition through a
fixture is not listed.

The kernel scenarios that ``mlk refine`` runs are listed the same way: the user program of
scenario ``NAME`` is ``kernel_aarch64/asm/user/NAME.S`` with the files of that directory it
includes (``.include "init.S"``, followed to any depth), and the assembler names it uses for
system calls and labels (``SYS_CALL``, ``LABEL_CNODE_COPY``: the prefixes of
:data:`mlk.abi.asm.ENUMS`) stand for ``Syscall.CALL`` and ``Label.CNODE_COPY``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from mlk.abi import asm as abi_asm

#: The ABI enumerations whose members name transitions.
NAMING_ENUMS = ("Syscall", "Label")
#: The module whose ``<Name>Event`` classes name transitions.
EVENTS_MODULE = "mlk.model.events"


@dataclass(frozen=True)
class TestRef:
    """A test function: its file (relative to the repository), line, name and what it names."""

    path: str
    line: int
    name: str
    names: frozenset[str]
    source: str
    #: ``None`` for a pytest test; the scenario's name for a kernel scenario.
    scenario: str | None = None

    @property
    def node_id(self) -> str:
        """The pytest node id, or for a scenario the command that runs it."""
        if self.scenario is not None:
            return f"mlk refine --scenario {self.scenario}"
        return f"{self.path}::{self.name}"


def _imports(tree: ast.Module) -> dict[str, str]:
    """Local name -> dotted name it was imported as."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                found[local] = alias.name if alias.asname else local
    return found


def _names(fn: ast.AST, imports: dict[str, str]) -> frozenset[str]:
    """The dotted names ``fn`` references: imported names and one attribute below them."""
    found: set[str] = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            base = imports.get(node.value.id)
            if base is not None:
                found.add(f"{base}.{node.attr}")
            if node.value.id in NAMING_ENUMS:
                found.add(f"{node.value.id}.{node.attr}")
        elif isinstance(node, ast.Name) and node.id in imports:
            found.add(imports[node.id])
    return frozenset(found)


def _tests(tree: ast.Module) -> Iterator[ast.FunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            yield node


def scan(root: Path, tests_dir: Path) -> list[TestRef]:
    """Every test function under ``tests_dir``, with paths relative to ``root``."""
    refs = []
    for path in sorted(tests_dir.rglob("test_*.py")):
        text = path.read_text()
        tree = ast.parse(text, str(path))
        imports = _imports(tree)
        rel = path.relative_to(root).as_posix()
        refs += [
            TestRef(rel, fn.lineno, fn.name, _names(fn, imports), ast.get_source_segment(text, fn) or "")
            for fn in _tests(tree)
        ]
    return refs


def _asm_names() -> dict[str, str]:
    """Assembler name -> ``Enum.MEMBER`` for the enumerations that name transitions."""
    found = {}
    for prefix, enum in abi_asm.ENUMS:
        if enum.__name__ in NAMING_ENUMS:
            members: Iterable[Enum] = enum
            found.update({f"{prefix}_{m.name}": f"{enum.__name__}.{m.name}" for m in members})
    return found


class ScenarioError(Exception):
    """A scenario without its user program."""


_INCLUDE = re.compile(r'^\s*\.include\s+"([^"/]+)"', re.MULTILINE)


def _program_text(path: Path, seen: set[Path]) -> str:
    """The text of ``path`` followed by that of the files beside it that it includes."""
    seen.add(path)
    text = path.read_text()
    parts = [text]
    for name in _INCLUDE.findall(text):
        included = path.parent / name
        if included.is_file() and included not in seen:
            parts.append(_program_text(included, seen))
    return "\n".join(parts)


def scan_scenarios(root: Path, user_dir: Path, scenarios: Iterable[str]) -> list[TestRef]:
    """The kernel scenarios ``scenarios``, each read from ``user_dir/NAME.S`` and the files there it
    includes, with paths relative to ``root``; :class:`ScenarioError` when a scenario's program is
    missing."""
    asm_names = _asm_names()
    refs = []
    for name in scenarios:
        path = user_dir / f"{name}.S"
        if not path.is_file():
            raise ScenarioError(f"{path}: the user program of scenario {name!r} is missing")
        text = _program_text(path, set())
        words = set(re.findall(r"\b[A-Z][A-Z0-9_]*\b", text))
        names = frozenset(asm_names[w] for w in words if w in asm_names)
        refs.append(TestRef(path.relative_to(root).as_posix(), 1, f"scenario {name}", names, text, name))
    return refs


def _squash(text: str) -> str:
    return text.lower().replace("_", "")


def exercises(test: TestRef, transition: str, qualname: str) -> str | None:
    """Why ``test`` exercises the transition ``transition`` (spec function ``qualname``), or
    ``None``: the name it references."""
    if qualname in test.names:
        return qualname
    parts = {_squash(p) for p in transition.split("/")}
    for name in sorted(test.names):
        enum, _, member = name.partition(".")
        if enum in NAMING_ENUMS and _squash(member) in parts:
            return name
        module, _, cls = name.rpartition(".")
        if module == EVENTS_MODULE and cls.endswith("Event") and _squash(cls.removesuffix("Event")) in parts:
            return name
    return None
