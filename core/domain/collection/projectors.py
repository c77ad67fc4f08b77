"""The collection event kinds and the tables they keep (see :mod:`core.domain.collection`)."""

from __future__ import annotations

import json

from marshmallow import fields
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain.events import core_kind
from core.domain.lookups import period_id, unit_id
from core.domain.models import (
    Bureau,
    ClosedPeriod,
    CollectionExtension,
    CollectionReminder,
    CollectionRound,
    Cycle,
    Period,
    Unit,
)
from core.domain.replay import SNAPSHOTS
from core.plugin_api import BureauRef, Event

Str = fields.String
PERIOD = {"cycle": Str(required=True), "period": Str(required=True)}
SPEC_FIELDS = ("units", "groups", "indicators", "evidence", "remind_before", "remind_overdue")


def _codes() -> fields.List:
    return fields.List(Str(), required=True)


def _days() -> fields.List:
    return fields.List(fields.Integer(strict=True), required=True)


class Outstanding(fields.Nested):
    """``{unit, missing: [indicator codes]}``: who had not reported what."""

    def __init__(self, **kwargs) -> None:
        super().__init__(
            {"unit": Str(required=True), "missing": fields.List(Str(), required=True)}, **kwargs
        )


@core_kind(
    "collection.opened",
    {
        **PERIOD,
        "deadline": Str(required=True),
        "units": _codes(),
        "groups": fields.List(Str()),
        "indicators": fields.List(Str(), allow_none=True, load_default=None),
        "evidence": fields.List(Str()),
        "remind_before": _days(),
        "remind_overdue": _days(),
        "note": Str(),
    },
    "开始收数 (collection opened)",
)
def collection_opened(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    spec = {name: d.get(name) for name in SPEC_FIELDS}
    session.add(
        CollectionRound(
            bureau_id=bureau.id,
            period_id=period_id(session, bureau.id, d["cycle"], d["period"]),
            deadline=d["deadline"],
            spec=json.dumps(spec, ensure_ascii=False, sort_keys=True),
            seq=event.seq,
        )
    )
    session.flush()


@core_kind(
    "collection.extended",
    {**PERIOD, "unit": Str(required=True), "deadline": Str(required=True), "reason": Str()},
    "延期填报 (deadline extended for a unit)",
)
def collection_extended(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    key = (
        bureau.id,
        period_id(session, bureau.id, d["cycle"], d["period"]),
        unit_id(session, bureau.id, d["unit"]),
    )
    row = session.get(CollectionExtension, key)
    if row is None:
        row = CollectionExtension(bureau_id=key[0], period_id=key[1], unit_id=key[2])
        session.add(row)
    row.deadline, row.reason, row.seq = d["deadline"], d.get("reason", ""), event.seq
    session.flush()


@core_kind(
    "collection.reminded",
    {
        **PERIOD,
        "when": Str(required=True),
        "days": fields.Integer(required=True, strict=True),
        "deadline": Str(required=True),
        "keys": _codes(),
        "units": fields.List(Outstanding(), required=True),
    },
    "催报提醒 (reminder to report)",
)
def collection_reminded(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    period = period_id(session, bureau.id, d["cycle"], d["period"])
    for key in d["keys"]:
        session.merge(
            CollectionReminder(bureau_id=bureau.id, period_id=period, key=key, seq=event.seq)
        )
    session.flush()


@core_kind(
    "collection.closed",
    {**PERIOD, "reason": Str(), "outstanding": fields.List(Outstanding(), required=True)},
    "收数截止 (period closed for collection)",
)
def collection_closed(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    session.add(
        ClosedPeriod(
            bureau_id=bureau.id,
            period_id=period_id(session, bureau.id, d["cycle"], d["period"]),
            seq=event.seq,
        )
    )
    session.flush()


def _by_period(model, *columns):
    """A per-period collection table's rows by natural keys, for replay's comparison."""
    return (
        select(Bureau.code, Cycle.code, Period.code, *columns)
        .select_from(model)
        .join(Bureau, model.bureau_id == Bureau.id)
        .join(Period, model.period_id == Period.id)
        .join(Cycle, Period.cycle_id == Cycle.id)
    )


SNAPSHOTS.update(
    {
        "collection_rounds": lambda: _by_period(
            CollectionRound, CollectionRound.deadline, CollectionRound.spec, CollectionRound.seq
        ),
        "collection_extensions": lambda: _by_period(
            CollectionExtension,
            Unit.code,
            CollectionExtension.deadline,
            CollectionExtension.reason,
            CollectionExtension.seq,
        ).join(Unit, CollectionExtension.unit_id == Unit.id),
        "collection_reminders": lambda: _by_period(
            CollectionReminder, CollectionReminder.key, CollectionReminder.seq
        ),
        "closed_periods": lambda: _by_period(ClosedPeriod, ClosedPeriod.seq),
    }
)
