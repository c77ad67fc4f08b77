"""Opening collection rounds, granting extensions, recording reminders, closing periods.

Each operation checks what the office asked against the bureau's state (read under the
bureau's log lock, which the unit of work already holds) and appends one ledger event.
What a unit is expected to report comes from the application layer (it reads the
published scheme's entry form), so these functions take the outstanding figures as
arguments rather than working them out.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select

from core.domain.cycles import get_cycle, get_period
from core.domain.models import (
    ClosedPeriod,
    CollectionExtension,
    CollectionReminder,
    CollectionRound,
    Cycle,
    Indicator,
    Period,
    Unit,
)
from core.domain.organisation import get_unit
from core.domain.work import BureauWork
from core.kernel import clock
from core.kernel.errors import Conflict, FieldError, NotFound, invalid
from core.kernel.queries import fetch
from core.kernel.text import NOTE_MAX, REASON_MAX, check_text
from core.plugin_api import Event

ALL = "*"
"""In ``evidence``: every indicator of the round needs supporting material."""
REMIND_BEFORE = (3, 1)
"""Default reminders: this many days before the deadline…"""
REMIND_OVERDUE = (0, 3, 7)
"""…and this many days after it (0: as soon as it has passed)."""
MAX_DAYS = 366
MAX_CODES = 10_000


@dataclass(frozen=True)
class Round:
    """A period's collection round as the services read it."""

    cycle: Cycle
    period: Period
    deadline: dt.datetime
    units: list[str]
    groups: list[str]
    indicators: list[str] | None
    evidence: list[str]
    remind_before: list[int]
    remind_overdue: list[int]
    seq: int
    closed_seq: int | None

    @property
    def closed(self) -> bool:
        return self.closed_seq is not None

    def needs_evidence(self, indicator: str) -> bool:
        return ALL in self.evidence or indicator in self.evidence


def find_period(work: BureauWork, cycle: object, period: object) -> tuple[Cycle, Period]:
    found = get_cycle(work.session, work.bureau, cycle)
    return found, get_period(work.session, found, period)


def _of_period(column: Any) -> Any:
    table = column.class_
    return (
        select(column)
        .where(table.bureau_id == bindparam("bureau"), table.period_id == bindparam("period"))
        .scalar_subquery()
    )


_PERIOD_STATE = select(
    _of_period(ClosedPeriod.seq),
    _of_period(CollectionRound.deadline),
    _of_period(CollectionRound.spec),
    _of_period(CollectionRound.seq),
)
"""A period's closing seq and its round, in one statement built once: every value
written asks it (:mod:`.gate`)."""


def period_state(work: BureauWork, cycle: Cycle, period: Period) -> tuple[int | None, Round | None]:
    """(the seq that closed the period or None, its collection round or None)."""
    ((closed, deadline, spec, seq),) = fetch(
        work.session, _PERIOD_STATE, {"bureau": work.bureau.id, "period": period.id}
    )
    if deadline is None:
        return closed, None
    opened = json.loads(spec)
    return closed, Round(
        cycle=cycle,
        period=period,
        deadline=clock.instant(deadline),
        units=opened["units"],
        groups=opened.get("groups") or [],
        indicators=opened.get("indicators"),
        evidence=opened.get("evidence") or [],
        remind_before=opened["remind_before"],
        remind_overdue=opened["remind_overdue"],
        seq=seq,
        closed_seq=closed,
    )


def closed_seq(work: BureauWork, period: Period) -> int | None:
    row = work.session.get(ClosedPeriod, (work.bureau.id, period.id))
    return row.seq if row else None


def load_round(work: BureauWork, cycle: Cycle, period: Period) -> Round | None:
    return period_state(work, cycle, period)[1]


def get_round(work: BureauWork, cycle: object, period: object) -> Round:
    found_cycle, found_period = find_period(work, cycle, period)
    found = load_round(work, found_cycle, found_period)
    if found is None:
        raise NotFound(
            f"{found_cycle.code}/{found_period.code} 未开始收数 "
            f"(no collection round for {found_cycle.code}/{found_period.code})",
            [FieldError("period", "未开始收数 (no collection round was opened for it)")],
        )
    return found


def all_rounds(work: BureauWork) -> list[Round]:
    """The bureau's rounds, nearest deadline first."""
    rows = work.session.execute(
        select(Period, Cycle)
        .join(CollectionRound, CollectionRound.period_id == Period.id)
        .join(Cycle, Period.cycle_id == Cycle.id)
        .where(CollectionRound.bureau_id == work.bureau.id)
    ).all()
    found = [load_round(work, cycle, period) for period, cycle in rows]
    return sorted(found, key=lambda r: r.deadline)


def open_rounds(work: BureauWork) -> list[Round]:
    """The bureau's rounds whose period is not closed, nearest deadline first."""
    return [r for r in all_rounds(work) if not r.closed]


