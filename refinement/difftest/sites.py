"""The spec's error checks as targets: each ``raise KernelError(Error.X)`` statement of ``model/``
(an *error site*), which invocations can reach it, and which one a given invocation reaches.

An answer (an error code) can come from several checks: Frame Map answers INVALID_ARGUMENT for an
address beyond the user range and for rights without READ, and a search aiming at the code keeps
whichever check fails first. So the differential tests also aim at the sites themselves
(``site:<function>:<ERROR>``, with ``#2``, ``#3`` for a function's later sites of the same code):
:func:`raise_site` tells, by running the spec's step under a tracer that sees only where a
:class:`~mlk.model.errors.KernelError` is raised in ``model/``, which site an invocation fails at.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import FrameType
from typing import Any

from mlk.docsite import analysis
from mlk.model import invocation, kernel
from mlk.model.errors import KernelError
from mlk.model.events import SyscallEvent
from mlk.model.state import State

MODEL_DIR = Path(kernel.__file__).resolve().parent
#: The spec's directory as its code objects name it (``mlk/model`` links to ``model/``).
_LOADED_DIR = Path(kernel.__file__).parent


@dataclass(frozen=True)
class ErrorSite:
    """A ``raise KernelError(Error.X)`` statement of ``model/``; ``ordinal`` counts the sites of
    the same function and code (1 for the first)."""

    file: Path
    line: int
    function: str
    error: str
    ordinal: int = 1

    def where(self) -> str:
        """``model/<file>:<line> <function>``."""
        return f"model/{self.file.name}:{self.line} {self.function}"

    def target(self) -> str:
        """The site as a target of the differential tests: ``site:<function>:<ERROR>[#n]``."""
        return f"site:{self.function}:{self.error}" + (f"#{self.ordinal}" if self.ordinal > 1 else "")


@cache
def error_sites() -> tuple[ErrorSite, ...]:
    """Every error check of the spec: each ``raise KernelError(Error.X)`` in ``model/``, in file
    and line order."""
    found: list[tuple[Path, int, str, str]] = []
    for path in sorted(MODEL_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef):
                continue
            for node in ast.walk(fn):
                if not isinstance(node, ast.Raise):
                    continue
                exc = node.exc
                if (isinstance(exc, ast.Call) and isinstance(exc.func, ast.Name) and exc.func.id == "KernelError"
                        and exc.args and isinstance(exc.args[0], ast.Attribute)):  # fmt: skip
                    found.append((path, node.lineno, fn.name, exc.args[0].attr))
    sites: list[ErrorSite] = []
    for path, line, function, error in sorted(found, key=lambda s: (s[0].name, s[1])):
        ordinal = 1 + sum(s.file == path and s.function == function and s.error == error for s in sites)
        sites.append(ErrorSite(path, line, function, error, ordinal))
    return tuple(sites)


@cache
def by_target() -> dict[str, ErrorSite]:
    """The error sites by :meth:`ErrorSite.target` name."""
    return {s.target(): s for s in error_sites()}


@cache
def transitions(site: ErrorSite) -> tuple[str, ...]:
    """The invocations (transition names) whose handler reaches ``site``'s function, by the spec
    browser's static walk (:func:`mlk.docsite.analysis.walk`), and answer its code."""
    qualified = f"mlk.model.{site.file.stem}.{site.function}"
    names = []
    for (_, label), (_nargs, handler) in invocation.OPERATIONS.items():
        walk = analysis.walk(handler)
        if qualified in walk.functions and site.error in walk.errors:
            names.append(label.name.lower())
    return tuple(sorted(set(names)))


def raise_site(before: State, event: SyscallEvent) -> ErrorSite | None:
    """The error site at which the spec's step of ``event`` in ``before`` raises its first
    :class:`~mlk.model.errors.KernelError` (``None``: it raises none)."""
    model = str(_LOADED_DIR)
    raised: list[tuple[str, int]] = []

    def local(frame: FrameType, what: str, arg: Any) -> Any:
        if what == "exception" and not raised and isinstance(arg[1], KernelError):
            raised.append((frame.f_code.co_filename, frame.f_lineno))
        return local

    def calls(frame: FrameType, what: str, arg: Any) -> Any:
        if what != "call" or not frame.f_code.co_filename.startswith(model):
            return None
        frame.f_trace_lines = False
        return local

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        kernel.step(before, event)
    finally:
        sys.settrace(previous)
    if not raised:
        return None
    name, line = Path(raised[0][0]).name, raised[0][1]
    return next((s for s in error_sites() if s.file.name == name and s.line == line), None)
