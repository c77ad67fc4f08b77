"""Assessment cycles and their periods (D-21): day, month, quarter, half and year.

Periods are calendar-aligned and lie wholly inside the cycle. Codes are stable and
readable: ``2026``, ``2026-H1``, ``2026-Q3``, ``2026-07``, ``2026-07-15``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain.models import Bureau, Cycle, Period
from core.domain.organisation import check_new
from core.domain.work import BureauWork
from core.kernel.errors import invalid
from core.kernel.queries import find

PERIOD_KINDS = ("year", "half", "quarter", "month", "day")
FIRST_YEAR, LAST_YEAR = 2000, 2999
"""The years a cycle may lie in (collection deadlines use the same range)."""
_MONTHS_PER = {"year": 12, "half": 6, "quarter": 3, "month": 1}


def _month_add(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _code(kind: str, start: dt.date) -> str:
    if kind == "year":
        return f"{start.year}"
    if kind == "half":
        return f"{start.year}-H{(start.month - 1) // 6 + 1}"
    if kind == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if kind == "month":
        return f"{start.year}-{start.month:02d}"
    return start.isoformat()


def periods_between(
    start: dt.date, end: dt.date, kind: str
) -> Iterator[tuple[str, dt.date, dt.date]]:
    """Calendar-aligned periods of ``kind`` that lie wholly in [start, end]."""
    if kind == "day":
        day = start
        while day <= end:
            yield _code(kind, day), day, day
            day += dt.timedelta(days=1)
        return
    step = _MONTHS_PER[kind]
    first = dt.date(start.year, ((start.month - 1) // step) * step + 1, 1)
    while first <= end:
        nxt = _month_add(first, step)
        last = nxt - dt.timedelta(days=1)
        if first >= start and last <= end:
            yield _code(kind, first), first, last
        first = nxt


def create_cycle(
    work: BureauWork,
    code: object,
    name: object,
    start: dt.date,
    end: dt.date,
    kinds: list[str],
) -> Cycle:
    code, name = check_new(work.session, Cycle, code, name, work.bureau.id)
    for field_name, day in (("start", start), ("end", end)):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:  # year 9999's last period ends past it
            raise invalid(field_name, f"须在 {FIRST_YEAR} 至 {LAST_YEAR} 年之间 (a year from "
                                      f"{FIRST_YEAR} to {LAST_YEAR})")  # fmt: skip
    if end < start:
        raise invalid("end", "不得早于开始日期 (must not be before start)")
    if (end - start).days > 366 * 5:
        raise invalid("end", "周期最长五年 (a cycle may span at most five years)")
    bad = [k for k in kinds if k not in PERIOD_KINDS]
    if bad or not kinds:
        choices = ", ".join(PERIOD_KINDS)
        raise invalid("periods", f"请从以下选择：{choices} (choose from {choices})")
    periods = [
        {"code": c, "kind": kind, "start": s.isoformat(), "end": e.isoformat()}
        for kind in PERIOD_KINDS
        if kind in kinds
        for c, s, e in periods_between(start, end, kind)
    ]
    if not periods:
        raise invalid(
            "periods",
            "开始与结束日期之间容不下一个完整的此类期间 "
            "(no whole period of that kind fits between start and end)",
        )
    data = {
        "code": code,
        "name": name,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "periods": periods,
    }
    work.log.record("cycle.created", data)
    return get_cycle(work.session, work.bureau, code)


def get_cycle(
    session: Session, bureau: Bureau, code: object, field: str = "cycle", row: int | None = None
) -> Cycle:
    cycle = None
    if isinstance(code, str) and 0 < len(code) <= 64:
        cycle = find(session, Cycle, bureau_id=bureau.id, code=code)
    if cycle is None:
        raise invalid(field, f"没有周期 {code!r} (unknown cycle in bureau {bureau.code})", row)
    return cycle


def get_period(
    session: Session, cycle: Cycle, code: object, field: str = "period", row: int | None = None
) -> Period:
    period = None
    if isinstance(code, str) and 0 < len(code) <= 32:
        period = find(session, Period, cycle_id=cycle.id, code=code)
    if period is None:
        valid = ", ".join(p.code for p in cycle.periods)
        raise invalid(
            field,
            f"周期 {cycle.code} 没有期间 {code!r} (not a period of the cycle; valid: {valid})",
            row,
        )
    return period


def open_cycles(session: Session, bureau: Bureau) -> list[Cycle]:
    """Cycles still being assessed: every cycle with a period not yet closed for
    collection (a cycle whose every period is closed is finished)."""
    from core.domain.models import ClosedPeriod

    cycles = session.scalars(
        select(Cycle).where(Cycle.bureau_id == bureau.id).order_by(Cycle.start)
    )
    closed = set(
        session.scalars(select(ClosedPeriod.period_id).where(ClosedPeriod.bureau_id == bureau.id))
    )
    return [c for c in cycles if any(p.id not in closed for p in c.periods)]
