"""The record of how an earlier run proved each obligation (``proofs/hints.json``): hints.

For each obligation proved: the solver steps it took and, for each goal, the label of the attempt
that proved it (:data:`mlk.proofs.discharge.GOAL`). A run uses the record in two ways, neither of
which changes what is proved:

* **order of attempts**: a goal's recorded attempt is made first; the goal skips the attempts that
  failed before it in the earlier run (most of the prover time of a cold run without the record:
  under a goal's own family alone, 0.5 million steps fail for about a third of the goals). If the
  recorded attempt does not answer *unsat* now (the encoding or the record changed), the goal
  goes through the whole sequence of attempts, as without a record. The proof is the *unsat*
  answer of this run, never the record;
* **order of obligations**: the runner starts the costliest (most recorded steps) first, and
  obligations without a record before all others, so that no long obligation is left alone at
  the end of a parallel run.

``mlk-prove --write-hints`` writes the record from a run's outcomes (cached outcomes keep their
entry); ``--no-hints`` ignores it. The file has one line per obligation, so that a change shows
as a readable diff.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlk.proofs.obligation import Obligation, Outcome, Status

#: The committed record.
PATH = Path(__file__).with_name("hints.json")


class HintsError(Exception):
    """The record cannot be read: its path and the cause."""


@dataclass(frozen=True)
class Hint:
    """How one obligation was proved: its solver ``steps`` and the label of the attempt that
    proved each goal (``proofs``, empty for an obligation proved without the solver)."""

    steps: int
    proofs: Mapping[str, str]


def load(path: Path = PATH) -> dict[str, Hint]:
    """The record at ``path`` (empty when there is no file); :class:`HintsError` when it is not
    a record."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise HintsError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise HintsError(f"{path}: not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise HintsError(f"{path}: not a JSON object of obligations")
    record = {}
    for name, entry in data.items():
        steps = entry.get("steps") if isinstance(entry, dict) else None
        proofs = entry.get("proofs") if isinstance(entry, dict) else None
        if not (
            isinstance(steps, int)
            and isinstance(proofs, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in proofs.items())
        ):
            raise HintsError(f"{path}: entry {name!r}: expected {{'steps': int, 'proofs': {{goal: label}}}}")
        record[name] = Hint(steps, proofs)
    return record


def updated(record: Mapping[str, Hint], outcomes: Iterable[Outcome]) -> dict[str, Hint]:
    """``record`` with the entries of the fresh outcomes: a proved obligation's steps and
    proofs; an obligation not proved loses its entry; a cached outcome leaves its entry as it is."""
    result = dict(record)
    for o in outcomes:
        if o.cached:
            continue
        if o.status == Status.PROVED:
            result[o.name] = Hint(o.steps, dict(o.proofs))
        else:
            result.pop(o.name, None)
    return result


def save(record: Mapping[str, Hint], path: Path = PATH) -> None:
    """Write ``record`` to ``path``, one obligation per line, sorted by name."""
    lines = [
        f"{json.dumps(name)}: {json.dumps({'steps': h.steps, 'proofs': dict(sorted(h.proofs.items()))})}"
        for name, h in sorted(record.items())
    ]
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n")


def costliest_first(obligations: Sequence[Obligation], record: Mapping[str, Hint]) -> list[Obligation]:
    """``obligations`` in the order to start them: those without a record first (their cost is
    not known), then by recorded steps, most first; ties keep their order."""
    return sorted(obligations, key=lambda o: (1, -record[o.name].steps) if o.name in record else (0, 0))
