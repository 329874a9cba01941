"""Making a Hypothesis seed mean one run, whatever else the process has imported.

Hypothesis biases some of its draws towards constants it finds in the source of the project's
modules, taken from every project module loaded at the time. The same seed therefore gives the
same examples only when the same modules are loaded: a failure found by the whole test suite
could not be replayed by running one test file, or by ``mlk difftest``. Every seeded run imports
all of ``mlk`` first, so that the constant pool, and with it every run, depends on the seed alone.
"""

from __future__ import annotations

import importlib
import pkgutil

import mlk


def load_every_module() -> list[str]:
    """Import every module of the ``mlk`` package; return their names, sorted."""
    names = sorted(info.name for info in pkgutil.walk_packages(mlk.__path__, prefix="mlk."))
    for name in names:
        importlib.import_module(name)
    return names
