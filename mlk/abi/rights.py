"""Capability rights bits.

A capability's rights are a subset of these four bits. Deriving a capability (Copy, Mint, Mutate)
masks the rights with the caller's request, so rights never grow along the derivation tree.
"""

from __future__ import annotations

from enum import IntFlag


class Right(IntFlag):
    """Capability rights."""

    READ = 1
    WRITE = 2
    GRANT = 4
    GRANT_REPLY = 8


#: All rights together: the rights of an original (underived) capability.
ALL_RIGHTS = Right.READ | Right.WRITE | Right.GRANT | Right.GRANT_REPLY
