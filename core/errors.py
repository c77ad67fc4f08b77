"""Errors the services raise; the API turns them into RFC 9457 problems, the CLI into
readable messages. Each names the field (and the row, for imports) and the reason."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str
    row: int | None = None

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

    def __str__(self) -> str:
        lines = [self.detail, *(f"  - {e}" for e in self.errors)]
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
