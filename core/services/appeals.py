"""Appeals (申诉, D-33): file → assign → decide, with the deadline on the record."""

from __future__ import annotations

from typing import Any

from core.domain.assessment import appeals
from core.services.context import Context


def file(ctx: Context, bureau: str, row: dict[str, Any]) -> dict[str, Any]:
    hours = int(ctx.platform.settings["APPEAL_HOURS"])
    with ctx.writing(bureau, "appeals.file") as work:
        return appeals.describe(appeals.file_appeal(work, row, hours))


def assign(ctx: Context, bureau: str, code: str, reviewer: object) -> dict[str, Any]:
    with ctx.writing(bureau, "appeals.assign") as work:
        return appeals.describe(appeals.assign_appeal(work, code, reviewer))


def decide(
    ctx: Context,
    bureau: str,
    code: str,
    decision: object,
    reason: object,
    value: Any = None,
    target: int | None = None,
    withdraw: bool = False,
) -> dict[str, Any]:
    """Uphold, or correct the input that feeds the appealed indicator (a value, an
    item, a rating or a review decision: ``target`` names its seq)."""
    correction = appeals.Correction(value=value, target=target, withdraw=bool(withdraw))
    with ctx.writing(bureau, "appeals.decide") as work:
        return appeals.describe(appeals.decide_appeal(work, code, decision, reason, correction))


def listing(ctx: Context, bureau: str, overdue: bool = False) -> list[dict[str, Any]]:
    """Appeals; a reporter sees only its own units'."""
    with ctx.reading(bureau, "appeals.read") as work:
        return appeals.listing(work.session, work.bureau.id, work.unit_scope(), overdue)


def get(ctx: Context, bureau: str, code: str) -> dict[str, Any]:
    with ctx.reading(bureau, "appeals.read") as work:
        found = appeals.get_appeal(work.session, work.bureau.id, code)
        scope = work.unit_scope()
        if scope is not None and found.subject.unit_id not in scope:
            from core.kernel.errors import FieldError, NotFound

            raise NotFound(
                f"没有申诉 {code!r} (no appeal {code!r})",
                [FieldError("appeal", "没有此申诉 (no such appeal)")],
            )
        return appeals.describe(found)
