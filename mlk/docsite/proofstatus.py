"""The proof status the site shows: a ``mlk-prove --json`` report, read and related to the spec.

The report (written by :func:`mlk.proofs.report.write_json`) is a JSON object with
``obligations``, a list of ``{"name", "status", "seconds", "bound", "conjunct",
"counterexample", "reason"}``, and optionally ``z3``, ``spec_digest`` and ``wall_seconds``.
Obligation names are ``boot/<family>``, ``preserve/<event>/<family>`` and
``security/<event>/<property>``, where ``<event>`` is one of the proofs' encoded events and
``<family>`` one of their invariant families (:data:`mlk.proofs.invariants.INVARIANTS`).

An encoded event stands for one or more spec transitions
(:data:`mlk.proofs.catalogue.COVERED_TRANSITIONS`). A proof family states (part of) a spec
invariant when it has that invariant's name or its description begins with the name.

No report is no status: the pages then say that no proof run was found, never a status.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from mlk.docsite.registry import DocsError

STATUSES = ("proved", "refuted", "unknown")


@dataclass(frozen=True)
class Outcome:
    """One obligation's result as the report gives it."""

    name: str
    status: str
    seconds: float
    detail: str

    @property
    def parts(self) -> list[str]:
        """The name's ``/``-separated components."""
        return self.name.split("/")


@dataclass(frozen=True)
class ProofRun:
    """A whole report."""

    path: Path
    outcomes: tuple[Outcome, ...]
    z3: str
    spec_digest: str
    wall_seconds: float | None


@dataclass(frozen=True)
class Family:
    """A proof invariant family: its name, description and the spec invariant it states."""

    name: str
    doc: str
    spec_invariant: str | None


@dataclass(frozen=True)
class Catalogue:
    """What the proofs cover: events with the spec transitions they stand for, and families."""

    covered: dict[str, tuple[str, ...]]
    families: tuple[Family, ...]

    def events_for(self, transition: str) -> list[str]:
        """The encoded events whose obligations cover spec transition ``transition``."""
        return [event for event, names in self.covered.items() if transition in names]

    def families_for(self, invariant: str) -> list[Family]:
        """The proof families that state spec invariant ``invariant``."""
        return [f for f in self.families if f.spec_invariant == invariant]


def _spec_invariant(name: str, doc: str, spec_invariants: list[str]) -> str | None:
    if name in spec_invariants:
        return name
    first = re.match(r"[A-Za-z_][A-Za-z0-9_]*", doc)
    return first.group(0) if first and first.group(0) in spec_invariants else None


def catalogue(spec_invariants: list[str]) -> Catalogue:
    """The proofs' coverage, read from ``mlk.proofs``; :class:`DocsError` when it is missing."""
    try:
        cat = importlib.import_module("mlk.proofs.catalogue")
        invs = importlib.import_module("mlk.proofs.invariants")
    except Exception as exc:
        raise DocsError(
            f"cannot import the proofs' catalogue (mlk.proofs.catalogue, mlk.proofs.invariants): {exc}"
        ) from exc
    covered = getattr(cat, "COVERED_TRANSITIONS", None)
    families = getattr(invs, "INVARIANTS", None)
    if not isinstance(covered, dict) or families is None:
        raise DocsError(
            "mlk.proofs.catalogue.COVERED_TRANSITIONS (event -> spec transitions) or "
            "mlk.proofs.invariants.INVARIANTS (the families) is missing"
        )
    fams = tuple(
        Family(str(f.name), str(f.doc), _spec_invariant(str(f.name), str(f.doc), spec_invariants)) for f in families
    )
    return Catalogue({str(k): tuple(str(n) for n in v) for k, v in covered.items()}, fams)


def _outcome(data: object, path: Path) -> Outcome:
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise DocsError(f"{path}: an obligation is not an object with a name: {data!r}")
    status = data.get("status")
    seconds = data.get("seconds")
    if status not in STATUSES or not isinstance(seconds, int | float):
        raise DocsError(f"{path}: obligation {data['name']} has status {status!r}, seconds {seconds!r}")
    detail = data.get("conjunct") if status == "refuted" else data.get("reason")
    return Outcome(data["name"], str(status), float(seconds), str(detail or ""))


def read(path: Path | None) -> ProofRun | None:
    """The report at ``path``; ``None`` when no path is given or no file is there.

    A file that is there but is not a report is an error (:class:`DocsError`)."""
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except ValueError as exc:
        raise DocsError(f"{path}: not a JSON proof report: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("obligations"), list):
        raise DocsError(f"{path}: a proof report is a JSON object with an 'obligations' list")
    wall = data.get("wall_seconds")
    return ProofRun(
        path,
        tuple(_outcome(o, path) for o in data["obligations"]),
        str(data.get("z3", "unknown")),
        str(data.get("spec_digest", "")),
        float(wall) if isinstance(wall, int | float) else None,
    )


def for_transition(run: ProofRun, cat: Catalogue, transition: str) -> list[Outcome]:
    """The obligations about spec transition ``transition`` (through the events covering it)."""
    events = set(cat.events_for(transition))
    return [o for o in run.outcomes if len(o.parts) >= 3 and o.parts[1] in events]


def for_family(run: ProofRun, family: str) -> list[Outcome]:
    """The obligations whose property is proof family ``family``."""
    return [o for o in run.outcomes if o.parts[-1] == family]
