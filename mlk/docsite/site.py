"""Everything one build of the site shows, gathered once: the spec and its analysis, the proof
catalogue and run, the kernel routines, the tests and the state diagrams."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from mlk.docsite import analysis, diagrams, proofstatus, registry, testlinks
from mlk.kernel_aarch64 import routines as kroutines

#: The repository: the directory that holds the ``mlk`` package (an editable install).
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Options:
    """What a build reads: the proof report (``None``: none), the kernel sources, the tests, and
    how many random spec steps the state diagrams are drawn from."""

    prove_json: Path | None
    kernel_dir: Path
    tests_dir: Path
    diagram_steps: int


@dataclass(frozen=True)
class Site:
    """The gathered facts (see the module documentation)."""

    options: Options
    spec: registry.Spec
    walks: dict[str, analysis.Walk]
    invariant_walks: dict[str, analysis.Walk]
    catalogue: proofstatus.Catalogue
    run: proofstatus.ProofRun | None
    current_digest: str
    routines: list[kroutines.Routine]
    tests: list[testlinks.TestRef]
    diagrams: list[diagrams.Diagram]
    diagram_runs: int
    operations: dict[str, str]
    #: The errors of the checks every invocation passes before its operation runs, in order
    #: (from :func:`mlk.model.invocation.invoke`).
    common_errors: list[str]
    #: Transition name -> how many message registers the operation reads (an invocation only).
    arguments: dict[str, int]

    def routines_for(self, item: registry.SpecItem) -> list[kroutines.Routine]:
        """The routines whose ``spec:`` reference names ``item``'s function."""
        return [r for r in self.routines if any(kroutines.resolve(ref) is item.obj for ref in r.refs)]

    def helper_routines(self, item: registry.SpecItem) -> list[tuple[kroutines.Routine, str]]:
        """Routines implementing spec functions that ``item`` calls (not ``item`` itself)."""
        called = set(self.walks[item.name].functions[1:])
        found = []
        for r in self.routines:
            for ref in r.refs:
                obj = kroutines.resolve(ref)
                name = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"
                if name in called:
                    found.append((r, name))
        return found

    def tests_for(self, item: registry.SpecItem) -> list[tuple[testlinks.TestRef, str]]:
        """The tests that exercise transition ``item``, with the name that links them."""
        found = []
        for test in self.tests:
            why = testlinks.exercises(test, item.name, item.qualname)
            if why is not None:
                found.append((test, why))
        return found

    def touched(self, item: registry.SpecItem) -> list[tuple[str, list[str]]]:
        """The invariants transition ``item`` touches, with the shared fields."""
        walk = self.walks[item.name]
        pairs = [(name, analysis.touches(walk, w)) for name, w in self.invariant_walks.items()]
        return [(name, fields) for name, fields in pairs if fields]

    def transition_of(self, obj: object) -> registry.SpecItem | None:
        """The transition whose function is ``obj``."""
        return next((t for t in self.spec.transitions if t.obj is obj), None)


def _operations(spec: registry.Spec) -> dict[str, str]:
    """Transition name -> the capability kind it is an invocation of (from
    :data:`mlk.model.invocation.OPERATIONS`)."""
    invocation = importlib.import_module("mlk.model.invocation")
    ops = getattr(invocation, "OPERATIONS", None)
    if not isinstance(ops, dict):
        raise registry.DocsError("mlk.model.invocation.OPERATIONS (capability kind, label) -> operation is missing")
    by_function = {id(entry[1]): key[0].name for key, entry in ops.items()}
    return {t.name: by_function[id(t.obj)] for t in spec.transitions if id(t.obj) in by_function}


def _arguments(spec: registry.Spec) -> dict[str, int]:
    """Transition name -> the message registers the operation reads (its ``OPERATIONS`` entry)."""
    invocation = importlib.import_module("mlk.model.invocation")
    by_function = {id(handler): nargs for nargs, handler in invocation.OPERATIONS.values()}
    return {t.name: by_function[id(t.obj)] for t in spec.transitions if id(t.obj) in by_function}


def _common_errors() -> list[str]:
    """The errors of :func:`mlk.model.invocation.invoke`'s own checks, in check order (the
    operation it then runs is called through a variable, so the walk stops there)."""
    invocation = importlib.import_module("mlk.model.invocation")
    return analysis.walk(invocation.invoke).errors


def _tests(options: Options) -> list[testlinks.TestRef]:
    """The test suite's tests, then the kernel scenarios ``mlk refine`` runs."""
    scenarios = importlib.import_module("mlk.refinement.scenarios")
    try:
        found = testlinks.scan_scenarios(ROOT, options.kernel_dir / "user", sorted(scenarios.SCENARIOS))
    except testlinks.ScenarioError as exc:
        raise registry.DocsError(str(exc)) from exc
    return testlinks.scan(ROOT, options.tests_dir) + found


def _digest() -> str:
    try:
        cache = importlib.import_module("mlk.proofs.cache")
        return str(cache.source_digest())
    except Exception:  # the digest is informative only: no digest, no staleness note
        return ""


def gather(options: Options) -> Site:
    """Gather everything; :class:`registry.DocsError` when something the site needs is missing."""
    spec = registry.load()
    found, runs = diagrams.explore(spec.state_module, options.diagram_steps)
    return Site(
        options=options,
        spec=spec,
        walks={t.name: analysis.walk(t.obj) for t in spec.transitions},
        invariant_walks={i.name: analysis.walk(i.obj) for i in spec.invariants},
        catalogue=proofstatus.catalogue([i.name for i in spec.invariants]),
        run=proofstatus.read(options.prove_json),
        current_digest=_digest(),
        routines=kroutines.scan(options.kernel_dir),
        tests=_tests(options),
        diagrams=found,
        diagram_runs=runs,
        operations=_operations(spec),
        common_errors=_common_errors(),
        arguments=_arguments(spec),
    )
