"""Projections: the tables that follow the ledger, and the proof that they do.

Every business write goes through :func:`record`: append to the bureau's log, then apply
each entry with the projector registered for its kind. Replay applies the very same
projectors to a scratch database built from the ledger alone, and :func:`replay_check`
compares the two — so a projection can never silently diverge from the record.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, create_engine, select
from sqlalchemy.orm import Session, aliased

from core.domain.models import (
    Bureau,
    Cycle,
    Indicator,
    IndicatorValue,
    Period,
    Person,
    PluginInstallation,
    Scheme,
    Unit,
)
from core.kernel.db import Base
from core.ledger.models import LedgerEntry, LedgerLog
from core.ledger.store import PLATFORM_ORIGIN, Appended, Record, append_many

Projector = Callable[[Session, int, int, dict], None]
PROJECTORS: dict[str, Projector] = {}
# Extra projections to compare on replay: name → query of natural-key tuples.
SNAPSHOTS: dict[str, Callable[[], Select]] = {}
AUDIT_ONLY_KINDS = {"user.created", "token.created", "token.revoked", "ledger.verified"}


def projector(kind: str) -> Callable[[Projector], Projector]:
    def register(fn: Projector) -> Projector:
        PROJECTORS[kind] = fn
        return fn

    return register


def record(session: Session, log_id: int, records: Sequence[Record]) -> list[Appended]:
    """Append records to a log and apply them to the projections, in one transaction."""
    written = append_many(session, log_id, records)
    for entry in written:
        apply(session, entry.log_id, entry.seq, entry.kind, entry.data)
    return written


def apply(session: Session, log_id: int, seq: int, kind: str, data: dict) -> None:
    fn = PROJECTORS.get(kind)
    if fn is not None:
        fn(session, log_id, seq, data)


# --------------------------------------------------------------------------- lookups


def bureau_of_log(session: Session, log_id: int) -> Bureau:
    return session.execute(select(Bureau).where(Bureau.log_id == log_id)).scalar_one()


def unit_id(session: Session, bureau_id: int, code: str | None) -> int | None:
    if code is None:
        return None
    return session.scalar(select(Unit.id).where(Unit.bureau_id == bureau_id, Unit.code == code))


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# --------------------------------------------------------------------------- projectors


@projector("bureau.created")
def _bureau_created(session: Session, log_id: int, seq: int, d: dict) -> None:
    session.add(Bureau(code=d["code"], name=d["name"], name_en=d.get("name_en", ""), log_id=log_id))
    session.flush()


@projector("unit.created")
def _unit_created(session: Session, log_id: int, seq: int, d: dict) -> None:
    bureau = bureau_of_log(session, log_id)
    session.add(
        Unit(
            bureau_id=bureau.id,
            code=d["code"],
            name=d["name"],
            name_en=d.get("name_en", ""),
            parent_id=unit_id(session, bureau.id, d.get("parent")),
            group_code=d.get("group"),
        )
    )
    session.flush()


@projector("unit.regrouped")
def _unit_regrouped(session: Session, log_id: int, seq: int, d: dict) -> None:
    bureau = bureau_of_log(session, log_id)
    unit = session.execute(
        select(Unit).where(Unit.bureau_id == bureau.id, Unit.code == d["code"])
    ).scalar_one()
    unit.group_code = d["group"]
    session.flush()


@projector("person.created")
def _person_created(session: Session, log_id: int, seq: int, d: dict) -> None:
    bureau = bureau_of_log(session, log_id)
    session.add(
        Person(
            bureau_id=bureau.id,
            code=d["code"],
            name=d["name"],
            unit_id=unit_id(session, bureau.id, d.get("unit")),
            pii_digest=json.dumps(d.get("identifiers", {}), sort_keys=True),
        )
    )
    session.flush()


@projector("cycle.created")
def _cycle_created(session: Session, log_id: int, seq: int, d: dict) -> None:
    bureau = bureau_of_log(session, log_id)
    cycle = Cycle(
        bureau_id=bureau.id,
        code=d["code"],
        name=d["name"],
        start=_date(d["start"]),
        end=_date(d["end"]),
    )
    cycle.periods = [
        Period(code=p["code"], kind=p["kind"], start=_date(p["start"]), end=_date(p["end"]))
        for p in d["periods"]
    ]
    session.add(cycle)
    session.flush()


@projector("indicator.created")
def _indicator_created(session: Session, log_id: int, seq: int, d: dict) -> None:
    bureau = bureau_of_log(session, log_id)
    session.add(
        Indicator(
            bureau_id=bureau.id,
            code=d["code"],
            name=d["name"],
            name_en=d.get("name_en", ""),
            measure=d.get("measure", ""),
        )
    )
    session.flush()


@projector("value.recorded")
def _value_recorded(session: Session, log_id: int, seq: int, d: dict) -> None:
    bureau = bureau_of_log(session, log_id)
    period_id = session.scalar(
        select(Period.id)
        .join(Cycle)
        .where(Cycle.bureau_id == bureau.id, Cycle.code == d["cycle"], Period.code == d["period"])
    )
    indicator_id = session.scalar(
        select(Indicator.id).where(
            Indicator.bureau_id == bureau.id, Indicator.code == d["indicator"]
        )
    )
    key = (unit_id(session, bureau.id, d["unit"]), indicator_id, period_id)
    row = session.get(IndicatorValue, key)
    if row is None:
        row = IndicatorValue(unit_id=key[0], indicator_id=key[1], period_id=key[2])
        session.add(row)
    row.value, row.seq, row.review = d["value"], seq, "pending"
    session.flush()


@projector("plugin.installed")
def _plugin_installed(session: Session, log_id: int, seq: int, d: dict) -> None:
    bureau = bureau_of_log(session, log_id)
    session.add(
        PluginInstallation(
            bureau_id=bureau.id, plugin=d["plugin"], version=d.get("version", ""), seq=seq
        )
    )
    session.flush()


@projector("plugin.uninstalled")
def _plugin_uninstalled(session: Session, log_id: int, seq: int, d: dict) -> None:
    bureau = bureau_of_log(session, log_id)
    row = session.get(PluginInstallation, (bureau.id, d["plugin"]))
    if row is not None:
        session.delete(row)
        session.flush()


@projector("scheme.imported")
def _scheme_imported(session: Session, log_id: int, seq: int, d: dict) -> None:
    bureau = bureau_of_log(session, log_id)
    cycle_id = session.scalar(
        select(Cycle.id).where(Cycle.bureau_id == bureau.id, Cycle.code == d["cycle"])
    )
    definition = d["definition"]
    session.add(
        Scheme(
            bureau_id=bureau.id,
            cycle_id=cycle_id,
            code=definition["code"],
            version=d["version"],
            name=definition["name"],
            group_code=definition.get("group"),
            definition=json.dumps(definition, ensure_ascii=False, sort_keys=True),
            digest=d["digest"],
            status="draft",
            imported_seq=seq,
        )
    )
    session.flush()


@projector("scheme.published")
def _scheme_published(session: Session, log_id: int, seq: int, d: dict) -> None:
    bureau = bureau_of_log(session, log_id)
    scheme = session.execute(
        select(Scheme)
        .join(Cycle)
        .where(
            Scheme.bureau_id == bureau.id,
            Cycle.code == d["cycle"],
            Scheme.code == d["code"],
            Scheme.version == d["version"],
        )
    ).scalar_one()
    scheme.status, scheme.published_seq = "published", seq
    session.flush()


# --------------------------------------------------------------------------- replay


def keyed_query(model, *columns) -> Select:
    """A per-(unit, indicator, period) table's rows by natural keys (bureau, unit,
    indicator, cycle, period), plus ``columns``: the form replay compares."""
    return (
        select(Bureau.code, Unit.code, Indicator.code, Cycle.code, Period.code, *columns)
        .select_from(model)
        .join(Unit, model.unit_id == Unit.id)
        .join(Indicator, model.indicator_id == Indicator.id)
        .join(Period, model.period_id == Period.id)
        .join(Cycle, Period.cycle_id == Cycle.id)
        .join(Bureau, Unit.bureau_id == Bureau.id)
    )


def snapshot(session: Session) -> dict[str, list[tuple]]:
    """Every projection as sorted tuples of natural keys (no surrogate ids)."""
    parent = aliased(Unit)
    queries = {
        "bureaus": select(Bureau.code, Bureau.name, Bureau.name_en),
        "units": select(
            Bureau.code, Unit.code, Unit.name, Unit.name_en, parent.code, Unit.group_code
        )
        .join(Bureau, Unit.bureau_id == Bureau.id)
        .outerjoin(parent, Unit.parent_id == parent.id),
        "people": select(Bureau.code, Person.code, Person.name, Unit.code, Person.pii_digest)
        .join(Bureau, Person.bureau_id == Bureau.id)
        .outerjoin(Unit, Person.unit_id == Unit.id),
        "periods": select(
            Bureau.code,
            Cycle.code,
            Cycle.name,
            Cycle.start,
            Cycle.end,
            Period.code,
            Period.kind,
            Period.start,
            Period.end,
        )
        .join(Bureau, Cycle.bureau_id == Bureau.id)
        .join(Period),
        "indicators": select(
            Bureau.code, Indicator.code, Indicator.name, Indicator.name_en, Indicator.measure
        ).join(Bureau, Indicator.bureau_id == Bureau.id),
        "values": keyed_query(
            IndicatorValue, IndicatorValue.value, IndicatorValue.seq, IndicatorValue.review
        ),
        "schemes": select(
            Bureau.code,
            Cycle.code,
            Scheme.code,
            Scheme.version,
            Scheme.status,
            Scheme.digest,
            Scheme.definition,
            Scheme.imported_seq,
            Scheme.published_seq,
        )
        .join(Bureau, Scheme.bureau_id == Bureau.id)
        .join(Cycle, Scheme.cycle_id == Cycle.id),
        "plugins": select(
            Bureau.code,
            PluginInstallation.plugin,
            PluginInstallation.version,
            PluginInstallation.seq,
        ).join(Bureau),
    } | {name: query() for name, query in SNAPSHOTS.items()}
    return {
        name: sorted(tuple(str(v) for v in row) for row in session.execute(query))
        for name, query in queries.items()
    }


@dataclass
class ReplayReport:
    entries: int
    differences: dict[str, dict[str, list]]

    @property
    def ok(self) -> bool:
        return not self.differences


def rebuild(session: Session) -> Session:
    """A scratch in-memory database with the projections rebuilt from the ledger only."""
    scratch = Session(create_engine("sqlite://"))
    Base.metadata.create_all(scratch.get_bind())
    logs = session.scalars(
        select(LedgerLog).where(LedgerLog.origin != PLATFORM_ORIGIN).order_by(LedgerLog.id)
    ).all()
    for log in logs:
        copy = LedgerLog(origin=log.origin, size=0, frontier=b"")
        scratch.add(copy)
        scratch.flush()
        rows = session.execute(
            select(LedgerEntry.seq, LedgerEntry.body)
            .where(LedgerEntry.log_id == log.id)
            .order_by(LedgerEntry.seq)
            .execution_options(yield_per=2000)
        )
        for seq, body in rows:
            entry = json.loads(body)
            apply(scratch, copy.id, seq, entry["kind"], entry["data"])
    return scratch


def replay_check(session: Session) -> ReplayReport:
    """Compare the live projections with a rebuild from the ledger."""
    scratch = rebuild(session)
    try:
        live, rebuilt = snapshot(session), snapshot(scratch)
    finally:
        scratch.close()
    entries = session.query(LedgerEntry).count()
    differences = {}
    for table in live:
        extra = sorted(set(live[table]) - set(rebuilt[table]))
        missing = sorted(set(rebuilt[table]) - set(live[table]))
        if extra or missing:
            differences[table] = {"not_in_ledger": extra, "missing_from_table": missing}
    return ReplayReport(entries, differences)


# The assessment projectors register themselves (after everything above exists).
import core.domain.assessment.projectors  # noqa: E402, F401
