"""The kernel's routines and the spec functions they implement, read from their header comments.

Every kernel routine starts with a block comment whose first line names it and which says which
part of the spec it implements, after ``spec:``::

    /*
     * timer_tick: spec: the TickEvent transition. Re-arms the timer ...
     */
    timer_tick:

:func:`routines` finds these headers in the kernel sources; the refinement checker names the
routine that handled a diverging event, and the documentation links each transition to its
routine (file and line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mlk.kernel_aarch64.build import SOURCE_DIR

_COMMENT = re.compile(r"/\*(.*?)\*/", re.DOTALL)
_NAMED = re.compile(r"^\s*\*?\s*([A-Za-z_][\w]*):\s*(.*)$")
_SPEC = re.compile(r"spec:\s*([^;]*?)(?:\)|;|\.\s|\.$|$)", re.DOTALL)


@dataclass(frozen=True)
class Routine:
    """A kernel routine: its label, where the label is defined, and its ``spec:`` references
    (several are joined with ``;``)."""

    name: str
    file: str
    line: int
    spec: str

    def where(self) -> str:
        """``name (file:line)``."""
        return f"{self.name} ({self.file}:{self.line})"


def routines(source_dir: Path = SOURCE_DIR) -> list[Routine]:
    """Every routine with a ``spec:`` header in the kernel sources, in file and line order."""
    found: list[Routine] = []
    for path in sorted(source_dir.rglob("*.S")):
        text = path.read_text(encoding="utf-8")
        rel = str(path.relative_to(source_dir))
        for comment in _COMMENT.finditer(text):
            body = comment.group(1)
            first = next((ln for ln in body.splitlines() if ln.strip(" *")), "")
            named = _NAMED.match(first)
            specs = [
                " ".join(m.group(1).split())
                for m in _SPEC.finditer(" ".join(ln.strip(" *") for ln in body.splitlines()))
            ]
            if named is None or not specs:
                continue
            name = named.group(1)
            label = re.search(rf"^\s*{re.escape(name)}:", text[comment.end() :], re.MULTILINE)
            if label is None:
                continue
            line = text.count("\n", 0, comment.end() + label.start()) + 1
            found.append(Routine(name, rel, line, "; ".join(specs)))
    return found


def routine_for(spec_name: str, table: list[Routine]) -> Routine | None:
    """The routine implementing ``spec_name`` (e.g. ``TickEvent``, ``sched.schedule``): one whose
    reference names it as a transition first, else the first that mentions it."""
    whole = re.compile(rf"\b{re.escape(spec_name)}\b")
    mentions = [r for r in table if whole.search(r.spec)]
    primary = [r for r in mentions if r.spec.startswith(f"the {spec_name} transition") or r.spec == spec_name]
    chosen = primary or mentions
    return chosen[0] if chosen else None
