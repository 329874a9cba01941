"""Error codes returned by invocations.

Every failing transition of the spec returns exactly one of these, chosen by the spec's order of
checks, and the kernel must return the same first error. ``OK`` (0) means success.
"""

from __future__ import annotations

from enum import IntEnum


class Error(IntEnum):
    """Invocation results, as returned in :attr:`mlk.abi.syscalls.Reg.BADGE` with label 0."""

    OK = 0
    INVALID_ARGUMENT = 1
    INVALID_CAPABILITY = 2
    ILLEGAL_OPERATION = 3
    RANGE_ERROR = 4
    ALIGNMENT_ERROR = 5
    FAILED_LOOKUP = 6
    TRUNCATED_MESSAGE = 7
    DELETE_FIRST = 8
    REVOKE_FIRST = 9
    NOT_ENOUGH_MEMORY = 10
