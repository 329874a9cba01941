"""Source locations and build errors of the assembly pipeline.

Every error the build reports names a place as ``file:line``; when the offending line came from a
macro expansion, the chain of expansion sites follows, innermost last.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    """Where a statement came from: a file and line, and the macro expansions that produced it."""

    file: str
    line: int
    via: tuple[tuple[str, str, int], ...] = ()

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"

    def describe(self) -> str:
        """``file:line`` followed by the expansion chain, e.g. ``(in macro m expanded at a.S:3)``."""
        chain = "".join(f" (in macro {name} expanded at {f}:{ln})" for name, f, ln in self.via)
        return f"{self}{chain}"


class BuildError(Exception):
    """A build failure at a known place. ``str()`` reads ``file:line: message``."""

    def __init__(self, origin: Origin | None, message: str) -> None:
        super().__init__(message)
        self.origin = origin
        self.message = message

    def __str__(self) -> str:
        if self.origin is None:
            return self.message
        return f"{self.origin.describe()}: {self.message}"
