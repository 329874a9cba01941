"""Evaluation of assembler integer expressions, for the build's own checks.

The preprocessor evaluates ``.if`` conditions and ``.equ`` values, the guard ``mov`` immediates, and
the cross-check operands (``FOO + 8``, ``(1 << 31)``, ``label``) against the ``.equ`` constants and,
after assembly, the label addresses. The operators are those of assembler expressions:
``+ - * / % << >> | & ^ ~``, comparisons ``== != < <= > >=`` (1 or 0), ``&& || !`` and
parentheses; ``/`` divides integers.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping

_BINOPS: dict[type[ast.operator], Callable[[int, int], int]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.floordiv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitOr: operator.or_,
    ast.BitAnd: operator.and_,
    ast.BitXor: operator.xor,
}
_UNOPS: dict[type[ast.unaryop], Callable[[int], int]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Invert: operator.invert,
}
_CMPOPS: dict[type[ast.cmpop], Callable[[int, int], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_NAME = re.compile(r"[A-Za-z_.$][\w.$]*")


def evaluate(expr: str, names: Mapping[str, int]) -> int | None:
    """The value of ``expr``, or ``None`` when it uses an unknown name or is not an expression."""
    expr = expr.strip()
    if expr.startswith("#"):
        expr = expr[1:]
    mapping: dict[str, str] = {}

    def rename(m: re.Match[str]) -> str:
        word = m.group(0)
        if re.fullmatch(r"0[xX][0-9a-fA-F]+|0[bB][01]+|\d+", word):
            return word
        key = f"n{len(mapping)}_"
        mapping[key] = word
        return key

    py = re.sub(r"0[xX][0-9a-fA-F]+|0[bB][01]+|[A-Za-z_.$][\w.$]*|\d+", rename, expr)
    py = py.replace("&&", " and ").replace("||", " or ")
    py = re.sub(r"!(?!=)", " not ", py)
    try:
        tree = ast.parse(py, mode="eval")
    except SyntaxError:
        return None

    def ev(node: ast.AST) -> int | None:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name):
            return names.get(mapping.get(node.id, ""))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left, right = ev(node.left), ev(node.right)
            if left is None or right is None:
                return None
            if isinstance(node.op, ast.Div | ast.FloorDiv | ast.Mod) and right == 0:
                return None
            if isinstance(node.op, ast.LShift | ast.RShift) and not 0 <= right < 128:
                return None
            return _BINOPS[type(node.op)](left, right)
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMPOPS:
            left, right = ev(node.left), ev(node.comparators[0])
            if left is None or right is None:
                return None
            return int(_CMPOPS[type(node.ops[0])](left, right))
        if isinstance(node, ast.BoolOp):
            values = [ev(v) for v in node.values]
            if any(v is None for v in values):
                return None
            truth = [bool(v) for v in values]
            return int(all(truth) if isinstance(node.op, ast.And) else any(truth))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            value = ev(node.operand)
            return None if value is None else int(not value)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNOPS:
            value = ev(node.operand)
            return None if value is None else _UNOPS[type(node.op)](value)
        return None

    return ev(tree)


def is_name(expr: str) -> bool:
    """Whether ``expr`` is a single symbol name."""
    return _NAME.fullmatch(expr.strip()) is not None
