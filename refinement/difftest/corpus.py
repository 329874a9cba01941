"""Saved difftest programs: writing a failure to a corpus, reading entries back, replaying them.

A corpus entry is one JSON object in a file ``<stem>-<n>.json``: ``name`` (the stem and number),
``found_by`` (the command whose search found it), ``failure`` and ``summary`` (how it failed),
and ``program`` (the program in its mode's JSON form: :meth:`Program.to_json
<mlk.refinement.difftest.program.Program.to_json>` or :meth:`AsmProgram.to_json
<mlk.refinement.difftest.asmprog.AsmProgram.to_json>`). Both modes of ``mlk difftest`` share this
module; only the program form differs.

A file that cannot be read as an entry raises :class:`CorpusError`, which names the file and the
cause (``mlk difftest --replay`` prints it and exits with status 2, after replaying every entry it
could read).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

from mlk.refinement import report
from mlk.refinement.difftest.run import Result

P = TypeVar("P")
P_contra = TypeVar("P_contra", contravariant=True)


#: The regression corpus: every failure found, replayed by the test suite.
CORPUS_DIR = Path(__file__).resolve().parents[2] / "tests" / "corpus" / "difftest"


class CorpusError(Exception):
    """A corpus entry that cannot be read (the message names the file and the cause)."""


def write(corpus: Path, stem: str, entry: Callable[[str], dict[str, Any]]) -> Path:
    """Write ``entry(name)`` to the first free ``corpus/<stem>-<n>.json`` (``name`` is that file's
    stem; ``n`` counts from 1, so an earlier entry is never overwritten); the path."""
    corpus.mkdir(parents=True, exist_ok=True)
    stem = stem.lower()
    n = 1
    while (corpus / f"{stem}-{n}.json").exists():
        n += 1
    path = corpus / f"{stem}-{n}.json"
    path.write_text(json.dumps(entry(path.stem), indent=1) + "\n")
    return path


def read(path: Path, parse: Callable[[dict[str, Any]], P]) -> tuple[dict[str, Any], P]:
    """The entry at ``path`` and its program, read by ``parse`` from the entry's ``program``.
    Raises :class:`CorpusError` when the file is missing, is not JSON, has no ``program`` object
    or holds a program ``parse`` rejects (a missing field, an unknown step kind, a non-number)."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("program"), dict):
        raise CorpusError(f'{path}: not a corpus entry: no "program" object')
    try:
        return data, parse(data["program"])
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        cause = f"{exc} is missing or unknown" if isinstance(exc, KeyError) else f"{type(exc).__name__}: {exc}"
        raise CorpusError(f"{path}: malformed program: {cause}") from exc


def entries(path: Path) -> list[Path]:
    """The entries ``path`` names: the file itself, or a directory's ``*.json`` files in name
    order. Raises :class:`CorpusError` when there is nothing at ``path`` or the directory has no
    entry."""
    if path.is_dir():
        files = sorted(path.glob("*.json"))
        if not files:
            raise CorpusError(f"{path}: no *.json entries in this directory")
        return files
    if not path.exists():
        raise CorpusError(f"{path}: no such file or directory")
    return [path]


def replay_command(path: Path | str, *, asm: bool = False, mutant: str | None = None) -> str:
    """The one-line command that replays a saved program (an assembly program when ``asm``; on
    the kernel mutant ``mutant``, when it was found against one)."""
    mode = " --mode asm" if asm else ""
    return f"mlk difftest{mode} --replay {path}" + (f" --mutant {mutant}" if mutant is not None else "")


class Runs(Protocol[P_contra]):
    """A session that runs a program (:class:`mlk.refinement.difftest.run.Session`,
    :class:`mlk.refinement.difftest.asmrun.AsmSession`)."""

    work: Path

    def run(self, program: P_contra, name: str, replay: str, *, keep: Path | None = None) -> Result:
        """Run ``program``, check it, label the outcome with ``name`` and ``replay``."""
        ...


class Renders(Protocol):
    """A program that prints itself."""

    def render(self) -> str:
        """The program, readable."""
        ...


R = TypeVar("R", bound=Renders)


def replay(
    session: Runs[R],
    files: Sequence[Path],
    parse: Callable[[dict[str, Any]], R],
    command: Callable[[Path], str],
    explain: Callable[[Result], str | None] = lambda _result: None,
) -> int:
    """Run every saved program of ``files`` (each labelled with its ``command``); print each
    outcome, and a failing one's program and divergence (and ``explain``'s note, when it has
    one). The status: 0 when every entry passes, 1 when one fails, 2 when one cannot be read
    (its error is printed and the others still run)."""
    status = 0
    for file in files:
        try:
            _data, program = read(file, parse)
        except CorpusError as exc:
            print(f"error: {exc}")
            status = 2
            continue
        result = session.run(program, file.stem, command(file), keep=session.work / "replay" / file.stem)
        print(result.outcome.summary())
        if not result.outcome.passed:
            status = max(status, 1)
            print(program.render())
            print(result.outcome.divergence.render() if result.outcome.divergence else result.outcome.message)
            note = explain(result)
            if note is not None:
                print(note)
    return status


def keep(
    args: argparse.Namespace,
    program: Renders,
    outcome: report.Outcome,
    save: Callable[[Path, str], Path],
    *,
    work: Path,
    corpus_dir: Path,
    asm: bool = False,
    options: str = "",
    about: str = "",
) -> int:
    """Save the failure a search of ``mlk difftest`` (options ``args``) found, ``program`` with
    ``outcome``, by ``save(directory, origin)``, and print it with its replay command; the exit
    status: 0 when a kernel mutant was searched (it was to be found), 1 for a failure of the
    kernel. A kernel failure goes to ``corpus_dir`` (the regression corpus the suite replays), a
    mutant's to ``work/mutant/corpus`` (it is no kernel bug), unless ``--corpus`` names a place.
    The origin names the command that found it (``options``: the search options it names
    besides the count and the seed); ``about`` follows the header."""
    mode = " --mode asm" if asm else ""
    flag = f" --mutant {args.mutant}" if args.mutant is not None else ""
    default = work / "mutant" / "corpus" if args.mutant is not None else corpus_dir
    where = default if args.corpus == CORPUS_DIR else args.corpus
    path = save(where, f"mlk difftest{mode}{flag}{options} --examples {args.examples} --seed {args.seed}")
    header = f"mutant {args.mutant} found" if args.mutant is not None else "FAILURE"
    print(f"{header}{about}: {outcome.summary()}")
    print(program.render())
    print(outcome.divergence.render() if outcome.divergence else outcome.message)
    print(f"saved to {path}")
    print(f"replay: {replay_command(path, asm=asm, mutant=args.mutant)}")
    return 0 if args.mutant is not None else 1
