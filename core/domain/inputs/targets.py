"""What an input is about: a subject (unit or person), an indicator and a period of a
cycle, resolved from a row's codes with an error naming the row and field.

Rows of one import name the same few units and indicators again and again; the objects
found are remembered for the unit of work (a session lives for one transaction), so a
10,000-row workbook costs a handful of lookups, not 40,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from core.domain.cycles import get_cycle, get_period
from core.domain.lookups import remember_id
from core.domain.models import Bureau, Cycle, Indicator, Period, Subject
from core.domain.organisation import get_indicator, get_person, get_unit
from core.domain.work import BureauWork
from core.kernel.errors import FieldError, Forbidden, InvalidInput, invalid
from core.kernel.queries import get_by

_MEMO = "jixiao.targets"
TARGET_FIELDS = ("indicator", "cycle", "period")
KIND_ZH = {"unit": "单位", "person": "人员"}
"""A subject's kind as messages name it in Chinese."""


@dataclass(frozen=True)
class Target:
    subject: Subject
    indicator: Indicator
    cycle: Cycle
    period: Period

    @property
    def key(self) -> tuple[int, int, int]:
        """(subject, indicator, period) ids: the key of every per-input projection."""
        return self.subject.id, self.indicator.id, self.period.id

    def data(self) -> dict[str, str]:
        """How entries name it: ``unit`` or ``person``, then indicator, cycle, period."""
        return {
            self.subject.kind: self.subject.code,
            "indicator": self.indicator.code,
            "cycle": self.cycle.code,
            "period": self.period.code,
        }

    def describe(self) -> str:
        return f"{self.subject.code} · {self.indicator.code} · {self.period.code}"


def _memo(session: Session) -> dict[tuple, Any]:
    found = session.info.get(_MEMO)
    if found is None:
        found = session.info[_MEMO] = {}
    return found


def remember(session: Session, key: tuple, found: Any) -> None:
    """Seed the memo with an object loaded in bulk (see :mod:`.prefetch`)."""
    _memo(session)[key] = found


def _remembered(session: Session, key: tuple, find) -> Any:
    memo = _memo(session)
    found = memo.get(key)
    if found is None:
        found = memo[key] = find()
    return found


def subject_of(session: Session, bureau: Bureau, row: dict, number: int | None = None) -> Subject:
    """The subject a row names: ``person`` (a member of staff, D-43) or ``unit``."""
    person, unit = row.get("person"), row.get("unit")
    if person in (None, "") and unit in (None, ""):
        raise invalid(
            "unit", "必填：单位或人员 (is required, or person for a member of staff)", number
        )
    if person not in (None, ""):
        found = _remembered(
            session, ("person", person), lambda: get_person(session, bureau, person, row=number)
        )
        if unit not in (None, "") and (found.unit is None or found.unit.code != unit):
            raise invalid(
                "person",
                f"{found.code} 不属于单位 {unit} ({found.code} is not in unit {unit})",
                number,
            )
        kind, code = "person", found.code
    else:
        kind, code = (
            "unit",
            _remembered(
                session, ("unit", unit), lambda: get_unit(session, bureau, unit, row=number)
            ).code,
        )
    return _remembered(
        session,
        ("subject", kind, code),
        lambda: get_by(session, Subject, bureau_id=bureau.id, kind=kind, code=code),
    )


def resolve(
    work: BureauWork, row: dict, number: int | None = None, permission: str | None = None
) -> Target:
    """The target a row names; ``permission`` is checked for the subject's unit (a
    reporter records only for its own units and their staff)."""
    if not isinstance(row, dict):
        raise invalid("row", "须为对象 (must be an object)", number)
    missing = [f for f in TARGET_FIELDS if row.get(f) in (None, "")]
    if missing:
        raise InvalidInput(
            "缺少必填字段 (missing fields)",
            [FieldError(f, "必填 (is required)", number) for f in missing],
        )
    for field in ("unit", "person", *TARGET_FIELDS):
        if row.get(field) is not None and not isinstance(row[field], str):
            raise invalid(field, "须为代码文本 (must be a code, as text)", number)
    session, bureau = work.session, work.bureau
    subject = subject_of(session, bureau, row, number)
    if permission is not None and not work.can_for(permission, subject):
        field = subject.kind
        raise Forbidden(
            f"无权为{KIND_ZH.get(subject.kind, subject.kind)} {subject.code} 执行 {permission} "
            f"(may not {permission} for {subject.kind} {subject.code})",
            [
                FieldError(
                    field, f"无权填报 {subject.code} (not assigned to {subject.code})", number
                )
            ],
        )
    indicator = _remembered(
        session,
        ("indicator", row["indicator"]),
        lambda: get_indicator(session, bureau, row["indicator"], number),
    )
    cycle = _remembered(
        session,
        ("cycle", row["cycle"]),
        lambda: get_cycle(session, bureau, row["cycle"], row=number),
    )
    period = _remembered(
        session,
        ("period", cycle.id, row["period"]),
        lambda: get_period(session, cycle, row["period"], row=number),
    )
    _remember_ids(session, bureau.id, subject, indicator, cycle, period)
    return Target(subject, indicator, cycle, period)


def _remember_ids(
    session: Session,
    bureau_id: int,
    subject: Subject,
    indicator: Indicator,
    cycle: Cycle,
    period: Period,
) -> None:
    """Give the projectors the ids just resolved, so an entry's codes are looked up
    once per unit of work, not again when it is projected."""
    remember_id(session, ("subject", bureau_id, subject.kind, subject.code), subject.id)
    remember_id(session, ("indicator", bureau_id, indicator.code), indicator.id)
    remember_id(session, ("cycle", bureau_id, cycle.code), cycle.id)
    remember_id(session, ("period", bureau_id, cycle.code, period.code), period.id)
