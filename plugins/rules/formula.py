"""A safe arithmetic formula over named inputs (no ``eval``).

Grammar: decimal numbers, names of inputs, ``+ - * /``, unary minus, parentheses, and the
functions ``min(a, b, …)`` and ``max(a, b, …)`` (two or more arguments), ``abs(x)`` and
``round(x, places)`` (half-up; ``places`` a whole number from 0 to 10 written as such).
The expression is parsed with :mod:`ast` and only those node types and argument counts are
accepted, so a formula that passes :func:`parse` can fail only on the numbers it meets;
evaluation is in ``Decimal``, and division by zero, an unknown name or a result out of
range are reported as errors, not crashes.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from decimal import Decimal, DecimalException

from core.plugin_api import quantize

MAX_LENGTH = 500
MAX_PLACES = 10
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
            _check_call(node)
            continue
        kind = type(node).__name__
        raise FormulaError(f"公式中不允许 {kind} ({kind} is not allowed in a formula)")
    return tree


def _check_call(call: ast.Call) -> None:
    """The arguments a function takes: checked when the formula is parsed, so a scheme
    cannot be published with a call that fails for every subject it scores."""
    name, count = call.func.id, len(call.args)  # type: ignore[attr-defined]
    if name in ("min", "max") and count < 2:
        raise FormulaError(
            f"{name} 须有至少两个参数 ({name} takes two or more arguments, e.g. {name}(value, 0))"
        )
    if name == "abs" and count != 1:
        raise FormulaError("abs 须有一个参数 (abs takes one argument)")
    if name == "round":
        places = call.args[1] if count == 2 else None
        if not (
            isinstance(places, ast.Constant)
            and type(places.value) is int
            and 0 <= places.value <= MAX_PLACES
        ):
            raise FormulaError(
                f"round 须有两个参数：数值和 0 至 {MAX_PLACES} 的小数位数 "
                f"(round takes a value and a whole number of places from 0 to {MAX_PLACES})"
            )


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
        if node.func.id == "round":  # ast.Call, its arguments checked by parse()
            return quantize(ev(node.args[0]), node.args[1].value)
        args = [ev(a) for a in node.args]
        return FUNCTIONS[node.func.id](*args) if node.func.id != "abs" else abs(args[0])

    try:
        result = ev(tree)
    except (DecimalException, ZeroDivisionError) as exc:
        raise FormulaError(_arithmetic(exc)) from exc
    if not result.is_finite():
        raise FormulaError("结果超出范围 (the result is out of range)")
    return result


def _arithmetic(exc: Exception) -> str:
    from decimal import DivisionByZero, InvalidOperation

    if isinstance(exc, DivisionByZero | ZeroDivisionError) or (
        isinstance(exc, InvalidOperation) and "division" in repr(exc).lower()
    ):
        return "除数为零 (division by zero)"
    return "无法计算：结果超出范围 (cannot compute: the result is out of range)"
