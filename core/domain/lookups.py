"""Ids of a bureau's records by code, remembered for the session.

Projectors and validation resolve the same codes again and again within one unit of
work (a 10,000-row import names the same few units and indicators). Codes never change
and rows are never deleted, and a session lives for one transaction, so remembering the
ids found (never a miss: the record may be created later in the same transaction) is
always right and saves most of the queries of a write.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.domain.models import Cycle, Indicator, Period, Person, Subject, Unit

_MEMO = "jixiao.ids"


def _id(session: Session, key: tuple, query: Callable[[], Select]) -> int | None:
    memo = session.info.get(_MEMO)
    if memo is None:
        memo = session.info[_MEMO] = {}
    found = memo.get(key)
    if found is None:
        found = session.scalar(query())
        if found is not None:
            memo[key] = found
    return found


def remember_id(session: Session, key: tuple, found: int) -> None:
    """Seed the memo with an id loaded in bulk (``("indicator", bureau_id, code)``…)."""
    memo = session.info.get(_MEMO)
    if memo is None:
        memo = session.info[_MEMO] = {}
    memo[key] = found


def unit_id(session: Session, bureau_id: int, code: str | None) -> int | None:
    if code is None:
        return None
    return _id(
        session,
        ("unit", bureau_id, code),
        lambda: select(Unit.id).where(Unit.bureau_id == bureau_id, Unit.code == code),
    )


def person_id(session: Session, bureau_id: int, code: str | None) -> int | None:
    if code is None:
        return None
    return _id(
        session,
        ("person", bureau_id, code),
        lambda: select(Person.id).where(Person.bureau_id == bureau_id, Person.code == code),
    )


def indicator_id(session: Session, bureau_id: int, code: str) -> int | None:
    return _id(
        session,
        ("indicator", bureau_id, code),
        lambda: select(Indicator.id).where(
            Indicator.bureau_id == bureau_id, Indicator.code == code
        ),
    )


def cycle_id(session: Session, bureau_id: int, code: str) -> int | None:
    return _id(
        session,
        ("cycle", bureau_id, code),
        lambda: select(Cycle.id).where(Cycle.bureau_id == bureau_id, Cycle.code == code),
    )


def period_id(session: Session, bureau_id: int, cycle: str, period: str) -> int | None:
    return _id(
        session,
        ("period", bureau_id, cycle, period),
        lambda: (
            select(Period.id)
            .join(Cycle)
            .where(Cycle.bureau_id == bureau_id, Cycle.code == cycle, Period.code == period)
        ),
    )


def subject_id(session: Session, bureau_id: int, kind: str, code: str) -> int | None:
    return _id(
        session,
        ("subject", bureau_id, kind, code),
        lambda: select(Subject.id).where(
            Subject.bureau_id == bureau_id, Subject.kind == kind, Subject.code == code
        ),
    )


SUBJECT_KINDS = ("unit", "person")


def subject_key(data: dict) -> tuple[str, str]:
    """(kind, code) of an entry about a subject: its ``person`` if it names one, else its
    ``unit``."""
    person = data.get("person")
    return ("person", person) if person else ("unit", data["unit"])
