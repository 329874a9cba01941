"""Every kind of kernel entry has a kernel routine whose header names its spec function, and
every spec reference in a routine header that looks like a function names a real one."""

from __future__ import annotations

import pytest

from mlk.abi.trace import RecordType
from mlk.cli import EVENT_FUNCTIONS
from mlk.kernel_aarch64.routines import implementing, resolve, scan


@pytest.mark.parametrize("kind", list(EVENT_FUNCTIONS), ids=lambda k: k.name)
def test_every_kernel_entry_has_its_routine(kind: RecordType) -> None:
    function = EVENT_FUNCTIONS[kind]
    assert resolve(function) is not None, f"{function} is not a spec function"
    assert implementing(function, scan()) is not None, f"no kernel routine header says 'spec: {function}'"


def test_dotted_spec_references_resolve() -> None:
    unresolved = [
        f"{r.where()}: {ref}"
        for r in scan()
        for ref in r.refs
        if "." in ref and ref.split(".")[0] in {"kernel", "sched", "ipc", "cspace", "irq", "vm", "tcb", "mlk"}
        and resolve(ref) is None
    ]
    assert not unresolved, unresolved
