"""Kernel routines and the spec functions they implement, read from the assembly sources.

One parser serves everyone who needs the mapping: the documentation links each transition to its
routine, and the refinement checker names the routine that handled a diverging event.

The convention: a routine's header comment comes right before (or near) its label and *starts
with the routine's name and a colon*; anywhere in that comment, ``spec: <function>`` (or
``Spec:``) names the spec function it implements, as ``mlk.model.<module>.<function>`` or
``<module>.<function>``. Both comment styles count::

    /*
     * sched_append: spec: sched.enqueue. Append the thread at x0 to the tail of its queue.
     */
    sched_append:

    // sys_yield: spec: mlk.model.kernel.yield_. The caller goes to the back of its queue.
    sys_yield:

A ``spec:`` reference that names no spec function (``spec: the TickEvent transition``) is listed
as unresolved on the kernel routines page, so that it can be fixed.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path

from mlk.kernel_aarch64.build import SOURCE_DIR

_BLOCK = re.compile(r"/\*(.*?)\*/", re.S)
_LABEL = re.compile(r"^([A-Za-z_.][A-Za-z0-9_.]*):", re.M)
_HEAD = re.compile(r"^\s*\*?\s*([A-Za-z_.][A-Za-z0-9_.]*):")
_SPEC = re.compile(r"\bspec:\s*(?:the\s+)?([A-Za-z_][A-Za-z0-9_.]*[A-Za-z0-9_])", re.I)


@dataclass(frozen=True)
class Routine:
    """A kernel routine with a header comment: where its label is, and its spec references."""

    name: str
    path: Path
    line: int
    comment: str
    refs: tuple[str, ...]

    def where(self) -> str:
        """``name (file:line)``, the file relative to the kernel sources when it is among them."""
        try:
            shown = self.path.relative_to(SOURCE_DIR)
        except ValueError:
            shown = self.path
        return f"{self.name} ({shown}:{self.line})"

    @property
    def anchor(self) -> str:
        """The label of the routine's section on the kernel routines page."""
        return f"kernel-{self.path.stem}-{self.name}".lower().replace("_", "-").replace(".", "-")


def _comments(text: str) -> list[tuple[int, str]]:
    """Every comment (``/* */`` block or run of ``//`` lines) with the offset where it ends."""
    found = [(m.end(), m.group(1)) for m in _BLOCK.finditer(text)]
    run: list[str] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        pos += len(line)
        stripped = line.strip()
        if stripped.startswith("//"):
            run.append(stripped[2:])
        elif run:
            found.append((pos - len(line), "\n".join(run)))
            run = []
    return found


def _clean(comment: str) -> str:
    lines = [re.sub(r"^\s*\*\s?", "", line).rstrip() for line in comment.strip("\n").splitlines()]
    return "\n".join(lines).strip()


def scan_file(path: Path) -> list[Routine]:
    """The routines of one assembly file (see the module documentation)."""
    text = path.read_text(errors="replace")
    labels = {m.group(1): text.count("\n", 0, m.start()) + 1 for m in _LABEL.finditer(text)}
    routines = []
    for _end, comment in _comments(text):
        body = _clean(comment)
        head = _HEAD.match(body)
        if head is None or head.group(1) not in labels:
            continue
        refs = tuple(dict.fromkeys(m.group(1) for m in _SPEC.finditer(body)))
        routines.append(Routine(head.group(1), path, labels[head.group(1)], body, refs))
    return sorted(routines, key=lambda r: r.line)


def scan(directory: Path = SOURCE_DIR) -> list[Routine]:
    """The routines of every ``*.S`` file in ``directory`` (not its subdirectories: user code), by file
    then line."""
    return [r for path in sorted(directory.glob("*.S")) for r in scan_file(path)]


def implementing(function: str, routines: list[Routine]) -> Routine | None:
    """The first routine whose header names spec function ``function`` (``kernel.tick`` or
    ``mlk.model.kernel.tick``)."""
    want = function.removeprefix("mlk.model.")
    return next((r for r in routines if any(ref.removeprefix("mlk.model.") == want for ref in r.refs)), None)


def resolve(ref: str) -> object | None:
    """The spec object ``ref`` names (``mlk.model.ipc.send`` or ``ipc.send``), else ``None``."""
    parts = ref.removeprefix("mlk.model.").split(".")
    if len(parts) < 2:
        return None
    try:
        obj: object = importlib.import_module(f"mlk.model.{parts[0]}")
    except ImportError:
        return None
    for attr in parts[1:]:
        obj = getattr(obj, attr, None)
        if obj is None:
            return None
    return obj
