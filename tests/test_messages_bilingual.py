"""Every refusal a user can read is Chinese first, English alongside: ``必填 (is required)``.

The source of core/, plugins/, webhooks/ and excel_addin/ is parsed (not imported) and
every call that builds a refusal is looked at: ``FieldError``, ``invalid`` and every
class that descends from ``ServiceError`` (found by walking the class definitions, so a
new subclass is checked without being listed here), plus the other exceptions whose text
reaches a person (click's, marshmallow's ``ValidationError``, Excel cell notes…: see
``MESSAGE_FIRST``). A message argument written in the source (a literal, an f-string,
either branch of ``a if c else b``, a ``+`` of them, or a local name bound to one of
these in the same function) that holds Latin letters must hold Chinese too, and the
Chinese must come first: before the first English phrase of two words. The field-name
argument of ``FieldError``, ``invalid`` and the like is a name, not a message, and is
skipped; so are f-strings whose own text has no letters (``f"{field}: {reason}"`` only
joins messages checked where they are written).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "plugins", "webhooks", "excel_addin")
CJK = re.compile(r"[\u3400-\u9fff]")
LETTERS = re.compile(r"[A-Za-z]")
PHRASE = re.compile(r"[A-Za-z]+ [A-Za-z]+")
"""Two English words in a row: the English has begun (a code or ``Excel`` alone has not)."""
FIELD_PREFIX = re.compile(r"^[\w.\[\]]+: ")
"""``rows: `` before an interpolated reason: a field name, not words to translate."""

FIELD_FIRST = {"FieldError", "invalid", "fail", "_config_error"}
"""Calls whose first positional argument is a field name; the reason comes second
(``fail`` is the scheme checker's and the mediation importer's ``fail(path, reason)``;
``_config_error`` names the setting)."""
MESSAGE_FIRST = {
    "UsageError",  # click: printed to the person at the terminal
    "BadParameter",
    "ClickException",
    "ValidationError",  # marshmallow: a plugin's settings or form, answered as a 422
    "FormulaError",  # the formula rule's refusal, shown as the scheme's error
    "CellError",  # Excel: the note on the refused cell
    "PackageError",
    "MetaError",
    "Refused",  # an import file refused as a whole
    "PluginError",  # answered as a 409 naming the plugin
    "PluginNotLoaded",
}
"""Other exceptions whose first argument is the message a user reads."""
VALUE_ERRORS = {"core/kernel/numbers.py", "core/kernel/clock.py"}
"""Modules whose ``ValueError`` text is the reason a typed number or date is refused."""
MESSAGE_KEYWORDS = {"detail", "reason", "message"}

ALLOWED: set[tuple[str, int]] = set()
"""(path, line of the text) of messages deliberately left English-only. Keep it empty or
tiny, with a reason beside each entry."""


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            yield str(path.relative_to(ROOT)), ast.parse(path.read_text(), str(path))


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def refusal_classes(trees: list[ast.Module]) -> set[str]:
    """``ServiceError`` and every class defined here that descends from it."""
    found = {"ServiceError"}
    classes = [n for t in trees for n in ast.walk(t) if isinstance(n, ast.ClassDef)]
    grew = True
    while grew:
        grew = False
        for cls in classes:
            if cls.name not in found and any(_name(b) in found for b in cls.bases):
                found.add(cls.name)
                grew = True
    return found


Text = tuple[int, str]
"""A message as the source writes it, with the line it starts on."""


def _texts(node: ast.expr, scope: ast.AST, seen: frozenset[str] = frozenset()) -> list[Text]:
    """The text the source itself writes for this argument (several, for branches)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [(node.lineno, node.value)]
    if isinstance(node, ast.JoinedStr):
        parts = (v.value for v in node.values if isinstance(v, ast.Constant))
        return [(node.lineno, "".join(parts))]
    if isinstance(node, ast.IfExp):
        return _texts(node.body, scope, seen) + _texts(node.orelse, scope, seen)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        left, right = _texts(node.left, scope, seen), _texts(node.right, scope, seen)
        if not left or not right:
            return left or right
        return [(a[0], a[1] + b[1]) for a in left for b in right]
    if isinstance(node, ast.Call) and _name(node.func) == "format":  # "…{}".format(x)
        return _texts(node.func.value, scope, seen) if isinstance(node.func, ast.Attribute) else []
    if isinstance(node, ast.Name) and node.id not in seen:
        out: list[Text] = []
        for stmt in ast.walk(scope):
            if isinstance(stmt, ast.Assign):
                targets, value = stmt.targets, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                targets, value = [stmt.target], stmt.value
            else:
                continue
            if any(isinstance(t, ast.Name) and t.id == node.id for t in targets):
                out += _texts(value, scope, seen | {node.id})
        return out
    return []


