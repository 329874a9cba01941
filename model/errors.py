"""How a failed check leaves a transition.

Every invocation first *decodes*: it runs its checks in the documented order and raises
:class:`KernelError` with the first failing check's :class:`~mlk.abi.errors.Error`, before it
changes anything. Only when every check passed does it *perform* its effect, which cannot fail.
"""

from __future__ import annotations

from mlk.abi.errors import Error


class KernelError(Exception):
    """A check failed with ``error``."""

    def __init__(self, error: Error) -> None:
        super().__init__(error.name)
        self.error = error
