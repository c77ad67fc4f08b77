"""Indicator values (指标数据): the one entry path every channel uses (API, CLI, Excel,
console, importers), and reading them back.

``record`` validates every row (types, units of measure, the subject's permission,
corrections, plugin checks) and then appends all rows in one batch, or nothing; the
answer carries each entry and the warnings the bureau's checks raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from core.domain.inputs import values
from core.domain.models import Cycle, Indicator, IndicatorValue, Period, Subject
from core.domain.organisation import check_code
from core.services import views
from core.services.context import Context


def recorded(done: values.Recorded) -> dict[str, Any]:
    return {
        "entries": [views.event(e) for e in done.entries],
        "warnings": done.warnings,
        "skipped_rows": done.skipped,
    }


def record(ctx: Context, bureau: str, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Record values (all rows or none); to change a value, send ``corrects``."""
    with ctx.writing(bureau, "values.record") as work:
        return recorded(values.record_values(work, rows))


def withdraw(ctx: Context, bureau: str, row: dict[str, Any]) -> dict[str, Any]:
    """Withdraw the current value of (subject, indicator, period), naming its seq."""
    with ctx.writing(bureau, "values.record") as work:
        return views.event(values.withdraw_value(work, row))


def listing(ctx: Context, bureau: str, filters: dict[str, str] | None = None) -> list[dict]:
    """Current values; unit-scoped callers see their own units (and their staff)."""
    filters = {k: check_code(v, k) for k, v in (filters or {}).items() if v}
    with ctx.reading(bureau, "values.read") as work:
        stmt = (
            select(IndicatorValue, Subject, Indicator, Period, Cycle)
            .join(Subject, IndicatorValue.subject_id == Subject.id)
            .join(Indicator, IndicatorValue.indicator_id == Indicator.id)
            .join(Period, IndicatorValue.period_id == Period.id)
            .join(Cycle, Period.cycle_id == Cycle.id)
            .where(Subject.bureau_id == work.bureau.id)
        )
        for column, key in (
            (Indicator.code, "indicator"),
            (Cycle.code, "cycle"),
            (Period.code, "period"),
        ):
            if filters.get(key):
                stmt = stmt.where(column == filters[key])
        if filters.get("unit"):
            stmt = stmt.where(Subject.kind == "unit", Subject.code == filters["unit"])
        if filters.get("person"):
            stmt = stmt.where(Subject.kind == "person", Subject.code == filters["person"])
        scope = work.unit_scope()
        if scope is not None:
            stmt = stmt.where(Subject.unit_id.in_(scope))
        rows = work.session.execute(stmt.order_by(Subject.code, Indicator.code, Period.start))
        return [
            {
                subject.kind: subject.code,
                "unit": subject.unit.code if subject.unit else None,
                "indicator": indicator.code,
                "cycle": cycle.code,
                "period": period.code,
                "value": value.value,
                "seq": value.seq,
                "review": value.review,
                "late": value.late,
            }
            for value, subject, indicator, period, cycle in rows
        ]
