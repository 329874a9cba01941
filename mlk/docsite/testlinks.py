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
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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

    @property
    def node_id(self) -> str:
        """The pytest node id."""
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