def extensions(work: BureauWork, period: Period) -> dict[str, tuple[dt.datetime, str]]:
    """unit code → (deadline, reason) of the extensions granted for a period."""
    rows = work.session.execute(
        select(Unit.code, CollectionExtension.deadline, CollectionExtension.reason)
        .join(Unit, CollectionExtension.unit_id == Unit.id)
        .where(
            CollectionExtension.bureau_id == work.bureau.id,
            CollectionExtension.period_id == period.id,
        )
    )
    return {code: (clock.instant(deadline), reason) for code, deadline, reason in rows}


def reminders_sent(work: BureauWork, period: Period) -> set[str]:
    return set(
        work.session.scalars(
            select(CollectionReminder.key).where(
                CollectionReminder.bureau_id == work.bureau.id,
                CollectionReminder.period_id == period.id,
            )
        )
    )


# --------------------------------------------------------------------------- validation


def _code_list(field: str, value: object, allow_all: bool = False) -> list[str]:
    if allow_all and value in (ALL, "all"):
        return [ALL]
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple) or len(value) > MAX_CODES:
        raise invalid(
            field, f"须为代码列表（最多 {MAX_CODES} 个）(a list of codes (at most {MAX_CODES}))"
        )
    out: list[str] = []
    for item in value:
        if not isinstance(item, str) or not 0 < len(item) <= 64:
            raise invalid(field, f"{item!r} 不是代码 ({item!r} is not a code)")
        if item not in out:
            out.append(item)
    return out


def _days(field: str, value: object, default: Sequence[int], least: int) -> list[int]:
    if value is None:
        return list(default)
    if isinstance(value, str):
        try:
            value = [int(v) for v in value.split(",") if v.strip()]
        except ValueError:
            raise invalid(
                field, "须为整数天数，如 3,1 (whole numbers of days, such as 3,1)"
            ) from None
    if not isinstance(value, list | tuple) or len(value) > 20:
        raise invalid(
            field, "须为整数天数的列表，如 [3, 1] (a list of whole numbers of days, such as [3, 1])"
        )
    days = []
    for day in value:
        if isinstance(day, bool) or not isinstance(day, int) or not least <= day <= MAX_DAYS:
            raise invalid(
                field,
                f"{day!r}：天数须为 {least} 到 {MAX_DAYS} 的整数 "
                f"({day!r}: days must be whole numbers from {least} to {MAX_DAYS})",
            )
        days.append(day)
    return sorted(set(days), reverse=True)


def future_deadline(field: str, raw: object, after: dt.datetime | None = None) -> dt.datetime:
    try:
        deadline = clock.parse_deadline(raw)
    except ValueError as exc:
        raise invalid(field, str(exc)) from None
    if deadline <= clock.now():
        shown = clock.stamp(deadline)
        raise invalid(field, f"{shown} 已经过去 ({shown} has already passed)")
    if after is not None and deadline <= after:
        shown = clock.stamp(after)
        raise invalid(
            field,
            f"须晚于被延长的截止时间（{shown}） "
            f"(must be later than the deadline it extends ({shown}))",
        )
    return deadline


def _units(work: BureauWork, units: object, groups: object) -> tuple[list[str], list[str]]:
    """The round's units: those named plus every unit of the groups named."""
    codes = [] if units is None else _code_list("units", units)
    group_codes = [] if groups is None else _code_list("groups", groups)
    for code in codes:
        get_unit(work.session, work.bureau, code, "units")
    for group in group_codes:
        members = work.session.scalars(
            select(Unit.code)
            .where(Unit.bureau_id == work.bureau.id, Unit.group_code == group)
            .order_by(Unit.code)
        ).all()
        if not members:
            raise invalid("groups", f"组 {group!r} 中没有单位 (no unit is in group {group!r})")
        codes.extend(m for m in members if m not in codes)
    return codes, group_codes


def _indicators(work: BureauWork, field: str, codes: list[str]) -> None:
    known = set(
        work.session.scalars(
            select(Indicator.code).where(
                Indicator.bureau_id == work.bureau.id, Indicator.code.in_(codes)
            )
        )
    )
    unknown = [c for c in codes if c != ALL and c not in known]
    if unknown:
        raise invalid(field, f"没有指标 {unknown[0]!r} (unknown indicator)")


# --------------------------------------------------------------------------- operations


