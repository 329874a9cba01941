"""Saved difftest programs: a corpus entry that cannot be read is named with its cause, and the
entries that can still run (:mod:`mlk.refinement.difftest.corpus`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from mlk.cli import main
from mlk.refinement import report
from mlk.refinement.difftest import asmprog, corpus
from mlk.refinement.difftest.program import STEP_REGS, Op, Program, Step, Thread, from_json
from mlk.refinement.difftest.run import Result

GOOD = Program((Thread(3, (Step(Op.SYSCALL, (0,) * STEP_REGS),)),))


class Recording:
    """A session that runs nothing: it records the programs it is given and passes them."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.ran: list[tuple[Program, str]] = []

    def run(self, program: Program, name: str, replay: str, *, keep: Path | None = None) -> Result:
        self.ran.append((program, replay))
        return Result(report.Outcome(name, None, transitions=1, records=1), None, None)


def _entry(path: Path, program: object) -> Path:
    path.write_text(json.dumps({"name": path.stem, "found_by": "a test", "program": program}))
    return path


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ('{"program": {"threads": [', ":1:"),  # not JSON: the line and column
        ('["a list"]', 'no "program" object'),
        ('{"program": {"thread": []}}', "malformed program: 'threads' is missing or unknown"),
        (
            '{"program": {"threads": [{"priority": 3, "steps": [["no_such_step", 1]]}]}}',
            "'NO_SUCH_STEP' is missing or unknown",
        ),
        ('{"program": {"threads": [{"priority": "high", "steps": []}]}}', "ValueError"),
    ],
)
def test_a_malformed_entry_is_named_with_its_cause(tmp_path: Path, text: str, cause: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    with pytest.raises(corpus.CorpusError) as err:
        corpus.read(bad, from_json)
    assert str(bad) in str(err.value) and cause in str(err.value), err.value


def test_an_assembly_entry_in_the_wrong_form_is_named(tmp_path: Path) -> None:
    entry = _entry(tmp_path / "interp.json", GOOD.to_json())
    with pytest.raises(corpus.CorpusError, match=r"interp\.json: malformed program"):
        corpus.read(entry, asmprog.from_json)


def test_replay_runs_every_readable_entry_and_reports_the_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _entry(tmp_path / "a-1.json", GOOD.to_json())
    (tmp_path / "b-1.json").write_text("{")
    last = _entry(tmp_path / "c-1.json", GOOD.to_json())
    session = Recording(tmp_path / "work")
    status = corpus.replay(session, corpus.entries(tmp_path), from_json, corpus.replay_command)
    out = capsys.readouterr().out
    assert status == 2, out
    assert [r for _p, r in session.ran] == [corpus.replay_command(first), corpus.replay_command(last)]
    assert all(p == GOOD for p, _r in session.ran)
    assert f"error: {tmp_path / 'b-1.json'}:1:2: not JSON" in out, out


def test_write_never_overwrites_an_entry(tmp_path: Path) -> None:
    paths = [corpus.write(tmp_path, "Yield-Registers", lambda name: {"name": name, "program": GOOD.to_json()})
             for _ in range(3)]  # fmt: skip
    assert [p.name for p in paths] == ["yield-registers-1.json", "yield-registers-2.json", "yield-registers-3.json"]
    assert [corpus.read(p, from_json)[0]["name"] for p in paths] == [p.stem for p in paths]
    assert all(corpus.read(p, from_json)[1] == GOOD for p in paths)


def test_replay_commands_name_the_mode_and_the_mutant() -> None:
    assert corpus.replay_command("x.json") == "mlk difftest --replay x.json"
    assert corpus.replay_command("x.json", asm=True, mutant="m") == "mlk difftest --mode asm --replay x.json --mutant m"


@pytest.mark.parametrize("mode", [[], ["--mode", "asm"]])
def test_the_command_exits_2_naming_a_missing_or_empty_corpus(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: list[str]
) -> None:
    missing = tmp_path / "nowhere.json"
    assert main(["difftest", *mode, "--work", str(tmp_path / "w"), "--replay", str(missing)]) == 2
    assert f"{missing}: no such file or directory" in capsys.readouterr().out
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["difftest", *mode, "--work", str(tmp_path / "w"), "--replay", str(empty)]) == 2
    assert "no *.json entries" in capsys.readouterr().out
    assert not (tmp_path / "w").exists(), "nothing is built for a corpus that cannot be read"


@pytest.mark.parametrize(
    ("mutant", "asm", "corpus_given", "status", "saved_under", "origin", "replay"),
    [
        (None, False, False, 1, "corpus", "mlk difftest --focus yield --examples 5 --seed 7",
         "mlk difftest --replay {path}"),
        ("m", False, False, 0, "work/mutant/corpus", "mlk difftest --mutant m --focus yield --examples 5 --seed 7",
         "mlk difftest --replay {path} --mutant m"),
        ("m", True, True, 0, "given", "mlk difftest --mode asm --mutant m --focus yield --examples 5 --seed 7",
         "mlk difftest --mode asm --replay {path} --mutant m"),
    ],
)  # fmt: skip
def test_a_search_failure_is_kept_where_its_kind_belongs(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    mutant: str | None,
    asm: bool,
    corpus_given: bool,
    status: int,
    saved_under: str,
    origin: str,
    replay: str,
) -> None:
    """A kernel failure goes to the regression corpus, a mutant's to the work directory, both to
    ``--corpus`` when it names a place; the origin and the printed replay command name the mode
    and the mutant; a mutant found is a success."""
    args = argparse.Namespace(mutant=mutant, examples=5, seed=7,
                              corpus=tmp_path / "given" if corpus_given else corpus.CORPUS_DIR)  # fmt: skip
    saved: list[tuple[Path, str]] = []

    def save(where: Path, found_by: str) -> Path:
        saved.append((where, found_by))
        return where / "yield-registers-1.json"

    outcome = report.Outcome("p", None, divergence=None, error="QemuTimeout", message="no answer")
    kept = corpus.keep(args, GOOD, outcome, save, work=tmp_path / "work", corpus_dir=tmp_path / "corpus", asm=asm,
                       options=" --focus yield", about=" (yield)")  # fmt: skip
    assert kept == status
    assert saved == [(tmp_path / saved_under, origin)]
    out = capsys.readouterr().out
    path = tmp_path / saved_under / "yield-registers-1.json"
    header = f"mutant {mutant} found" if mutant else "FAILURE"
    lines = [
        f"{header} (yield): ERROR     p: QemuTimeout: no answer",
        GOOD.render(),
        "no answer",
        f"saved to {path}",
        "replay: " + replay.format(path=path),
    ]
    assert out == "\n".join(lines) + "\n", out
