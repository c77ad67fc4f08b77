"""Projectors of the assessment events: ratings, panels, items, reviews, evidence and
appeals. Imported by :mod:`core.domain.projections`, so replay knows them too."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain.models import (
    Appeal,
    Bureau,
    Cycle,
    EvidenceFile,
    ExpertPanel,
    Indicator,
    IndicatorValue,
    Period,
    Rating,
    ScoreItem,
    Unit,
)
from core.domain.projections import SNAPSHOTS, bureau_of_log, keyed_query, projector, unit_id


def _ids(session: Session, bureau_id: int, d: dict) -> tuple[int, int, int]:
    """(unit, indicator, period) ids of an entry's codes."""
    indicator = session.scalar(
        select(Indicator.id).where(
            Indicator.bureau_id == bureau_id, Indicator.code == d["indicator"]
        )
    )
    period = session.scalar(
        select(Period.id)
        .join(Cycle)
        .where(Cycle.bureau_id == bureau_id, Cycle.code == d["cycle"], Period.code == d["period"])
    )
    return unit_id(session, bureau_id, d["unit"]), indicator, period


@projector("rating.submitted")
def _rating(session: Session, log_id: int, seq: int, d: dict) -> None:
    bureau = bureau_of_log(session, log_id)
    key = (*_ids(session, bureau.id, d), d["rater"])
    row = session.get(Rating, key) or Rating(
        unit_id=key[0], indicator_id=key[1], period_id=key[2], rater=key[3]
    )
    row.role, row.score, row.seq = d["role"], d["score"], seq
    session.add(row)
    session.flush()


@projector("panel.drawn")
def _panel(session: Session, log_id: int, seq: int, d: dict) -> None:
    bureau = bureau_of_log(session, log_id)
    cycle_id = session.scalar(
        select(Cycle.id).where(Cycle.bureau_id == bureau.id, Cycle.code == d["cycle"])
    )
    indicator_id = session.scalar(
        select(Indicator.id).where(
            Indicator.bureau_id == bureau.id, Indicator.code == d["indicator"]
        )
    )
    row = session.get(ExpertPanel, (cycle_id, indicator_id)) or ExpertPanel(
        cycle_id=cycle_id, indicator_id=indicator_id
    )
    row.members, row.seed, row.seq = ",".join(d["members"]), d["seed"], seq
    session.add(row)
    session.flush()


@projector("item.recorded")
def _item(session: Session, log_id: int, seq: int, d: dict) -> None:
    bureau = bureau_of_log(session, log_id)
    unit, indicator, period = _ids(session, bureau.id, d)
    session.add(
        ScoreItem(
            seq=seq,
            bureau_id=bureau.id,
            unit_id=unit,
            indicator_id=indicator,
            period_id=period,
            quantity=d["quantity"],
            reason=d["reason"],
        )
    )
    session.flush()


@projector("review.decided")
def _review(session: Session, log_id: int, seq: int, d: dict) -> None:
    bureau = bureau_of_log(session, log_id)
    row = session.get(IndicatorValue, _ids(session, bureau.id, d))
    if row is not None and row.seq == d["value_seq"]:
        row.review = d["decision"]
        session.flush()


@projector("evidence.attached")
def _evidence(session: Session, log_id: int, seq: int, d: dict) -> None:
    bureau = bureau_of_log(session, log_id)
    session.add(
        EvidenceFile(
            seq=seq,
            bureau_id=bureau.id,
            sha256=d["sha256"],
            filename=d["filename"],
            size=d["size"],
            media_type=d["media_type"],
            unit_id=unit_id(session, bureau.id, d["unit"]),
            subject=d["subject"],
        )
    )
    session.flush()


@projector("appeal.filed")
def _appeal_filed(session: Session, log_id: int, seq: int, d: dict) -> None:
    bureau = bureau_of_log(session, log_id)
    unit, indicator, period = _ids(session, bureau.id, d)
    cycle_id = session.get(Period, period).cycle_id
    session.add(
        Appeal(
            bureau_id=bureau.id,
            code=d["code"],
            unit_id=unit,
            cycle_id=cycle_id,
            indicator_id=indicator,
            period_id=period,
            value_seq=d["value_seq"],
            reasons=d["reasons"],
            evidence=json.dumps(d["evidence"]),
            status="filed",
            deadline=d["deadline"],
            filed_seq=seq,
        )
    )
    session.flush()


def _appeal(session: Session, log_id: int, code: str) -> Appeal:
    bureau = bureau_of_log(session, log_id)
    return session.execute(
        select(Appeal).where(Appeal.bureau_id == bureau.id, Appeal.code == code)
    ).scalar_one()


@projector("appeal.assigned")
def _appeal_assigned(session: Session, log_id: int, seq: int, d: dict) -> None:
    appeal = _appeal(session, log_id, d["code"])
    appeal.status, appeal.reviewer = "assigned", d["reviewer"]
    session.flush()


@projector("appeal.decided")
def _appeal_decided(session: Session, log_id: int, seq: int, d: dict) -> None:
    appeal = _appeal(session, log_id, d["code"])
    appeal.status, appeal.decision = "decided", d["decision"]
    appeal.decided_seq, appeal.correction_seq = seq, d["correction_seq"]
    session.flush()


SNAPSHOTS.update(
    {
        "ratings": lambda: keyed_query(Rating, Rating.rater, Rating.role, Rating.score, Rating.seq),
        "items": lambda: keyed_query(
            ScoreItem, ScoreItem.seq, ScoreItem.quantity, ScoreItem.reason
        ),
        "appeals": lambda: keyed_query(
            Appeal,
            Appeal.code,
            Appeal.value_seq,
            Appeal.reasons,
            Appeal.evidence,
            Appeal.status,
            Appeal.reviewer,
            Appeal.deadline,
            Appeal.decision,
            Appeal.filed_seq,
            Appeal.decided_seq,
            Appeal.correction_seq,
        ),
        "panels": lambda: (
            select(
                Bureau.code,
                Cycle.code,
                Indicator.code,
                ExpertPanel.members,
                ExpertPanel.seed,
                ExpertPanel.seq,
            )
            .select_from(ExpertPanel)
            .join(Cycle, ExpertPanel.cycle_id == Cycle.id)
            .join(Indicator, ExpertPanel.indicator_id == Indicator.id)
            .join(Bureau, Cycle.bureau_id == Bureau.id)
        ),
        "evidence": lambda: (
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
    }
)
