"""Errors the services raise; the API turns them into RFC 9457 problems, the CLI into
readable messages. Each names the field (and the row, for imports) and the reason."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from core.kernel.library_messages import chinese_first

T = TypeVar("T")
R = TypeVar("R")


REASON_SHOWN = 500
"""Characters of a reason (or a field name) an error shows: a reason quoting a 100 KB
input had echoed all of it back."""


QUOTE_SHOWN = 40
"""Characters of a long quoted input a shortened reason keeps."""
_LONG = QUOTE_SHOWN * 2
_LONG_QUOTE = re.compile(rf"'[^'\n]{{{_LONG},}}'|\"[^\"\n]{{{_LONG},}}\"")


def _shown(text: str, limit: int = REASON_SHOWN) -> str:
    """``text`` within ``limit`` characters. A long quoted input is shortened first, so
    that what the reason says about it survives ("'xxxx…' is not a decimal number",
    not the first 500 characters of the input)."""
    if len(text) <= limit:
        return text
    text = _LONG_QUOTE.sub(lambda m: f"{m.group()[: QUOTE_SHOWN + 1]}…{m.group()[0]}", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str
    row: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "field", _shown(str(self.field), 200))
        object.__setattr__(self, "reason", _shown(str(self.reason)))

    def as_dict(self) -> dict:
        out = {"field": self.field, "reason": self.reason}
        if self.row is not None:
            out["row"] = self.row
        return out

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}{self.field}: {self.reason}"


@dataclass
class ServiceError(Exception):
    """Base: a request that was refused and wrote nothing."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)
    status = 400
    title = "Bad request"

    def __post_init__(self) -> None:
        self.detail = _shown(str(self.detail), 2 * REASON_SHOWN)

    def __str__(self) -> str:
        """The detail, then each error the detail does not already say (a refusal of
        one field had printed it twice)."""
        lines = [self.detail, *(f"  - {e}" for e in self.errors if str(e) != self.detail)]
        return "\n".join(lines)


class InvalidInput(ServiceError):
    status = 422
    title = "Invalid input"


class NotFound(ServiceError):
    status = 404
    title = "Not found"


class Conflict(ServiceError):
    status = 409
    title = "Conflict"


class Forbidden(ServiceError):
    status = 403
    title = "Forbidden"


def invalid(field_name: str, reason: str, row: int | None = None) -> InvalidInput:
    return InvalidInput(f"{field_name}: {reason}", [FieldError(field_name, reason, row)])


def validate_rows(rows: Sequence[T], validate: Callable[[int, T], R]) -> list[R]:
    """Validate every row (numbered from 1) before anything is written: either all
    results, in order, or one error listing every bad row's field and reason. The
    status is the first non-422 one met (a 403 or 409 outranks bad input)."""
    results: list[R] = []
    errors: list[FieldError] = []
    status: type[ServiceError] = InvalidInput
    for number, row in enumerate(rows, start=1):
        try:
            results.append(validate(number, row))
        except ServiceError as exc:
            errors.extend(FieldError(e.field, e.reason, number) for e in exc.errors)
            status = type(exc) if status is InvalidInput else status
    if errors:
        raise status(rows_have_errors(errors), errors)
    return results


def rows_have_errors(errors: Sequence[FieldError | dict]) -> str:
    """``2 rows have errors; nothing was written`` (in Chinese first), counting rows."""
    rows = {e.get("row") if isinstance(e, dict) else e.row for e in errors}
    count = len(rows)
    noun = "row has" if count == 1 else "rows have"
    return f"{count} 行有误，未写入任何数据 ({count} {noun} errors; nothing was written)"


def field_errors(messages: object, prefix: str = "") -> list[FieldError]:
    """Marshmallow's nested messages as one FieldError per leaf, each at its dotted
    path: ``{"points": {"a": {"value": ["Not a valid mapping type."]}}}`` under
    ``settings`` is ``settings.points.a.value: Not a valid mapping type.``, not one
    error holding a Python repr."""
    if isinstance(messages, dict):
        out: list[FieldError] = []
        for key, value in messages.items():
            path = f"{prefix}[{key}]" if isinstance(key, int) else f"{prefix}.{key}"
            out.extend(field_errors(value, path if prefix else str(key)))
        return out
    if isinstance(messages, (list, tuple)):
        if all(not isinstance(m, (dict, list, tuple)) for m in messages):
            reasons = (chinese_first(str(m)) for m in messages)
            return [FieldError(prefix or "body", "; ".join(reasons))]
        return [e for m in messages for e in field_errors(m, prefix)]
    return [FieldError(prefix or "body", chinese_first(str(messages)))]
