"""Keystone in a separate process.

Keystone can kill the process that calls it (a segfault on ``.text``, an LLVM fatal error on
``#:lo12:``). The build therefore never loads keystone itself: it runs this module as a child
process, sends a JSON request ``{"text", "base"}`` on stdin and reads ``{"bytes": hex}`` or
``{"error": message}`` from stdout. A child that dies becomes a build error.
"""

from __future__ import annotations

import json
import sys

from keystone import KS_ARCH_ARM64, KS_MODE_LITTLE_ENDIAN, Ks, KsError


def main() -> int:
    """Serve one assembly request from stdin."""
    request = json.load(sys.stdin)
    ks = Ks(KS_ARCH_ARM64, KS_MODE_LITTLE_ENDIAN)
    base = int(request["base"])
    try:
        encoding, _count = ks.asm(request["text"], base, as_bytes=True)
    except KsError as exc:
        json.dump({"error": str(exc)}, sys.stdout)
        return 0
    json.dump({"bytes": (encoding or b"").hex()}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
