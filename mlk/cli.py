"""The ``mlk`` command.

Subcommands: ``build`` (assemble the kernel with the guarded keystone build), ``run`` (boot it in
QEMU), ``refine`` (check that kernel traces are behaviours of the spec), ``trace`` (convert a trace
stream to JSON lines or a Perfetto timeline), ``prove`` (the Z3 proofs of the spec, the same as
``mlk-prove``), ``difftest`` (generated programs run on the kernel and checked against the spec),
``docs`` (build the spec browser) and ``bench`` (print the figures of a benchmark).

Exit status: 0 on success; for ``run``, the guest's status; 1 for a build error; 2 for a usage
error; 124 when the guest was killed at its time limit; 127 when QEMU is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from mlk import qemu
from mlk.abi import asm as abi_asm
from mlk.abi import services
from mlk.abi.trace import MACHINE_FIELDS, RecordType
from mlk.kernel_aarch64 import build as kbuild
from mlk.kernel_aarch64 import config as kconfig
from mlk.kernel_aarch64 import routines
from mlk.kernel_aarch64.diagnostics import BuildError
from mlk.refinement import (
    capture,
    checker,
    container,
    export,
    ipcflow,
    mutants,
    offline,
    report,
    scenarios,
    tracefile,
)

#: The kernel's report of the instructions it ran from reset to the root task's first instruction
#: (counted by the PMU; exact only under ``--deterministic``, i.e. ``-icount``).
BOOT_COUNT = re.compile(rb"\[mlk\] boot: (\d+) instructions from reset to the root task's first instruction")

BUILD_ERROR_STATUS = 1
USAGE_STATUS = 2


def _count(text: str) -> int:
    """A non-negative integer option value."""
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def _config_pair(text: str) -> tuple[str, int]:
    key, eq, value = text.partition("=")
    if not eq:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key.strip().upper(), int(value, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"value of {key} must be an integer, got {value!r}") from None


def _add_build_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=Path("build"), help="output directory (default: build)")
    p.add_argument(
        "--config",
        type=_config_pair,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"build configuration switch, repeatable (keys: {', '.join(kconfig.DEFAULTS)})",
    )


def _stamp(overrides: dict[str, int]) -> str:
    """A hash of everything a build depends on: sources, ABI, configuration, build code."""
    digest = hashlib.sha256(abi_asm.render().encode())
    digest.update(repr(sorted(overrides.items())).encode())
    for directory, pattern in ((kbuild.SOURCE_DIR, "**/*.S"), (Path(kbuild.__file__).parent, "*.py")):
        for path in sorted(directory.glob(pattern)):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _build(out: Path, overrides: dict[str, int], *, only_if_stale: bool) -> kbuild.BuildResult | None:
    stamp_file = out / "stamp"
    stamp = _stamp(overrides)
    if only_if_stale and stamp_file.is_file() and stamp_file.read_text() == stamp and (out / "kernel.elf").is_file():
        return None
    result = kbuild.build(out, overrides=overrides)
    stamp_file.write_text(stamp)
    return result


def cmd_build(args: argparse.Namespace) -> int:
    """``mlk build``: build the kernel and print its size and build id."""
    try:
        result = _build(args.out, dict(args.config), only_if_stale=False)
    except BuildError as exc:
        print(f"mlk build: error: {exc}", file=sys.stderr)
        return BUILD_ERROR_STATUS
    assert result is not None
    print(
        f"built {result.elf} ({result.size} bytes image, build id {result.build_id}, "
        f"{result.pcrel_checked} PC-relative references cross-checked)"
    )
    return 0


def _console_input(debugging: bool) -> dict[str, Any]:
    """Where ``mlk run`` takes the guest console's input from: nothing under a debugger; a terminal
    as it is (QEMU puts it in raw mode, so Ctrl-D arrives as the byte END_OF_INPUT); any other
    standard input (a pipe, a file, /dev/null) byte for byte, then END_OF_INPUT, as a terminal's
    Ctrl-D would end it."""
    if debugging:
        return {"stdin": subprocess.DEVNULL}
    try:
        terminal = sys.stdin.isatty()
    except (AttributeError, ValueError):
        return {"stdin": subprocess.DEVNULL}
    if terminal:
        return {"stdin": None}
    return {"console_input": sys.stdin.buffer, "input_end": bytes([services.END_OF_INPUT])}


def cmd_run(args: argparse.Namespace) -> int:
    """``mlk run``: build when needed, boot in QEMU, exit with the guest's status."""
    try:
        result = _build(args.out, dict(args.config), only_if_stale=True)
    except BuildError as exc:
        print(f"mlk run: build error: {exc}", file=sys.stderr)
        return BUILD_ERROR_STATUS
    if result is not None:
        print(f"built {result.elf} (build id {result.build_id})", file=sys.stderr)
    opts = qemu.QemuOptions(
        kernel=args.out / "kernel.elf", deterministic=args.deterministic, gdb_port=args.gdb, el2=args.el2
    )
    if args.gdb is not None:
        print(
            f"QEMU waits for a debugger: gdb-multiarch {opts.kernel} -ex 'target remote :{args.gdb}'",
            file=sys.stderr,
        )
    log = args.out / "console.log"
    try:
        run = qemu.run(opts, timeout=args.timeout, console_log=log, **_console_input(args.gdb is not None))
    except qemu.QemuMissing as exc:
        print(f"mlk run: {exc}", file=sys.stderr)
        return qemu.MISSING_QEMU_STATUS
    if run.timed_out:
        print(
            f"\nmlk run: the guest did not stop within {args.timeout:g} s and was killed; "
            f"console output so far is kept in {log}",
            file=sys.stderr,
        )
        return qemu.TIMEOUT_STATUS
    if args.deterministic:
        count = BOOT_COUNT.search(run.console)
        if count is not None:
            print(f"mlk run: {int(count.group(1))} instructions from reset to the root task's first instruction",
                  file=sys.stderr)  # fmt: skip
    if run.status != 0:
        print(f"\nmlk run: the guest stopped with status {run.status} (console output in {log})", file=sys.stderr)
    return run.status


