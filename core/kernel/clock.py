"""Time: the platform's clock and the deadlines people give it.

Deadlines are days in China Standard Time (UTC+8, no daylight saving): "due 15 April"
means until the end of 15 April in Beijing, whatever zone the server runs in. A
deadline may also be given as an ISO date-time with its offset (a naive one is read as
Beijing time). Instants are kept as ISO text with the offset, so the ledger says what
the office said.
"""

from __future__ import annotations

import datetime as dt

CST = dt.timezone(dt.timedelta(hours=8), "CST")
END_OF_DAY = dt.time(23, 59, 59)


def now() -> dt.datetime:
    """The current instant (UTC); the one place services ask, so tests can move it."""
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today's date in Beijing."""
    return now().astimezone(CST).date()


def parse_deadline(raw: object) -> dt.datetime:
    """A deadline from ``2026-04-15`` (the end of that day, Beijing time) or an ISO
    date-time (with an offset, or naive for Beijing time); ValueError saying why."""
    if isinstance(raw, dt.datetime):
        instant = raw
    elif isinstance(raw, dt.date):
        instant = dt.datetime.combine(raw, END_OF_DAY)
    elif isinstance(raw, str) and 0 < len(raw) <= 40:
        text = raw.strip()
        if "W" in text.upper().split("T")[0]:
            raise ValueError(
                f"{raw!r} 是周，请填具体日期，如 2026-04-15 "
                f"({raw!r} is a week: give the day, such as 2026-04-15)"
            )
        try:
            try:  # any way of writing a day (2026-04-15, 20260415, 2026-W16-3): its end
                instant = dt.datetime.combine(dt.date.fromisoformat(text), END_OF_DAY)
            except ValueError:
                instant = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{raw!r} 不是日期，应如 2026-04-15（或 2026-04-15T17:00+08:00） "
                f"({raw!r} is not a date such as 2026-04-15 (or 2026-04-15T17:00+08:00))"
            ) from None
    else:
        raise ValueError(
            "须为日期，如 2026-04-15（或 2026-04-15T17:00+08:00） "
            "(a date such as 2026-04-15 (or 2026-04-15T17:00+08:00))"
        )
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=CST)
    if not 2000 <= instant.year <= 2999:
        raise ValueError("须为 2000 至 2999 年之间的日期 (a date between the years 2000 and 2999)")
    return instant.replace(microsecond=0)


def stamp(instant: dt.datetime) -> str:
    """An instant as ISO text in Beijing time, e.g. ``2026-04-15T23:59:59+08:00``."""
    return instant.astimezone(CST).isoformat()


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)