def open_round(
    work: BureauWork, cycle: object, period: object, spec: dict[str, Any], default_units
) -> Event:
    """Open collection for a period: ``spec`` names ``deadline`` and optionally
    ``units``/``groups`` (default: ``default_units(cycle, period)``, every unit the
    published schemes ask figures of), ``indicators`` (default: what each unit's scheme
    asks), ``evidence`` (indicator codes, or ``*`` for all), reminder days and a note."""
    found_cycle, found_period = find_period(work, cycle, period)
    where = f"{found_cycle.code}/{found_period.code}"
    if closed_seq(work, found_period) is not None:
        raise Conflict(
            f"{where} 收数已截止 ({where} is closed)",
            [FieldError("period", "收数已截止 (already closed)")],
        )
    if load_round(work, found_cycle, found_period) is not None:
        raise Conflict(
            f"{where} 已开始收数 (a collection round for {where} is already open)",
            [FieldError("period", "已开始收数 (already open: extend units' deadlines instead)")],
        )
    unknown = sorted(set(spec) - {"deadline", "units", "groups", "indicators", "evidence",
                                  "remind_before", "remind_overdue", "note"})  # fmt: skip
    if unknown:
        raise invalid(unknown[0], "不是收数轮次的设置项 (is not a setting of a collection round)")
    deadline = future_deadline("deadline", spec.get("deadline"))
    units, groups = _units(work, spec.get("units"), spec.get("groups"))
    if not units and spec.get("units") is None and spec.get("groups") is None:
        units = default_units(found_cycle, found_period)
    if not units:
        raise invalid(
            "units",
            "没有可收数的单位：请指定单位或组 (no unit to collect from: name units or groups)",
        )
    data: dict[str, Any] = {
        "cycle": found_cycle.code,
        "period": found_period.code,
        "deadline": clock.stamp(deadline),
        "units": units,
        "remind_before": _days("remind_before", spec.get("remind_before"), REMIND_BEFORE, 1),
        "remind_overdue": _days("remind_overdue", spec.get("remind_overdue"), REMIND_OVERDUE, 0),
    }
    if groups:
        data["groups"] = groups
    if spec.get("indicators") is not None:
        data["indicators"] = _code_list("indicators", spec["indicators"])
        if not data["indicators"]:
            raise invalid(
                "indicators",
                "请至少指定一个，或不填以使用方案的指标 "
                "(name at least one, or leave it out for the scheme's)",
            )
        _indicators(work, "indicators", data["indicators"])
    if spec.get("evidence") not in (None, "", []):
        data["evidence"] = _code_list("evidence", spec["evidence"], allow_all=True)
        _indicators(work, "evidence", data["evidence"])
    note = check_text("note", spec.get("note"), NOTE_MAX, required=False, multiline=True)
    if note:
        data["note"] = note
    return work.log.record("collection.opened", data)


def extend(
    work: BureauWork, cycle: object, period: object, unit: object, deadline: object, reason: object
) -> Event:
    """Grant one unit a later deadline, with the reason on the record; it also lets the
    unit enter figures after the period closed, until that deadline."""
    found_cycle, found_period = find_period(work, cycle, period)
    found_unit = get_unit(work.session, work.bureau, unit)
    current = load_round(work, found_cycle, found_period)
    if current is None and closed_seq(work, found_period) is None:
        raise Conflict(
            f"{found_cycle.code}/{found_period.code} 未开始收数 "
            f"(no collection round for {found_cycle.code}/{found_period.code})",
            [FieldError("period", "未开始收数 (no round to extend: open one first)")],
        )
    if current is not None and found_unit.code not in current.units:
        code = found_unit.code
        raise invalid(
            "unit", f"本轮未向 {code} 收数 ({code} is not asked for figures in this round)"
        )
    previous = extensions(work, found_period).get(found_unit.code)
    after = previous[0] if previous else (current.deadline if current else None)
    data = {
        "cycle": found_cycle.code,
        "period": found_period.code,
        "unit": found_unit.code,
        "deadline": clock.stamp(future_deadline("deadline", deadline, after)),
        "reason": check_text("reason", reason, REASON_MAX, multiline=True),
    }
    return work.log.record("collection.extended", data)


def remind(
    work: BureauWork, found: Round, when: str, keys: list[str], outstanding: list[dict]
) -> Event:
    """Record a reminder (webhooks carry it on to OA or SMS): the units still owing
    figures and what they owe. ``keys`` are the reminder slots it fills."""
    days = int(keys[-1].partition(":")[2])
    return work.log.record(
        "collection.reminded",
        {
            "cycle": found.cycle.code,
            "period": found.period.code,
            "when": when,
            "days": days,
            "deadline": clock.stamp(found.deadline),
            "keys": keys,
            "units": outstanding,
        },
    )


def close(
    work: BureauWork, cycle: Cycle, period: Period, reason: object, outstanding: list[dict]
) -> Event:
    """Close a period for collection, recording who still owed what."""
    if closed_seq(work, period) is not None:
        raise Conflict(
            f"{cycle.code}/{period.code} 收数已截止 ({cycle.code}/{period.code} is already closed)",
            [FieldError("period", "收数已截止 (already closed)")],
        )
    data: dict[str, Any] = {"cycle": cycle.code, "period": period.code, "outstanding": outstanding}
    text = check_text("reason", reason, REASON_MAX, required=False, multiline=True)
    if text:
        data["reason"] = text
    return work.log.record("collection.closed", data)
