"""A safe arithmetic formula over named inputs (no ``eval``).

Grammar: decimal numbers, names of inputs, ``+ - * /``, unary minus, parentheses, and the
functions ``min``, ``max``, ``abs``, ``round(x, places)`` (half-up). The expression is
parsed with :mod:`ast` and only those node types are accepted; evaluation is in
``Decimal``. Division by zero and unknown names are reported as errors, not crashes.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from decimal import Decimal, DivisionByZero, InvalidOperation

from core.plugin_api import quantize

MAX_LENGTH = 500
FUNCTIONS = {"min": min, "max": max, "abs": abs}
OPERATORS = {
    ast.Add: Decimal.__add__,
    ast.Sub: Decimal.__sub__,
    ast.Mult: Decimal.__mul__,
    ast.Div: Decimal.__truediv__,
}


class FormulaError(ValueError):
    pass


def parse(expression: str) -> ast.Expression:
    """Parse and check a formula; raises FormulaError naming what is not allowed."""
    if len(expression) > MAX_LENGTH:
        raise FormulaError(
            f"公式最多 {MAX_LENGTH} 个字符 (a formula may have at most {MAX_LENGTH} characters)"
        )
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"不是有效的公式 (not a formula: {exc.msg})") from exc
    for node in ast.walk(tree):
        if isinstance(
            node,
            (
                ast.Expression,
                ast.BinOp,
                ast.UnaryOp,
                ast.USub,
                ast.UAdd,
                ast.Name,
                ast.Load,
                *OPERATORS,
            ),
        ):
            continue
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool)
        ):
            continue
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in (*FUNCTIONS, "round")
            and not node.keywords
        ):
            continue
        kind = type(node).__name__
        raise FormulaError(f"公式中不允许 {kind} ({kind} is not allowed in a formula)")
    return tree


def names(tree: ast.Expression) -> set[str]:
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in calls}


def evaluate(tree: ast.Expression, inputs: Mapping[str, Decimal]) -> Decimal:
    def ev(node: ast.AST) -> Decimal:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return Decimal(repr(node.value))
        if isinstance(node, ast.Name):
            if node.id not in inputs:
                raise FormulaError(f"没有名为 {node.id!r} 的输入 (no input named {node.id!r})")
            return inputs[node.id]
        if isinstance(node, ast.UnaryOp):
            value = ev(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp):
            return OPERATORS[type(node.op)](ev(node.left), ev(node.right))
        args = [ev(a) for a in node.args]  # ast.Call, checked by parse()
        if node.func.id == "round":
            if len(args) != 2:
                raise FormulaError(
                    "round 须有两个参数：数值和小数位数 "
                    "(round takes a value and a number of places)"
                )
            return quantize(args[0], int(args[1]))
        if not args:
            raise FormulaError(f"{node.func.id} 须有参数 ({node.func.id} needs arguments)")
        return FUNCTIONS[node.func.id](*args) if node.func.id != "abs" else abs(args[0])

    try:
        return ev(tree)
    except (DivisionByZero, InvalidOperation, ZeroDivisionError) as exc:
        raise FormulaError("除数为零 (division by zero)") from exc
