"""Replay: the proof that every projection follows the ledger.

:func:`rebuild` builds a scratch database from the ledger alone, applying every entry
with the projector of its kind (:mod:`core.domain.events`; an entry of an unknown kind
stops the replay with an error, it is never skipped). :func:`replay_check` compares the
live tables with the rebuild by natural keys (codes, not surrogate ids), including the
stored results, which the caller recomputes on the rebuild (see
:mod:`core.services.ledger`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, create_engine, func, select
from sqlalchemy.orm import Session, aliased

from core.domain.events import Catalogue, event_from_body, project_stored
from core.domain.models import (
    Appeal,
    Bureau,
    Cycle,
    EvidenceFile,
    ExpertPanel,
    Indicator,
    IndicatorValue,
    Period,
    Person,
    PluginInstallation,
    PluginRecord,
    Rating,
    Scheme,
    ScoreItem,
    SourceKey,
    Subject,
    Unit,
    ValueWarning,
    load_all,
)
from core.kernel.db import Base
from core.ledger.models import LedgerEntry, LedgerLog
from core.ledger.store import PLATFORM_ORIGIN
from core.plugin_api import BureauRef

BATCH = 2000

# Projections added elsewhere (results, collection rounds, plugins' own tables) register
# a query of natural-key tuples here to be compared too.
SNAPSHOTS: dict[str, Callable[[], Select]] = {}


def keyed_query(model, *columns) -> Select:
    """A per-(subject, indicator, period) table's rows by natural keys (bureau, subject
    kind and code, indicator, cycle, period), plus ``columns``."""
    return (
        select(
            Bureau.code,
            Subject.kind,
            Subject.code,
            Indicator.code,
            Cycle.code,
            Period.code,
            *columns,
        )
        .select_from(model)
        .join(Subject, model.subject_id == Subject.id)
        .join(Indicator, model.indicator_id == Indicator.id)
        .join(Period, model.period_id == Period.id)
        .join(Cycle, Period.cycle_id == Cycle.id)
        .join(Bureau, Subject.bureau_id == Bureau.id)
    )


def _queries() -> dict[str, Select]:
    parent = aliased(Unit)
    return {
        "bureaus": select(Bureau.code, Bureau.name, Bureau.name_en),
        "units": select(
            Bureau.code, Unit.code, Unit.name, Unit.name_en, parent.code, Unit.group_code
        )
        .join(Bureau, Unit.bureau_id == Bureau.id)
        .outerjoin(parent, Unit.parent_id == parent.id),
        "people": select(
            Bureau.code, Person.code, Person.name, Unit.code, Person.group_code, Person.pii_digest
        )
        .join(Bureau, Person.bureau_id == Bureau.id)
        .outerjoin(Unit, Person.unit_id == Unit.id),
        "subjects": select(Bureau.code, Subject.kind, Subject.code, Unit.code)
        .join(Bureau, Subject.bureau_id == Bureau.id)
        .outerjoin(Unit, Subject.unit_id == Unit.id),
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
            IndicatorValue,
            IndicatorValue.value,
            IndicatorValue.seq,
            IndicatorValue.review,
            IndicatorValue.review_seq,
            IndicatorValue.late,
        ),
        "warnings": keyed_query(
            ValueWarning, ValueWarning.seq, ValueWarning.value_seq, ValueWarning.check
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
            PluginInstallation.settings,
        ).join(Bureau),
        "ratings": keyed_query(Rating, Rating.rater, Rating.role, Rating.score, Rating.seq),
        "items": keyed_query(
            ScoreItem, ScoreItem.seq, ScoreItem.quantity, ScoreItem.reason, ScoreItem.evidence
        ),
        "appeals": keyed_query(
            Appeal,
            Appeal.code,
            Appeal.value_seq,
            Appeal.reason,
            Appeal.evidence,
            Appeal.status,
            Appeal.reviewer,
            Appeal.deadline,
            Appeal.decision,
            Appeal.filed_seq,
            Appeal.decided_seq,
            Appeal.correction_seq,
        ),
        "plugin_records": select(
            Bureau.code,
            PluginRecord.plugin,
            PluginRecord.collection,
            PluginRecord.key,
            PluginRecord.data,
            PluginRecord.seq,
        ).join(Bureau, PluginRecord.bureau_id == Bureau.id),
        "source_keys": select(Bureau.code, SourceKey.key, SourceKey.seq).join(
            Bureau, SourceKey.bureau_id == Bureau.id
        ),
        "panels": (
            select(
                Bureau.code,
                Cycle.code,
                Indicator.code,
                ExpertPanel.members,
                ExpertPanel.seed,
                ExpertPanel.seq,
                ExpertPanel.closed_seq,
            )
            .select_from(ExpertPanel)
            .join(Cycle, ExpertPanel.cycle_id == Cycle.id)
            .join(Indicator, ExpertPanel.indicator_id == Indicator.id)
            .join(Bureau, Cycle.bureau_id == Bureau.id)
        ),
        "evidence": (
            select(
                Bureau.code,
                EvidenceFile.seq,
                EvidenceFile.sha256,
                EvidenceFile.filename,
                EvidenceFile.size,
                EvidenceFile.media_type,
                Unit.code,
                EvidenceFile.subject,
            )
            .select_from(EvidenceFile)
            .join(Bureau, EvidenceFile.bureau_id == Bureau.id)
            .join(Unit, EvidenceFile.unit_id == Unit.id)
        ),
    } | {name: query() for name, query in SNAPSHOTS.items()}


def snapshot(session: Session) -> dict[str, list[tuple]]:
    """Every projection as sorted tuples of natural keys (no surrogate ids)."""
    return {
        name: sorted(tuple(str(v) for v in row) for row in session.execute(query))
        for name, query in _queries().items()
    }


@dataclass
class ReplayReport:
    entries: int
    differences: dict[str, dict[str, list]]

    @property
    def ok(self) -> bool:
        return not self.differences


def bureau_logs(session: Session) -> list[LedgerLog]:
    return list(
        session.scalars(
            select(LedgerLog).where(LedgerLog.origin != PLATFORM_ORIGIN).order_by(LedgerLog.id)
        )
    )


def stored_events(session: Session, log: LedgerLog) -> Iterator[tuple[int, bytes, bytes]]:
    rows = session.execute(
        select(LedgerEntry.seq, LedgerEntry.body, LedgerEntry.leaf_hash)
        .where(LedgerEntry.log_id == log.id)
        .order_by(LedgerEntry.seq)
        .execution_options(yield_per=BATCH)
    )
    for seq, body, leaf in rows:
        yield seq, bytes(body), bytes(leaf)


def rebuild_into(
    source: Session,
    target: Session,
    catalogue: Catalogue,
    progress: Callable[[int], None] | None,
    existing: dict[str, LedgerLog] | None = None,
) -> None:
    """Apply every bureau log of ``source`` to the (empty) projections of ``target``
    (``existing``: the target's own logs by origin, when rebuilding in place)."""
    for log in bureau_logs(source):
        if existing is None:
            target.add(LedgerLog(origin=log.origin, size=0, frontier=b""))
            target.flush()
        bureau: BureauRef | None = None
        code = log.origin.split("/", 1)[1]
        stored = stored_events(source, log)
        if existing is not None:  # reading and writing one session: read the log first
            stored = iter(list(stored))
        for seq, body, leaf in stored:
            event = event_from_body(code, seq, body, leaf)
            bureau = project_stored(target, catalogue, bureau, event)
            if progress is not None:
                progress(1)


def rebuild(
    session: Session, catalogue: Catalogue, progress: Callable[[int], None] | None = None
) -> Session:
    """A scratch in-memory database with the projections rebuilt from the ledger only."""
    scratch = Session(create_engine("sqlite://"))
    load_all()  # every table, not only those this process has used so far
    Base.metadata.create_all(scratch.get_bind())
    rebuild_into(session, scratch, catalogue, progress)
    return scratch


def compare(live: Session, rebuilt: Session) -> ReplayReport:
    """Differences between two databases' projections, table by table."""
    a, b = snapshot(live), snapshot(rebuilt)
    entries = live.scalar(select(func.count()).select_from(LedgerEntry)) or 0
    differences = {}
    for table in a:
        extra = sorted(set(a[table]) - set(b[table]))
        missing = sorted(set(b[table]) - set(a[table]))
        if extra or missing:
            differences[table] = {"not_in_ledger": extra, "missing_from_table": missing}
    return ReplayReport(entries, differences)


def replay_kinds(session: Session, catalogue: Catalogue, kinds: Sequence[str]) -> int:
    """Project the stored entries of ``kinds`` again, in order, into this database (a
    table a migration added); returns how many were applied."""
    applied = 0
    for log in bureau_logs(session):
        code = log.origin.split("/", 1)[1]
        bureau = session.execute(select(Bureau.id).where(Bureau.code == code)).scalar_one_or_none()
        if bureau is None:
            continue
        ref = BureauRef(bureau, code)
        rows = session.execute(
            select(LedgerEntry.seq, LedgerEntry.body, LedgerEntry.leaf_hash)
            .where(LedgerEntry.log_id == log.id, LedgerEntry.kind.in_(list(kinds)))
            .order_by(LedgerEntry.seq)
        ).all()
        for seq, body, leaf in rows:
            project_stored(
                session, catalogue, ref, event_from_body(code, seq, bytes(body), bytes(leaf))
            )
            applied += 1
    return applied