def _messages(call: ast.Call, name: str) -> list[ast.expr]:
    skip = 1 if name in FIELD_FIRST else 0
    positional = call.args[skip : skip + 1]
    return positional + [k.value for k in call.keywords if k.arg in MESSAGE_KEYWORDS]


def _calls(tree: ast.Module) -> Iterator[tuple[ast.Call, ast.AST]]:
    """Every call with the function (or the module) it is written in."""

    def walk(node: ast.AST, scope: ast.AST) -> Iterator[tuple[ast.Call, ast.AST]]:
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else scope
            if isinstance(child, ast.Call):
                yield child, scope
            yield from walk(child, inner)

    yield from walk(tree, tree)


def english_only() -> list[str]:
    modules = list(_modules())
    checked = FIELD_FIRST | MESSAGE_FIRST | refusal_classes([t for _, t in modules])
    out: dict[str, None] = {}  # a message named by several calls is listed once
    for path, tree in modules:
        here = checked | {"ValueError"} if path in VALUE_ERRORS else checked
        for call, scope in _calls(tree):
            name = _name(call.func)
            if name not in here:
                continue
            for arg in _messages(call, name):
                for line, text in _texts(arg, scope):
                    if not chinese_first(text) and (path, line) not in ALLOWED:
                        out[f"{path}:{line}: {name}: {text!r}"] = None
    return list(out)


def chinese_first(text: str) -> bool:
    """No letters at all, or Chinese before the English (a ``field: `` prefix aside)."""
    words = FIELD_PREFIX.sub("", text)
    if not LETTERS.search(words):
        return True
    chinese, english = CJK.search(words), PHRASE.search(words)
    return chinese is not None and (english is None or chinese.start() < english.start())


def test_the_checked_calls_include_every_refusal_class():
    checked = refusal_classes([t for _, t in _modules()])
    assert {"InvalidInput", "NotFound", "Conflict", "Forbidden", "Unauthorised"} <= checked
    assert {"JSONError", "SignInRefused", "TokenRequired", "EngineMissing"} <= checked


def test_the_check_sees_what_it_should():
    source = """
def f(x, unit):
    reason = "must be positive"
    raise InvalidInput(f"{x}: {reason}", [FieldError(x, reason)])
def g(code):
    raise NotFound(f"没有单位 {code!r} (no unit {code!r})")
def h():
    raise Conflict("already closed" if 1 else "收数已截止 (closed)")
def k():
    raise invalid("unit", "必填 (is required)")
"""
    tree = ast.parse(source)
    found = []
    for call, scope in _calls(tree):
        name = _name(call.func)
        for arg in _messages(call, name or ""):
            found += [(name, t) for _, t in _texts(arg, scope) if not CJK.search(t)]
    assert ("FieldError", "must be positive") in found
    assert ("Conflict", "already closed") in found
    assert all(name != "invalid" for name, _ in found)  # "unit" is a field name
    assert all(name != "NotFound" for name, _ in found)


def test_chinese_comes_first():
    assert chinese_first("必填 (is required)")
    assert chinese_first("Excel 工作簿已加密 (the workbook is encrypted)")
    assert chinese_first("rows: 每行都须有 cells (each row needs its cells)")
    assert chinese_first("   ")
    assert not chinese_first("already closed")
    assert not chinese_first("the key appears twice (键重复)")


def test_every_refusal_is_chinese_first_with_english_alongside():
    found = english_only()
    assert not found, "English-only messages (write 中文 (English)):\n" + "\n".join(found)
