"""What the spec browser documents, read from the spec's own registries.

Transitions come from :data:`mlk.model.kernel.TRANSITIONS`, invariants from
:data:`mlk.model.invariants.INVARIANTS`, object kinds from :data:`mlk.model.state.CAP_TYPE_OF`.
Nothing is listed by hand: when a registry is missing or has the wrong shape, :func:`load` raises
:class:`DocsError` naming it, and the docs build fails with that message.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType


class DocsError(Exception):
    """The site cannot be generated; the message says what is missing."""


@dataclass(frozen=True)
class SpecItem:
    """A documented piece of the spec: a name, the Python object and where its source is."""

    name: str
    obj: Callable[..., object] | type
    path: Path
    first_line: int
    source: str

    @property
    def qualname(self) -> str:
        """``module.qualname`` of the object (``mlk.model.ipc.send``)."""
        return f"{self.obj.__module__}.{self.obj.__qualname__}"

    @property
    def doc(self) -> str:
        """The docstring, dedented (empty when there is none)."""
        return inspect.getdoc(self.obj) or ""

    @property
    def slug(self) -> str:
        """A file name for the item's page."""
        return slugify(self.name)


@dataclass(frozen=True)
class Spec:
    """Everything the site documents from the spec."""

    transitions: tuple[SpecItem, ...]
    invariants: tuple[SpecItem, ...]
    kinds: tuple[SpecItem, ...]
    state_module: ModuleType


def slugify(name: str) -> str:
    """A name made safe for a file name: runs of other characters become ``-``."""
    return re.sub(r"[^A-Za-z0-9_]+", "-", name).strip("-").lower() or "item"


def _module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise DocsError(f"cannot import {name}: {exc}") from exc


def _registry(module: ModuleType, attr: str) -> dict[object, object]:
    value = getattr(module, attr, None)
    if not isinstance(value, dict) or not value:
        raise DocsError(f"{module.__name__}.{attr} is missing or empty: the spec browser documents what it lists")
    return value


def item(name: str, obj: object, where: str) -> SpecItem:
    """The :class:`SpecItem` for ``obj`` (a function or class) registered as ``name`` in ``where``."""
    if not (inspect.isfunction(obj) or inspect.isclass(obj)):
        raise DocsError(f"{where}[{name!r}] is {obj!r}, not a function or class")
    try:
        lines, first = inspect.getsourcelines(obj)
        path = Path(inspect.getsourcefile(obj) or "")
    except (OSError, TypeError) as exc:
        raise DocsError(f"no source for {where}[{name!r}]: {exc}") from exc
    return SpecItem(name, obj, path, first, "".join(lines))


def load() -> Spec:
    """Read the spec's registries (see the module documentation)."""
    kernel = _module("mlk.model.kernel")
    invariants = _module("mlk.model.invariants")
    state = _module("mlk.model.state")
    transitions = tuple(
        item(str(name), fn, "mlk.model.kernel.TRANSITIONS") for name, fn in _registry(kernel, "TRANSITIONS").items()
    )
    invs = tuple(
        item(str(name), fn, "mlk.model.invariants.INVARIANTS")
        for name, fn in _registry(invariants, "INVARIANTS").items()
    )
    kinds = tuple(
        item(cls.__name__, cls, "mlk.model.state.CAP_TYPE_OF")
        for cls in _registry(state, "CAP_TYPE_OF")
        if isinstance(cls, type)
    )
    return Spec(transitions, invs, kinds, state)
