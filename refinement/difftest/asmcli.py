"""``mlk difftest --mode asm``: generated assembly programs (:mod:`mlk.refinement.difftest.asmrun`).

The same options as the interpreter mode: ``--examples N --seed S`` searches (a failure is shrunk,
printed with its replay command and saved to the asm corpus, exit status 1), ``--replay FILE|DIR``
runs saved programs, ``--mutant NAME`` searches a kernel mutant instead (exit 0 when found; the
shrunk program goes to ``WORK/asm/mutant/corpus``, replayed with ``--mutant NAME``); the
spec coverage of the checked runs is printed after a search. :data:`MUTANTS` are bugs only this
mode's register-level checks see.
"""

from __future__ import annotations

import argparse
import functools
from pathlib import Path

from mlk.refinement import mutants
from mlk.refinement.difftest import asmgen, asmprog, asmrun, corpus, search
from mlk.refinement.difftest.asmprog import AsmProgram
from mlk.refinement.difftest.run import Result
from mlk.refinement.difftest.speccov import SpecCoverage

#: Kernel mutants whose bug shows in registers and fault reports that the refinement check takes
#: as the spec's inputs: this mode finds them (a test), the built-in scenarios need not.
MUTANTS = {
    m.name: m
    for m in (
        mutants.Mutant("restore-x22-x23-swapped", "returning to a thread swaps its x22 and x23",
                       "macros.S", "    ldp x22, x23, [x0, #CTX_X22]", "    ldp x23, x22, [x0, #CTX_X22]"),
        mutants.Mutant("fault-address-dropped", "a data or instruction abort reports the fault address as 0",
                       "fault.S", "    mrs x2, far_el1\n", "    mov x2, #0\n"),
    )
}  # fmt: skip


def main(args: argparse.Namespace, files: list[Path]) -> int:
    """Run ``mlk difftest --mode asm`` with the parsed options (``files``: the corpus entries
    ``--replay`` names)."""
    work: Path = args.work / "asm"
    if args.mutant is not None:
        mutant = MUTANTS.get(args.mutant) or mutants.BY_NAME[args.mutant]
        session = asmrun.AsmSession(work / "mutant", source_dir=mutants.apply(mutant, work / "mutant" / "asm"))
    else:
        session = asmrun.AsmSession(work)
    if args.replay is not None:
        command = functools.partial(corpus.replay_command, asm=True, mutant=args.mutant)
        return corpus.replay(session, files, asmprog.from_json, command)
    exclude = asmgen.SELF_CHECKED if args.gaps else asmgen.EXCLUDE
    cov = SpecCoverage()
    stats = search.Stats()

    def record(_program: AsmProgram, result: Result) -> None:
        if result.trace is not None and result.initial is not None:
            cov.add(result.trace, result.initial)

    failure = asmrun.run_search(session, args.examples, args.seed, exclude=exclude, stats=stats, on_result=record)
    print(stats.line())
    print(f"  {session.builds} kernel builds, {session.build_seconds / max(session.builds, 1):.2f} s each")
    if stats.gap_failures:
        print(f"{stats.gap_failures} failing runs reached a kernel gap the search excludes: not reported")
    cov.report(args.coverage_json)
    if failure is None:
        print(f"no failure in {args.examples} programs (seed {args.seed})")
        return 0
    return corpus.keep(args, failure.program, failure.result.outcome,
                       lambda where, origin: asmrun.save(failure, where, origin), work=work,
                       corpus_dir=asmrun.CORPUS_DIR, asm=True)  # fmt: skip
