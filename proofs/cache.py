"""The result cache.

A definitive outcome (proved or refuted) depends only on the spec, on the proofs and on the Z3
version, so it is stored under a key hashing the source of ``model/`` and ``proofs/`` and the Z3
version (plus the mutant, when one is applied). Unknown outcomes are never cached: a later run,
perhaps with a longer time limit, tries again. The cache is one JSON file per key in the cache
directory (by default ``.mlk-cache/proofs`` under the current directory).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from mlk import model as _model
from mlk import proofs as _proofs
from mlk.proofs.obligation import Outcome, Status
from mlk.proofs.terms import z3_version

DEFAULT_DIR = Path(".mlk-cache") / "proofs"


def source_digest() -> str:
    """sha256 over every Python source of the spec and of the proofs, and the Z3 version."""
    digest = hashlib.sha256(z3_version().encode())
    for package in (_model, _proofs):
        root = Path(next(iter(package.__path__))).resolve()
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


class Cache:
    """Definitive outcomes for one key, loaded from and saved to ``directory``."""

    def __init__(self, directory: Path, key: str) -> None:
        self.path = directory / f"{key}.json"
        self.entries: dict[str, dict[str, object]] = {}
        try:
            data = json.loads(self.path.read_text())
            if isinstance(data, dict):
                self.entries = data
        except (OSError, ValueError):
            pass

    def get(self, name: str) -> Outcome | None:
        """The cached outcome of obligation ``name``, marked as cached."""
        data = self.entries.get(name)
        if data is None:
            return None
        outcome = Outcome.from_json(data)
        outcome.cached = True
        return outcome

    def put(self, outcome: Outcome) -> None:
        """Remember ``outcome`` if it is definitive."""
        if outcome.status != Status.UNKNOWN and not outcome.cached:
            self.entries[outcome.name] = outcome.to_json()

    def save(self) -> None:
        """Write the cache atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.entries, indent=1, sort_keys=True))
        tmp.replace(self.path)
