"""Loading what a batch of input rows names in a few queries, not a few per row.

A clerk's form can carry 10,000 figures, each for a different indicator; resolving,
checking and projecting them one by one costs several queries a row (about 4.6 ms a
row, 45 s for such a form). :func:`prefetch` reads the batch's indicators, units,
people, subjects, cycles and periods by their codes, the current values of every key
the batch names, and the same indicators' earlier values, in chunked ``IN`` queries,
and leaves them where the row-by-row code looks first: the targets' and ids' memos of
the unit of work, and :func:`known_values` / :func:`known_history`.

What is remembered is exact for the transaction: codes never change, rows are never
deleted, the bureau's log lock is held, and the projectors keep the values map in step
with what they write.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, and_, bindparam, select, tuple_
from sqlalchemy.orm import Session

from core.domain.inputs.targets import remember
from core.domain.lookups import remember_id
from core.domain.models import Cycle, Indicator, IndicatorValue, Period, Person, Subject, Unit
from core.domain.work import BureauWork
from core.kernel.queries import first_entities

VALUES = "jixiao.values"
HISTORY = "jixiao.history"
CHUNK = 500  # well inside SQLite's and PostgreSQL's bound-parameter limits


def _codes(rows: Sequence[Any], field: str) -> list[str]:
    found = {
        row.get(field)
        for row in rows
        if isinstance(row, dict) and isinstance(row.get(field), str) and 0 < len(row[field]) <= 64
    }
    return sorted(found)


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _load(session: Session, stmt, column, keys: Sequence[Any]) -> list[Any]:
    out: list[Any] = []
    for chunk in _chunks(list(keys)):
        out.extend(session.scalars(stmt.where(column.in_(chunk))))
    return out


BATCH = 20
"""Fewer rows than this are looked up row by row: the bulk queries cost more to build
than the handful of lookups they would save."""


def prefetch(work: BureauWork, rows: Sequence[Any]) -> None:
    """Load what ``rows`` name (see the module docstring); rows that are not objects or
    name unknown codes are left for the row-by-row checks to report."""
    if len(rows) < BATCH:
        for row in rows:
            _prefetch_row(work, row)
        return
    session, bureau = work.session, work.bureau
    indicators = _load(
        session,
        select(Indicator).where(Indicator.bureau_id == bureau.id),
        Indicator.code,
        _codes(rows, "indicator"),
    )
    for indicator in indicators:
        remember(session, ("indicator", indicator.code), indicator)
        remember_id(session, ("indicator", bureau.id, indicator.code), indicator.id)
    units = _load(
        session,
        select(Unit).where(Unit.bureau_id == bureau.id),
        Unit.code,
        _codes(rows, "unit"),
    )
    for unit in units:
        remember(session, ("unit", unit.code), unit)
    people = _load(
        session,
        select(Person).where(Person.bureau_id == bureau.id),
        Person.code,
        _codes(rows, "person"),
    )
    for person in people:
        remember(session, ("person", person.code), person)
    subjects = _load(
        session,
        select(Subject).where(Subject.bureau_id == bureau.id),
        tuple_(Subject.kind, Subject.code),
        [("unit", u.code) for u in units] + [("person", p.code) for p in people],
    )
    for subject in subjects:
        remember(session, ("subject", subject.kind, subject.code), subject)
        remember_id(session, ("subject", bureau.id, subject.kind, subject.code), subject.id)
    periods = _periods(work, rows)
    keys = _named_keys(rows, subjects, indicators, periods)
    if keys:
        _values(session, keys, periods)


def _row_statement(owner: type[Unit] | type[Person], key: Any) -> Select:
    """Everything one row naming a subject of ``owner``'s kind names, in one statement."""
    return (
        select(Subject, owner, Indicator, Cycle, Period, IndicatorValue)
        .join(
            Indicator,
            and_(
                Indicator.bureau_id == Subject.bureau_id, Indicator.code == bindparam("indicator")
            ),
        )
        .join(Cycle, and_(Cycle.bureau_id == Subject.bureau_id, Cycle.code == bindparam("cycle")))
        .join(Period, and_(Period.cycle_id == Cycle.id, Period.code == bindparam("period")))
        .outerjoin(owner, owner.id == key)
        .outerjoin(
            IndicatorValue,
            and_(
                IndicatorValue.subject_id == Subject.id,
                IndicatorValue.indicator_id == Indicator.id,
                IndicatorValue.period_id == Period.id,
            ),
        )
        .where(
            Subject.bureau_id == bindparam("bureau"),
            Subject.kind == bindparam("kind"),
            Subject.code == bindparam("code"),
        )
    )


_ROW = {
    "unit": _row_statement(Unit, Subject.unit_id),
    "person": _row_statement(Person, Subject.person_id),
}
"""Built once per kind of subject: a single-value write had looked up its unit,
subject, indicator, cycle, period and current value one by one."""


