"""Recording indicator values (one or a whole import), all-or-nothing.

Every row is validated before anything is written; if any row is wrong, the caller gets
every error (row, field, reason) and the database is untouched. A value that already
exists for (unit, indicator, period) is only replaced by a *correction* that names the
entry it corrects (``corrects`` = its seq): the old entry stays in the ledger, the new
one points at it, and a stale correction (someone else corrected first) is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from core.domain.access import Principal
from core.domain.assessment.entry_context import EntryContexts
from core.domain.cycles import get_cycle, get_period
from core.domain.models import Bureau, Indicator, IndicatorValue, Period, Unit
from core.domain.organisation import get_indicator, get_unit
from core.domain.projections import record
from core.kernel.errors import Conflict, FieldError, Forbidden, InvalidInput, validate_rows
from core.kernel.numbers import as_text, parse_decimal
from core.ledger.store import Appended, Record
from core.services.platform import Platform

GRADE_MEASURE = "grade"


@dataclass
class Recorded:
    entries: list[Appended]
    warnings: list[dict] = field(default_factory=list)


def _validate_row(
    session: Session, bureau: Bureau, row: dict[str, Any], who: Principal | None
) -> tuple[dict, tuple, Period, Indicator, Unit]:
    """One row → ledger data, its key, and its period and indicator; raises ServiceError."""
    missing = [f for f in ("unit", "indicator", "cycle", "period", "value") if row.get(f) is None]
    if missing:
        raise InvalidInput("missing fields", [FieldError(f, "is required") for f in missing])
    unit = get_unit(session, bureau, str(row["unit"]))
    if who is not None and not who.can("values.record", bureau.id, unit.id):
        raise Forbidden(
            f"may not record values for unit {unit.code}",
            [FieldError("unit", f"not assigned to {unit.code}")],
        )
    indicator = get_indicator(session, bureau, str(row["indicator"]))
    cycle = get_cycle(session, bureau, str(row["cycle"]))
    period = get_period(session, cycle, str(row["period"]))
    data = {
        "unit": unit.code,
        "indicator": indicator.code,
        "cycle": cycle.code,
        "period": period.code,
        "value": _value_text(indicator, row["value"]),
        "corrects": row.get("corrects"),
    }
    if row.get("note"):
        data["note"] = str(row["note"])[:2000]
    return data, (unit.id, indicator.id, period.id), period, indicator, unit


def _value_text(indicator: Indicator, raw: Any) -> str:
    """A decimal as plain text; for a qualitative indicator (measure ``grade``) the grade
    label itself (优/良/中/差), scored by a ``grade_points`` rule."""
    if indicator.measure == GRADE_MEASURE:
        label = str(raw).strip() if isinstance(raw, (str, int)) else ""
        if not label or len(label) > 32:
            reason = "a grade label of 1–32 characters, such as 优秀"
            raise InvalidInput(reason, [FieldError("value", reason)])
        return label
    try:
        return as_text(parse_decimal(raw))
    except ValueError as exc:
        raise InvalidInput(str(exc), [FieldError("value", str(exc))]) from exc


def _check_correction(session: Session, key: tuple, corrects: Any, pending: dict) -> None:
    if key in pending:
        raise InvalidInput(
            "duplicate row",
            [FieldError("unit", f"same unit, indicator and period as row {pending[key]}")],
        )
    row = session.get(IndicatorValue, key)
    current = row.seq if row else None
    if current is None and corrects is not None:
        raise InvalidInput("nothing to correct", [FieldError("corrects", "no value recorded yet")])
    if current is not None and corrects != current:
        raise Conflict(
            f"a value is already recorded (seq {current})",
            [
                FieldError(
                    "corrects", f"send corrects: {current} to correct the value of seq {current}"
                )
            ],
        )


def record_values(
    session: Session,
    platform: Platform,
    bureau: Bureau,
    rows: Sequence[dict[str, Any]],
    who: Principal | None,
    actor: str,
) -> Recorded:
    """Validate every row, then append them all under one lock, or write nothing."""
    warnings: list[dict] = []
    pending: dict[tuple, int] = {}
    checks = platform.plugins.value_checks(platform.installed_plugins(session, bureau.id))
    contexts = EntryContexts(session, bureau)

    def validate(number: int, row: dict[str, Any]) -> dict:
        data, key, period, indicator, unit = _validate_row(session, bureau, row, who)
        _check_correction(session, key, data["corrects"], pending)
        pending[key] = number
        if indicator.measure != GRADE_MEASURE:
            ctx = contexts.build(data, unit, indicator, period)
            warnings.extend(
                {"row": number, "check": c.name, "message": m} for c in checks for m in c.check(ctx)
            )
        return data

    datas = validate_rows(rows, validate)
    entries = record(session, bureau.log_id, [Record("value.recorded", d, actor) for d in datas])
    if warnings:
        raised = record(
            session,
            bureau.log_id,
            [
                Record(
                    "warning.raised",
                    _warning(datas[w["row"] - 1], entries[w["row"] - 1], w),
                    "system:checks",
                )
                for w in warnings
            ],
        )
        for w, entry in zip(warnings, raised, strict=True):
            w["seq"] = entry.seq
    return Recorded(entries, warnings)


def _warning(data: dict, entry, warning: dict) -> dict:
    """A warning on the record (D-22, D-23): what was flagged, by which check, and the
    value entry it concerns, so reviewers and subscribers can follow it up."""
    return {
        "unit": data["unit"],
        "indicator": data["indicator"],
        "cycle": data["cycle"],
        "period": data["period"],
        "value": data["value"],
        "value_seq": entry.seq,
        "check": warning["check"],
        "message": warning["message"],
    }
