"""Appeals (申诉复核, D-33): filed → assigned → decided, every step on the record.

A unit appeals the score of one indicator in one period, with reasons and evidence
hashes. The deadline (``JIXIAO_APPEAL_HOURS``, 48 hours by default) is fixed when the
appeal is filed and written into the ledger, so replay gives the same deadline. A
decision upholds the score or corrects it: the correction is a new ``value.recorded``
entry whose ``corrects`` names the old seq and whose ``appeal`` names the appeal; results
follow it like any other value.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.domain.access import Principal
from core.domain.assessment.collection import evidence_hashes, required_fields, resolve_target
from core.domain.models import Appeal, Bureau, Indicator, IndicatorValue, Period, Unit, User
from core.domain.projections import record
from core.domain.values import record_values
from core.kernel.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from core.ledger.store import Record, lock_log
from core.services.platform import Platform

OPEN = ("filed", "assigned")
DECISIONS = ("upheld", "corrected")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def get_appeal(session: Session, bureau: Bureau, code: str) -> Appeal:
    found = session.scalar(select(Appeal).where(Appeal.bureau_id == bureau.id, Appeal.code == code))
    if found is None:
        raise NotFound(f"no appeal {code!r}", [FieldError("appeal", "no such appeal")])
    return found


def file_appeal(
    session: Session,
    bureau: Bureau,
    row: dict[str, Any],
    who: Principal | None,
    actor: str,
    hours: int,
) -> Appeal:
    required_fields(row, ("unit", "indicator", "cycle", "period", "reasons"))
    data = resolve_target(session, bureau, row)
    unit_id, indicator_id, _, period_id = data.pop("_ids")
    if who is not None and not who.can("appeals.file", bureau.id, unit_id):
        raise Forbidden(
            f"may not appeal for unit {data['unit']}",
            [FieldError("unit", f"not assigned to {data['unit']}")],
        )
    current = session.get(IndicatorValue, (unit_id, indicator_id, period_id))
    # Number the appeal under the bureau's log lock, so two filings at once on
    # PostgreSQL cannot both take the next code (the append takes the same lock).
    lock_log(session, bureau.log_id)
    count = session.scalar(select(func.count()).where(Appeal.bureau_id == bureau.id)) or 0
    data.update(
        code=f"A{count + 1:05d}",
        value_seq=current.seq if current else None,
        reasons=str(row["reasons"])[:4000],
        evidence=evidence_hashes(session, bureau, row.get("evidence", [])),
        deadline=_stamp(_now() + dt.timedelta(hours=hours)),
    )
    record(session, bureau.log_id, [Record("appeal.filed", data, actor)])
    return get_appeal(session, bureau, data["code"])


def assign_appeal(session: Session, bureau: Bureau, code: str, reviewer: str, actor: str) -> Appeal:
    appeal = get_appeal(session, bureau, code)
    _still_open(appeal)
    user = session.scalar(
        select(User).where(User.username == reviewer, User.bureau_id == bureau.id)
    )
    if user is None or user.role not in ("reviewer", "bureau_admin"):
        raise InvalidInput(
            "not a reviewer", [FieldError("reviewer", f"{reviewer!r} is no reviewer of the bureau")]
        )
    data = {"code": code, "reviewer": reviewer}
    record(session, bureau.log_id, [Record("appeal.assigned", data, actor)])
    return appeal


def decide_appeal(
    session: Session,
    platform: Platform,
    bureau: Bureau,
    code: str,
    decision: str,
    reason: str,
    value: Any,
    who: Principal | None,
    actor: str,
) -> Appeal:
    """Uphold, or correct by recording the new value (referencing the old seq)."""
    appeal = get_appeal(session, bureau, code)
    _still_open(appeal)
    if appeal.status != "assigned":
        raise Conflict("not assigned", [FieldError("appeal", "assign a reviewer first")])
    if who is not None and who.role == "reviewer" and who.username != appeal.reviewer:
        raise Forbidden("not your appeal", [FieldError("appeal", f"assigned to {appeal.reviewer}")])
    if decision not in DECISIONS:
        raise InvalidInput("bad decision", [FieldError("decision", "upheld or corrected")])
    if not reason.strip():
        raise InvalidInput("no reason", [FieldError("reason", "say why")])
    correction_seq = None
    if decision == "corrected":
        if value is None:
            raise InvalidInput("no value", [FieldError("value", "the corrected value")])
        current = session.get(
            IndicatorValue, (appeal.unit_id, appeal.indicator_id, appeal.period_id)
        )
        row = _value_row(session, appeal, value, current.seq if current else None)
        (entry,) = record_values(session, platform, bureau, [row], None, actor).entries
        correction_seq = entry.seq
    data = {
        "code": code,
        "decision": decision,
        "reason": reason[:4000],
        "correction_seq": correction_seq,
    }
    record(session, bureau.log_id, [Record("appeal.decided", data, actor)])
    return appeal


def _value_row(session: Session, appeal: Appeal, value: Any, corrects: int | None) -> dict:
    unit, indicator, period = (
        session.get(Unit, appeal.unit_id),
        session.get(Indicator, appeal.indicator_id),
        session.get(Period, appeal.period_id),
    )
    return {
        "unit": unit.code,
        "indicator": indicator.code,
        "cycle": period.cycle.code,
        "period": period.code,
        "value": value,
        "corrects": corrects,
        "note": f"appeal {appeal.code}",
    }


def _still_open(appeal: Appeal) -> None:
    if appeal.status not in OPEN:
        raise Conflict(
            f"appeal {appeal.code} is already decided",
            [FieldError("appeal", f"decided at seq {appeal.decided_seq}")],
        )


def describe(appeal: Appeal, now: dt.datetime | None = None) -> dict:
    now = now or _now()
    deadline = dt.datetime.strptime(appeal.deadline, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return {
        "code": appeal.code,
        "unit": appeal.unit.code,
        "indicator": appeal.indicator.code,
        "cycle": appeal.period.cycle.code,
        "period": appeal.period.code,
        "value_seq": appeal.value_seq,
        "reasons": appeal.reasons,
        "evidence": json.loads(appeal.evidence),
        "status": appeal.status,
        "reviewer": appeal.reviewer,
        "deadline": appeal.deadline,
        "overdue": appeal.status in OPEN and deadline < now,
        "decision": appeal.decision,
        "filed_seq": appeal.filed_seq,
        "decided_seq": appeal.decided_seq,
        "correction_seq": appeal.correction_seq,
    }


def listing(
    session: Session, bureau: Bureau, overdue_only: bool = False, now: dt.datetime | None = None
) -> list[dict]:
    rows = session.scalars(
        select(Appeal).where(Appeal.bureau_id == bureau.id).order_by(Appeal.code)
    )
    out = [describe(a, now) for a in rows]
    return [a for a in out if a["overdue"]] if overdue_only else out