def _prefetch_row(work: BureauWork, row: Any) -> None:
    """Load what one row names, if all its codes are known (else leave it to the
    row-by-row lookups, which say which code is wrong)."""
    if not isinstance(row, dict):
        return
    person, unit = row.get("person"), row.get("unit")
    kind, code = ("person", person) if person not in (None, "") else ("unit", unit)
    names = {"code": code, "indicator": row.get("indicator"), "cycle": row.get("cycle"),
             "period": row.get("period")}  # fmt: skip
    if not all(isinstance(v, str) and 0 < len(v) <= 64 for v in names.values()):
        return
    session = work.session
    params = {**names, "bureau": work.bureau.id, "kind": kind}
    found = first_entities(session, _ROW[kind], params)
    if found is None:
        return
    subject, owner, indicator, cycle, period, value = found
    remember(session, (kind, code), owner)
    remember(session, ("subject", kind, code), subject)
    remember(session, ("indicator", indicator.code), indicator)
    remember(session, ("cycle", cycle.code), cycle)
    remember(session, ("period", cycle.id, period.code), period)
    known_values(session)[(subject.id, indicator.id, period.id)] = value


def _periods(work: BureauWork, rows: Sequence[Any]) -> list[Period]:
    session, bureau = work.session, work.bureau
    cycles = _load(
        session,
        select(Cycle).where(Cycle.bureau_id == bureau.id),
        Cycle.code,
        _codes(rows, "cycle"),
    )
    periods: list[Period] = []
    for cycle in cycles:
        remember(session, ("cycle", cycle.code), cycle)
        remember_id(session, ("cycle", bureau.id, cycle.code), cycle.id)
        for period in cycle.periods:
            remember(session, ("period", cycle.id, period.code), period)
            remember_id(session, ("period", bureau.id, cycle.code, period.code), period.id)
            periods.append(period)
    named = {(r.get("cycle"), r.get("period")) for r in rows if isinstance(r, dict)}
    by_id = {c.id: c.code for c in cycles}
    return [p for p in periods if (by_id[p.cycle_id], p.code) in named]


def _named_keys(
    rows: Sequence[Any],
    subjects: list[Subject],
    indicators: list[Indicator],
    periods: list[Period],
) -> set[tuple[int, int, int]]:
    """(subject, indicator, period) ids of the rows whose codes are all known."""
    subject_ids = {(s.kind, s.code): s.id for s in subjects}
    indicator_ids = {i.code: i.id for i in indicators}
    period_ids = {(p.cycle.code, p.code): p.id for p in periods}
    keys = set()
    for row in rows:
        if not isinstance(row, dict):
            continue
        person, unit = row.get("person"), row.get("unit")
        subject = ("person", person) if person not in (None, "") else ("unit", unit)
        try:
            key = (
                subject_ids.get(subject),
                indicator_ids.get(row.get("indicator")),
                period_ids.get((row.get("cycle"), row.get("period"))),
            )
        except TypeError:  # an unhashable code: the row's own checks report it
            continue
        if None not in key:
            keys.add(key)
    return keys


def _values(session: Session, keys: set[tuple[int, int, int]], periods: list[Period]) -> None:
    """The current value of every key the batch names (None where there is none), and
    every earlier value of the same (subject, indicator) pairs, for the entry checks."""
    values = known_values(session)
    history = known_history(session)
    kinds = {p.kind for p in periods}
    latest = max(p.start for p in periods)
    pairs = sorted({(s, i) for s, i, _ in keys})
    for chunk in _chunks(pairs):
        rows = session.execute(
            select(IndicatorValue, Period)
            .join(Period, IndicatorValue.period_id == Period.id)
            .where(
                tuple_(IndicatorValue.subject_id, IndicatorValue.indicator_id).in_(chunk),
                Period.kind.in_(kinds),
                Period.start <= latest,
            )
        ).all()
        for value, period in rows:
            history[(value.subject_id, value.indicator_id)].append((period, value.value))
            key = (value.subject_id, value.indicator_id, value.period_id)
            if key in keys:
                values[key] = value
    for pair in pairs:
        history.setdefault(pair, [])
    for key in keys:
        values.setdefault(key, None)


def known_values(session: Session) -> dict[tuple[int, int, int], IndicatorValue | None]:
    """Current values known to this unit of work by key (None: known to be absent)."""
    found = session.info.get(VALUES)
    if found is None:
        found = session.info[VALUES] = {}
    return found


def known_history(session: Session) -> defaultdict[tuple[int, int], list[tuple[Period, str]]]:
    """(subject, indicator) → (period, value) of values loaded for entry checks."""
    found = session.info.get(HISTORY)
    if found is None:
        found = session.info[HISTORY] = defaultdict(list)
    return found
