"""Static analysis of spec functions: the errors they return in check order, and the state they
read and write.

Both walk a function's syntax tree in source order and descend into every spec function it calls
(a function defined in ``mlk.model``, called by name or as ``module.function``), each once, at the
point of the call. So a check made inside a helper is counted where the helper is called.

* **Errors in check order**: every ``Error.X`` other than ``Error.OK`` met on that walk, first
  occurrence first. The spec makes each check raise the first failing error before it changes
  anything (:mod:`mlk.model.errors`), so source order along the calls is check order.
* **Writes**: the field names a transition sets with ``._replace(field=...)``, the state
  components it changes through :class:`mlk.model.tx.Tx` (see :data:`TX_WRITES`), and
  ``objects`` when it creates an object (``tx.put(oid, Kind(...))``).
* **Reads**: every attribute name an invariant reads; **names**: every plain name it uses (a
  record type it tests for, as ``isinstance(obj, Tcb)``).

A transition *touches* an invariant when one of its writes is one of the invariant's reads. Field
names are compared without their record type, so this over-approximates (``state`` is a field of
threads, endpoints, notifications and IRQ lines alike); it never misses a shared field.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FunctionType, ModuleType

#: The state component each writing method of ``Tx`` (or assignment to a ``Tx`` attribute) changes.
#: Replacing an object (``put``, ``put_tcb``) is counted by the fields its ``_replace`` sets.
TX_WRITES = {
    "remove": "objects",
    "set_ctx": "ctx",
    "put_slot": "slots",
    "clear_slot": "slots",
    "set_queue": "queues",
    "set_irq": "irqs",
    "current": "current",
    "halted": "halted",
    "output": "output",
}

SPEC_PACKAGE = "mlk.model"


@dataclass
class Walk:
    """What one walk found; ``functions`` lists the spec functions visited, in order."""

    errors: list[str] = field(default_factory=list)
    writes: set[str] = field(default_factory=set)
    reads: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    functions: list[str] = field(default_factory=list)


def _tree(fn: FunctionType) -> ast.AST | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return None


def _children(node: ast.AST) -> Iterator[ast.AST]:
    """The children of ``node`` in source order (decorators and defaults are not descended)."""
    yield from ast.iter_child_nodes(node)


def _callee(call: ast.Call, scope: dict[str, object]) -> FunctionType | None:
    """The spec function ``call`` calls, if it is one."""
    target: object = None
    func = call.func
    if isinstance(func, ast.Name):
        target = scope.get(func.id)
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        owner = scope.get(func.value.id)
        if isinstance(owner, ModuleType):
            target = getattr(owner, func.attr, None)
    if isinstance(target, FunctionType) and target.__module__.startswith(SPEC_PACKAGE):
        return target
    return None


def _creates(put: ast.Call) -> bool:
    """Whether ``tx.put(oid, obj)`` stores a newly constructed object (``Kind(...)``)."""
    return (
        len(put.args) == 2
        and isinstance(put.args[1], ast.Call)
        and isinstance(put.args[1].func, ast.Name)
        and put.args[1].func.id[:1].isupper()
    )


def _visit(node: ast.AST, scope: dict[str, object], walk: Walk, seen: set[str]) -> None:
    if isinstance(node, ast.Name):
        walk.names.add(node.id)
    if isinstance(node, ast.Attribute):
        walk.reads.add(node.attr)
        is_error = isinstance(node.value, ast.Name) and node.value.id == "Error" and node.attr != "OK"
        if is_error and node.attr not in walk.errors:
            walk.errors.append(node.attr)
        if node.attr in TX_WRITES and isinstance(node.ctx, ast.Store):
            walk.writes.add(TX_WRITES[node.attr])
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr == "_replace":
                walk.writes.update(k.arg for k in node.keywords if k.arg)
            elif isinstance(func.value, ast.Name) and func.value.id == "tx":
                if func.attr in TX_WRITES:
                    walk.writes.add(TX_WRITES[func.attr])
                elif func.attr == "put" and _creates(node):
                    walk.writes.add("objects")
        for child in _children(node):
            _visit(child, scope, walk, seen)
        callee = _callee(node, scope)
        if callee is not None:
            _walk_function(callee, walk, seen)
        return
    for child in _children(node):
        _visit(child, scope, walk, seen)


def _walk_function(fn: FunctionType, walk: Walk, seen: set[str]) -> None:
    key = f"{fn.__module__}.{fn.__qualname__}"
    if key in seen:
        return
    seen.add(key)
    walk.functions.append(key)
    tree = _tree(fn)
    if tree is not None:
        _visit(tree, fn.__globals__, walk, seen)


def walk(fn: Callable[..., object]) -> Walk:
    """Walk ``fn`` and the spec functions it calls (see the module documentation)."""
    result = Walk()
    if isinstance(fn, FunctionType):
        _walk_function(fn, result, set())
    return result


def touches(transition: Walk, invariant: Walk) -> list[str]:
    """The fields ``transition`` writes that ``invariant`` reads, sorted (empty: untouched)."""
    return sorted(transition.writes & invariant.reads)