def cmd_trace(args: argparse.Namespace) -> int:
    """``mlk trace``: convert a trace stream; a damaged stream is converted up to the damage, the
    damage is reported, and the exit status is 1."""
    try:
        data, found = container.load(args.file)
    except OSError as exc:
        print(f"mlk trace: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 1
    except container.ContainerError as exc:
        print(f"mlk trace: {args.file}: {exc}", file=sys.stderr)
        return 1
    records: list[tracefile.Record] = []
    error: tracefile.TraceError | None = None
    try:
        records.extend(tracefile.scan(data))
    except tracefile.TraceError as exc:
        error = exc
    suffix = ".jsonl" if args.format == "jsonl" else ".perfetto.json"
    out: Path = args.output or args.file.with_name(args.file.name + suffix)
    if args.format == "jsonl":
        out.write_text(export.to_jsonl(records))
    else:
        messages, stopped = _messages(records, found)
        out.write_text(json.dumps(export.to_perfetto(records, messages)))
        if stopped is not None:
            print(f"mlk trace: messages from the spec's replay up to record #{stopped}, from the records alone "
                  "after it (the trace is no behaviour of the spec from its boot state from there)", file=sys.stderr)
    print(f"wrote {out} ({len(records)} records)")
    if error is not None:
        print(f"mlk trace: {args.file}: {error}; the records before it were converted", file=sys.stderr)
        return 1
    return 0


def _messages(
    records: list[tracefile.Record], found: container.Container | None
) -> tuple[list[ipcflow.Message], int | None]:
    """The messages of a converted trace: from the spec's replay (from the boot state of the
    trace's machine, with a trace file's boot threads and scenario environment) as far as it
    follows, from the records alone after that."""
    if not records or records[0].kind is not RecordType.BOOT:
        return ipcflow.messages(records, None)
    boot = records[0]
    trace = tracefile.Trace(boot.values[0], boot.values[1], dict(zip(MACHINE_FIELDS, boot.values[2:], strict=True)),
                            tuple(records[1:]))  # fmt: skip
    header = found.header if found is not None else {}
    threads, config = scenarios.described(header)
    try:
        initial = scenarios.initial_state_with(trace, threads)
    except ValueError:  # a machine no spec state fits
        return ipcflow.messages(records, None)
    return ipcflow.messages(records, initial, scenarios.environment(config, threads))


#: The spec function that handles each kind of kernel entry: its kernel routine is the one whose
#: header names it.
EVENT_FUNCTIONS = {
    RecordType.SYSCALL: "kernel.handle_syscall",
    RecordType.TICK: "kernel.tick",
    RecordType.IRQ: "kernel.handle_irq",
    RecordType.FAULT: "kernel.handle_fault",
}


def _routine_of(record: tracefile.Record) -> str | None:
    """The kernel routine that handled an event record (for divergence reports)."""
    found = routines.implementing(EVENT_FUNCTIONS[record.kind], routines.scan())
    return found.where() if found else None


def _replay(paths: list[Path], *, rerun: bool) -> int:
    """``mlk refine --trace FILE --replay-command|--rerun``: how to replay each trace file's run,
    read from the file alone; with ``rerun``, replay it and compare the streams. 0 when every file
    could say (and every rerun gave the same stream), else 1."""
    status = 0
    for path in paths:
        try:
            _, found = container.load(path)
        except (OSError, container.ContainerError) as exc:
            print(f"{path}: cannot read the trace file: {exc}")
            status = 1
            continue
        if found is None:
            print(f"{path}: a bare kernel stream: it records no build id or QEMU command line to replay")
            status = 1
            continue
        print(f"{path}: kernel build {found.header.get('build_id')}")
        for line in found.replay_lines(path):
            print(f"  {line}")
        if rerun:
            try:
                same, how = offline.rerun(found)
            except qemu.QemuMissing as exc:
                same, how = False, str(exc)
            print(f"  rerun: {how}")
            status = status or (0 if same else 1)
    return status


def cmd_refine(args: argparse.Namespace) -> int:
    """``mlk refine``: check traces against the spec; exit 0 only when every trace refines it.

    With ``--trace``, the given trace files; with ``--mutants``, that every kernel mutant is caught;
    otherwise the built-in scenarios (``--scenario``, default all), each built with the trace on,
    run in QEMU under ``--work`` and checked, trace and final kernel memory.
    """
    if args.mutants:
        return mutants.main(args.work / "mutants", names=args.mutant or None)
    if args.replay_command or args.rerun:
        if not args.trace:
            print("mlk refine: --replay-command and --rerun need --trace FILE", file=sys.stderr)
            return USAGE_STATUS
        return _replay(args.trace, rerun=args.rerun)
    build_id = int(args.build_id, 16) if args.build_id else None
    if args.trace:
        outcomes = [
            offline.refine_file(path, build_id=build_id, window=args.window, routine_for=_routine_of)
            for path in args.trace
        ]
    else:
        names = args.scenario or list(scenarios.SCENARIOS)
        schedule = capture.Schedule(args.checkpoint_every, tuple(args.checkpoint_at))
        outcomes = [
            scenarios.refine(name, args.work / name, window=args.window, routine_for=_routine_of, schedule=schedule)
            for name in names
        ]
    for outcome in outcomes:
        print(outcome.summary())
        if outcome.divergence is not None:
            print(outcome.divergence.render())
    report.write(outcomes, args.json, args.junit)
    status = report.exit_status(outcomes)
    print(f"{sum(o.passed for o in outcomes)} of {len(outcomes)} traces refine the spec")
    return status


#: ``mlk bench NAME``: each benchmark's module, which has ``main(argv) -> int``.
BENCHMARKS = {
    "spec": "mlk.model.bench",
    "refine": "mlk.refinement.bench",
    "difftest": "mlk.refinement.difftest.bench",
    "proofs": "mlk.proofs.bench",
    "ipc": "mlk.refinement.ipc_bench",
}


def cmd_bench(args: argparse.Namespace) -> int:
    """``mlk bench NAME [ARGS...]``: run a benchmark script; it prints figures, asserts nothing."""
    module = importlib.import_module(BENCHMARKS[args.name])
    status: int = module.main(args.args)
    return status


def cmd_difftest(args: argparse.Namespace) -> int:
    """``mlk difftest [OPTIONS]``: generated programs against the spec (options: ``mlk difftest -h``)."""
    from mlk.refinement.difftest import cli  # noqa: PLC0415 (Hypothesis loads only when asked)

    status: int = cli.main(args.args)
    return status


def cmd_prove(args: argparse.Namespace) -> int:
    """``mlk prove [OPTIONS]``: the same as ``mlk-prove`` (options: ``mlk prove -h``)."""
    from mlk.proofs import cli  # noqa: PLC0415 (Z3 loads only when proofs run)

    return cli.main(args.args)


def cmd_docs(args: argparse.Namespace) -> int:
    """``mlk docs [OPTIONS]``: build the spec browser (options: ``mlk docs -h``)."""
    from mlk.docsite import command  # noqa: PLC0415 (Sphinx loads only when docs are built)

    return command.main(args.args)


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``mlk``."""
    top = argparse.ArgumentParser(prog="mlk", description="MyLittleKernel: build, run and check the kernel.")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("build", help="assemble the kernel into build/kernel.elf")
    _add_build_options(p)
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("run", help="build when needed and boot the kernel in QEMU")
    _add_build_options(p)
    p.add_argument("--timeout", type=float, default=None, metavar="S", help="kill the guest after S seconds")
    p.add_argument("--deterministic", action="store_true", help="count instructions: -icount shift=0,sleep=off")
    p.add_argument("--gdb", type=int, default=None, metavar="PORT", help="wait for gdb-multiarch on PORT")
    p.add_argument("--el2", action="store_true", help="start the CPU at EL2 (virt,virtualization=on)")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("trace", help="convert a kernel trace stream to JSON lines or a Perfetto timeline")
    p.add_argument("file", type=Path, help="the trace stream (as captured from QEMU or a serial line)")
    p.add_argument("--format", choices=("jsonl", "perfetto"), default="jsonl", help="output format (default jsonl)")
    p.add_argument(
        "-o", "--output", type=Path, default=None, help="output file (default: FILE.jsonl / FILE.perfetto.json)"
    )
    p.set_defaults(func=cmd_trace)
    p = sub.add_parser("refine", help="check that kernel traces are behaviours of the spec")
    p.add_argument(
        "--trace",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a trace file (trace.mlkt: the stream with the run's description, checked as the run was) or a "
        "bare stream captured elsewhere (QEMU, hardware); repeatable",
    )
    p.add_argument(
        "--scenario",
        action="append",
        default=[],
        choices=sorted(scenarios.SCENARIOS),
        help="a built-in scenario to build, run and check (default: all of them); repeatable",
    )
    p.add_argument(
        "--work", type=Path, default=Path("build/refine"), metavar="DIR",
        help="where scenario builds and runs are kept (default build/refine)",
    )  # fmt: skip
    p.add_argument(
        "--checkpoint-every", type=_count, default=scenarios.CHECKPOINT_EVERY, metavar="N",
        help="compare the whole kernel state with the spec's every N transitions, besides the boot and the end "
        f"(0: only those; default {scenarios.CHECKPOINT_EVERY})",
    )  # fmt: skip
    p.add_argument(
        "--checkpoint-at", type=_count, action="append", default=[], metavar="SEQ",
        help="also compare it at the first transition boundary at or after record SEQ; repeatable",
    )  # fmt: skip
    p.add_argument("--replay-command", action="store_true",
                   help="with --trace: print how to replay each trace file's run, read from the file alone")
    p.add_argument("--rerun", action="store_true",
                   help="with --trace: replay each trace file's run from the file alone (its kernel ELF and QEMU "
                   "command line) and check that the stream is the same byte for byte")
    p.add_argument("--mutants", action="store_true", help="check that the gate catches every kernel mutant")
    p.add_argument("--mutant", action="append", default=[], metavar="NAME", help="with --mutants: only these")
    p.add_argument("--build-id", default=None, metavar="HEX", help="the kernel build the traces must come from")
    p.add_argument(
        "--window",
        type=int,
        default=checker.DEFAULT_WINDOW,
        metavar="N",
        help=f"records shown before a divergence (default {checker.DEFAULT_WINDOW})",
    )
    p.add_argument("--json", type=Path, default=None, metavar="FILE", help="write a JSON report")
    p.add_argument("--junit", type=Path, default=None, metavar="FILE", help="write a JUnit XML report")
    p.set_defaults(func=cmd_refine)
    p = sub.add_parser("prove", help="prove the spec with Z3 (= mlk-prove)", add_help=False)
    p.add_argument("args", nargs=argparse.REMAINDER, help="options of mlk-prove (mlk prove -h)")
    p.set_defaults(func=cmd_prove)
    p = sub.add_parser("docs", help="build the spec browser (Sphinx) and print its path", add_help=False)
    p.add_argument("args", nargs=argparse.REMAINDER, help="options of the docs builder (mlk docs -h)")
    p.set_defaults(func=cmd_docs)
    p = sub.add_parser("difftest", help="generated programs against the spec, shrunk on failure", add_help=False)
    p.add_argument("args", nargs=argparse.REMAINDER, help="options of the differential tests (mlk difftest -h)")
    p.set_defaults(func=cmd_difftest)
    p = sub.add_parser("bench", help="run a benchmark and print its figures")
    p.add_argument("name", choices=sorted(BENCHMARKS), help="which benchmark")
    p.add_argument("args", nargs=argparse.REMAINDER, help="the benchmark's own options (see mlk bench NAME -h)")
    p.set_defaults(func=cmd_bench)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``mlk``."""
    top = parser()
    args, extra = top.parse_known_args(argv)
    if extra:
        if not hasattr(args, "args"):
            top.error(f"unrecognized arguments: {' '.join(extra)}")
        args.args = [*extra, *args.args]
    status: int = args.func(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
