"""``mlk difftest``: generated programs against the spec (see ``refinement/README.md``).

``mlk difftest --examples N --seed S`` searches; a failure is shrunk, printed with its replay
command and saved to the corpus; exit status 1. ``--replay FILE`` runs one saved program (or
every program of a directory) and reports each. After a search the spec coverage of the checked
runs is printed. ``--mutant NAME`` searches a kernel mutant instead and exits 0 when it is found.
"""

from __future__ import annotations

import argparse
import functools
from pathlib import Path

from mlk.refinement import mutants
from mlk.refinement.difftest import answers, asmcli, corpus, gen, search, sites
from mlk.refinement.difftest.program import Program, from_json
from mlk.refinement.difftest.run import Result, Session, mutant_session
from mlk.refinement.difftest.speccov import SpecCoverage
from mlk.seeding import forget_project_constants

#: Where sessions build and run by default.
WORK_DIR = Path("build") / "difftest"


def parser() -> argparse.ArgumentParser:
    """The options of ``mlk difftest``."""
    p = argparse.ArgumentParser(prog="mlk difftest", description=__doc__.split("\n\n")[0])
    p.add_argument("--examples", type=int, default=200, metavar="N", help="programs to try (default 200)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="the search's seed (default 0)")
    p.add_argument("--max-steps", type=int, default=gen.MAX_STEPS, metavar="K", help="steps per thread at most")
    p.add_argument("--focus", metavar="TARGET", type=_focus,
                   help="make every program favour this transition, or this answer of an invocation "
                   "(cnode_move:REVOKE_FIRST), or an error check of the spec (site:check_size:RANGE_ERROR#2); the "
                   "names the coverage report gives; default: each program draws one")
    p.add_argument("--gaps", action="store_true",
                   help="also draw the transitions the kernel does not implement yet (KERNEL_GAPS)")  # fmt: skip
    p.add_argument("--replay", type=Path, metavar="FILE", help="run a saved program (or a directory of them)")
    p.add_argument("--corpus", type=Path, default=corpus.CORPUS_DIR, help="where failures are saved")
    p.add_argument("--mode", choices=("interp", "asm"), default="interp",
                   help="interp: scripts for the EL0 interpreter, one build per session (default); asm: generated "
                   "assembly, one guarded keystone build per batch of programs, with register-level and fault-report "
                   "checks")
    p.add_argument("--mutant", metavar="NAME", choices=sorted({*mutants.BY_NAME, *asmcli.MUTANTS}),
                   help="test a kernel mutant (mlk.refinement.mutants) instead: shows the search finds it (exit 0); "
                   "the shrunk program goes to WORK/mutant/corpus (replay: --mutant NAME --replay FILE)")  # fmt: skip
    p.add_argument("--coverage-json", type=Path, metavar="FILE",
                   help="also write the spec coverage of the search's runs to FILE as JSON")
    p.add_argument("--work", type=Path, default=WORK_DIR, help=f"build and run directory (default {WORK_DIR})")
    return p


def _focus(text: str) -> str:
    """A ``--focus`` value: a transition a program can favour (:data:`.gen.FOCUSABLE`), or an
    invocation and one of its answers (a device interrupt and one of its outcomes), or an error
    check of the spec (``site:function:ERROR``, :func:`.sites.by_target`)."""
    if text.startswith("site:"):
        if text not in sites.by_target():
            raise argparse.ArgumentTypeError(f"{text!r} is no error check of the spec (sites: "
                                             f"{', '.join(sites.by_target())})")  # fmt: skip
        if not sites.transitions(sites.by_target()[text]):
            raise argparse.ArgumentTypeError(f"no invocation reaches {text!r} by itself")
        return text
    name, want = gen.split_focus(text)
    if name not in gen.FOCUSABLE:
        raise argparse.ArgumentTypeError(f"{name!r} is no transition a program can favour (gen.FOCUSABLE: "
                                         f"{', '.join(sorted(gen.FOCUSABLE))})")  # fmt: skip
    possible = list(answers.possible_answers().get(name, ()))
    if want is not None and want not in possible:
        raise argparse.ArgumentTypeError(f"{name} answers {', '.join(possible) or 'nothing'}, not {want!r}")
    return text


def _gap_note(result: Result) -> str | None:
    """Why a replayed failure is expected: it reached a transition the kernel does not implement."""
    gaps = search.expected_failure(result, gen.KERNEL_GAPS)
    return f"(expected while the kernel does not implement {', '.join(sorted(gaps))})" if gaps else None


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``mlk difftest``."""
    args = parser().parse_args(argv)
    forget_project_constants()  # a seed then draws the same programs here as in the test suite
    try:
        files = corpus.entries(args.replay) if args.replay is not None else []
    except corpus.CorpusError as exc:
        print(f"mlk difftest: {exc}")
        return 2
    if args.mode == "asm":
        return asmcli.main(args, files)
    if args.mutant in asmcli.MUTANTS:
        print(f"mlk difftest: mutant {args.mutant} is for --mode asm")
        return 2
    if args.mutant is not None:
        session = mutant_session(mutants.BY_NAME[args.mutant], args.work / "mutant")
    else:
        session = Session(args.work)
    if args.replay is not None:
        command = functools.partial(corpus.replay_command, mutant=args.mutant)
        return corpus.replay(session, files, from_json, command, _gap_note)
    exclude = frozenset() if args.gaps else gen.KERNEL_GAPS
    cov = SpecCoverage()
    stats = search.Stats()

    def record(_program: Program, result: Result) -> None:
        if result.trace is not None and result.initial is not None:
            cov.add(result.trace, result.initial)

    failure = search.search(session, args.examples, args.seed, exclude=exclude, stats=stats,
                            max_steps=args.max_steps, on_result=record, focus=args.focus)  # fmt: skip
    print(stats.line())
    if stats.gap_failures:
        print(f"{stats.gap_failures} failing runs reached a kernel gap the search excludes: not reported")
    cov.report(args.coverage_json)
    if failure is None:
        print(f"no failure in {args.examples} programs (seed {args.seed})")
        return 0
    return corpus.keep(args, failure.program, failure.result.outcome,
                       lambda where, origin: search.save(failure, where, origin), work=args.work,
                       corpus_dir=corpus.CORPUS_DIR, options=f" --focus {args.focus}" if args.focus is not None else "",
                       about=f" ({failure.transition or 'no transition'})")  # fmt: skip
