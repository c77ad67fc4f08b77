"""Reading JSON strictly: what the API and every JSON file the CLI reads go through.

The standard library is lenient where a records system must not be:

* numbers become binary floats (``1e-400`` silently becomes ``0.0``): here every number
  with a fraction or exponent is read exactly as a ``Decimal``;
* a duplicate key silently keeps the last value: here it is refused;
* ``NaN`` and ``Infinity`` are accepted: here they are refused;
* nesting thousands deep exhausts the recursion limit, and integers thousands of digits
  long cost quadratic time: here both are refused with a clear error.

After parsing, one iterative walk checks every string (:func:`core.kernel.text.problem`:
no lone surrogates, NUL, other controls or bidi overrides), the nesting depth and the
length of integers, and names the path of the first problem (``rows[3].note``), so a
channel can tell the user which field to fix.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from core.kernel.errors import FieldError, InvalidInput
from core.kernel.text import key_problem, problem

MAX_DEPTH = 32
MAX_INT_DIGITS = 40


class JSONError(InvalidInput):
    """A JSON document that is refused; ``errors`` name the path and the reason."""

    status = 400
    title = "Bad request"


class _Object(dict):
    """A parsed object that remembers a key it saw twice (reported with its path)."""

    duplicate: str | None = None


class _LongInteger(str):
    """An integer literal too long to convert safely; reported with its path."""


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    out = _Object()
    for key, value in pairs:
        if key in out and out.duplicate is None:
            out.duplicate = key
        out[key] = value
    return out


def _integer(text: str) -> int | _LongInteger:
    digits = len(text.lstrip("-"))
    return _LongInteger(text) if digits > MAX_INT_DIGITS else int(text)


def _constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def _path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]" if parent else f"[{key}]"
    return f"{parent}.{key}" if parent else key


def _walk(document: Any) -> None:
    """Check strings, depth, duplicates and long integers; raise naming the path."""
    stack: list[tuple[Any, str, int]] = [(document, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        where = path or "body"
        if isinstance(value, _LongInteger):
            digits = len(value.lstrip("-"))
            reason = (
                f"整数长 {digits} 位，最多 {MAX_INT_DIGITS} 位 "
                f"(an integer of {digits} digits; at most {MAX_INT_DIGITS})"
            )
            raise JSONError(f"{where}: {reason}", [FieldError(where, reason)])
        if isinstance(value, str):
            reason = problem(value)
            if reason:
                raise JSONError(f"{where}: {reason}", [FieldError(where, reason)])
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth >= MAX_DEPTH:
            reason = f"嵌套超过 {MAX_DEPTH} 层 (nested more than {MAX_DEPTH} levels deep)"
            raise JSONError(f"{where}: {reason}", [FieldError(where, reason)])
        if isinstance(value, dict):
            if getattr(value, "duplicate", None) is not None:
                reason = (
                    f"键 {value.duplicate!r} 出现了两次 (the key {value.duplicate!r} appears twice)"
                )
                raise JSONError(f"{where}: {reason}", [FieldError(where, reason)])
            for key, item in value.items():
                reason = key_problem(key)
                if reason:
                    raise JSONError(f"{where}: {reason}", [FieldError(where, reason)])
                stack.append((item, _path(path, key), depth + 1))
        else:
            stack.extend((item, _path(path, i), depth + 1) for i, item in enumerate(value))


def _plain(value: Any) -> Any:
    """Replace the parser's helper types by plain dicts (after the walk passed)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def loads(data: bytes | str) -> Any:
    """Parse a JSON document strictly (see the module docstring); JSONError if refused."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            reason = f"不是 UTF-8 编码（第 {exc.start} 字节）(is not UTF-8 (byte {exc.start}))"
            raise JSONError(f"body: {reason}", [FieldError("body", reason)]) from exc
    try:
        document = json.loads(
            data,
            object_pairs_hook=_pairs,
            parse_float=Decimal,
            parse_int=_integer,
            parse_constant=_constant,
        )
    except RecursionError as exc:
        reason = f"嵌套超过 {MAX_DEPTH} 层 (nested more than {MAX_DEPTH} levels deep)"
        raise JSONError(f"body: {reason}", [FieldError("body", reason)]) from exc
    except ValueError as exc:
        reason = f"不是有效的 JSON (is not valid JSON: {exc})"
        raise JSONError(f"body: {reason}", [FieldError("body", reason)]) from exc
    _walk(document)
    return _plain(document)


def checked(document: Any) -> Any:
    """A document parsed elsewhere (a YAML file) held to the same rules: readable text,
    bounded depth and integers; JSONError naming the path if not. Values JSON has no
    type for (bytes, sets from YAML tags) are refused too."""
    stack = [(document, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            stack.extend((v, _path(path, str(k))) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, _path(path, i)) for i, v in enumerate(value))
        elif value is not None and not isinstance(value, (str, int, Decimal)):
            where = path or "body"
            kind = type(value).__name__
            reason = f"{kind} 不是 JSON 值 ({kind} is not a JSON value)"
            raise JSONError(f"{where}: {reason}", [FieldError(where, reason)])
    _walk(document)
    return _plain(document)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any, **kwargs: Any) -> str:
    """JSON text with Chinese as itself (UTF-8), decimals as plain strings."""
    kwargs.setdefault("ensure_ascii", False)
    kwargs.setdefault("default", _default)
    return json.dumps(value, **kwargs)
