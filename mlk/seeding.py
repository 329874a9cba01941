"""Making a Hypothesis seed mean one run, whatever the rest of the project's source says.

Hypothesis biases some of its draws (about one in twenty) towards constants it reads from the
source of every *local* module loaded at the time: for an editable install, every module of
``mlk``. The programs a seed drew therefore changed whenever anybody changed a number or a string
anywhere in the project, in code the test does not even run: a change to the proofs once made the
difftest's CI seeds miss the device interrupt's targets. They also depended on which modules a
run had imported, and on the checkout's path (Hypothesis skips the constants of files under a
directory named ``test`` or ``tests``).

:func:`forget_project_constants` leaves Hypothesis only its own constants, which depend on its
version alone (pinned in ``pyproject.toml``). A seed then draws the same examples in the whole
suite, in one test file, in ``mlk difftest``, in any checkout, before and after any change that
does not touch the generator itself.
"""

from __future__ import annotations

import hypothesis
from hypothesis.internal.conjecture import providers
from hypothesis.internal.constants_ast import Constants

#: The pool of project constants Hypothesis draws from: always empty.
NO_CONSTANTS = Constants()


class SeedingError(RuntimeError):
    """The installed Hypothesis does not have the hook this module replaces."""


def _no_constants() -> Constants:
    """The project constants Hypothesis may draw: none."""
    return NO_CONSTANTS


def forget_project_constants() -> None:
    """Make Hypothesis draw no constant from the project's source (see the module's text).

    It replaces ``_get_local_constants`` of Hypothesis's provider module, which has no public
    setting for this; :class:`SeedingError` names the Hypothesis version when that function is
    missing (a version other than the pinned one)."""
    if not callable(getattr(providers, "_get_local_constants", None)):
        raise SeedingError(
            f"hypothesis {hypothesis.__version__}: hypothesis.internal.conjecture.providers has no "
            "_get_local_constants; install the version pyproject.toml pins (`make setup`)"
        )
    providers._get_local_constants = _no_constants
