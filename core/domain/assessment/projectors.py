"""The assessment's event kinds and their projectors: values and warnings, schemes,
ratings, expert panels, reviewers' items, review decisions, evidence and appeals.

Every input kind can be corrected (a new entry whose ``corrects`` names the seq it
replaces) or withdrawn (``….withdrawn`` naming it in ``withdraws``): the old entry stays
in the ledger, the projection follows the newest. Entries made by an appeal's decision
carry the appeal's code in ``appeal``. Each projector also marks the results it
invalidates (``session.info``) for the results refresh at commit.
"""

from __future__ import annotations

import json

from marshmallow import fields
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from core.domain.events import core_kind
from core.domain.inputs.prefetch import known_values
from core.domain.lookups import (
    cycle_id,
    indicator_id,
    period_id,
    subject_id,
    subject_key,
    unit_id,
)
from core.domain.models import (
    Appeal,
    EvidenceFile,
    ExpertPanel,
    IndicatorValue,
    Period,
    Rating,
    Scheme,
    ScoreItem,
    SourceKey,
    ValueWarning,
)
from core.kernel.queries import update_row
from core.plugin_api import BureauRef, Event

Str = fields.String
Int = fields.Integer
INVALIDATED = "jixiao.invalidated"
"""session.info key: {cycle code: set of subject ids, or None for the whole cycle}."""
ANY_CYCLE = "*"
"""Invalidate in every cycle (a unit regrouped, a plugin installed or configured)."""


def _req() -> fields.Field:
    return Str(required=True)


def _opt() -> fields.Field:
    return Str(load_default=None, allow_none=True)


def _seq() -> fields.Field:
    return Int(load_default=None, allow_none=True, strict=True)


TARGET = {
    "unit": _opt(),
    "person": _opt(),
    "indicator": _req(),
    "cycle": _req(),
    "period": _req(),
}
"""The fields naming what an input is about: a unit or a person, indicator, period."""


def invalidate(session: Session, cycle: str, subject: int | None) -> None:
    """Mark a subject's results (or, with None, the whole cycle's) for refresh."""
    marks = session.info.setdefault(INVALIDATED, {})
    if subject is None:
        marks[cycle] = None
    elif cycle not in marks or marks[cycle] is not None:
        marks.setdefault(cycle, set()).add(subject)


def _key(session: Session, bureau: BureauRef, d: dict) -> tuple[int, int, int]:
    """(subject, indicator, period) ids of an entry's codes."""
    kind, code = subject_key(d)
    return (
        subject_id(session, bureau.id, kind, code),
        indicator_id(session, bureau.id, d["indicator"]),
        period_id(session, bureau.id, d["cycle"], d["period"]),
    )


# --------------------------------------------------------------------------- values


@core_kind(
    "value.recorded",
    {
        **TARGET,
        "value": _req(),
        "corrects": _seq(),
        "note": Str(),
        "appeal": Str(),
        "evidence": fields.List(Str()),
        "source": Str(),
        "source_key": Str(),
        "late": fields.Boolean(),
        "round": Str(),
    },
    "数据填报 (value recorded)",
)
def value_recorded(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    key = _key(session, bureau, d)
    known = known_values(session)
    row = known[key] if key in known else session.get(IndicatorValue, key)
    now = {
        "value": d["value"],
        "seq": event.seq,
        "review": "pending",
        "review_seq": None,
        "late": bool(d.get("late")),
    }
    if row is None:
        row = IndicatorValue(subject_id=key[0], indicator_id=key[1], period_id=key[2], **now)
        session.add(row)
    elif inspect(row).pending or inspect(row).modified:
        for name, value in now.items():
            setattr(row, name, value)
    else:  # the usual correction: one statement, not a flush of the unit of work
        update_row(session, row, **now)
    if key in known:  # a batch's prefetched key (replay keeps no such map)
        known[key] = row
    if d.get("source_key"):
        session.add(SourceKey(bureau_id=bureau.id, key=d["source_key"], seq=event.seq))
    invalidate(session, d["cycle"], key[0])


@core_kind(
    "value.withdrawn",
    {**TARGET, "withdraws": Int(required=True, strict=True), "reason": _req(), "appeal": Str()},
    "数据撤回 (value withdrawn)",
)
def value_withdrawn(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    key = _key(session, bureau, d)
    known = known_values(session)
    row = known[key] if key in known else session.get(IndicatorValue, key)
    if row is not None and row.seq == d["withdraws"]:
        session.delete(row)
        session.flush()
        if key in known:
            known[key] = None
    invalidate(session, d["cycle"], key[0])


@core_kind(
    "warning.raised",
    {
        **TARGET,
        "value": _req(),
        "value_seq": Int(required=True, strict=True),
        "check": _req(),
        "message": _req(),
    },
    "预警 (warning raised)",
)
def warning_raised(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    subject, indicator, period = _key(session, bureau, d)
    session.add(
        ValueWarning(
            seq=event.seq,
            bureau_id=bureau.id,
            subject_id=subject,
            indicator_id=indicator,
            period_id=period,
            value_seq=d["value_seq"],
            check=d["check"],
            message=d["message"],
        )
    )


# --------------------------------------------------------------------------- schemes


@core_kind(
    "scheme.imported",
    {
        "cycle": _req(),
        "version": Int(required=True, strict=True),
        "digest": _req(),
        "definition": fields.Dict(required=True),
        "template": Str(),
    },
    "指标体系导入 (scheme imported)",
)
def scheme_imported(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    definition = d["definition"]
    session.add(
        Scheme(
            bureau_id=bureau.id,
            cycle_id=cycle_id(session, bureau.id, d["cycle"]),
            code=definition["code"],
            version=d["version"],
            name=definition["name"],
            group_code=definition.get("group"),
            subject_kind=definition.get("subject", "unit"),
            definition=json.dumps(definition, ensure_ascii=False, sort_keys=True),
            digest=d["digest"],
            status="draft",
            imported_seq=event.seq,
        )
    )
    session.flush()


@core_kind(
    "scheme.published",
    {"cycle": _req(), "code": _req(), "version": Int(required=True, strict=True), "digest": _req()},
    "指标体系发布 (scheme published)",
)
def scheme_published(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    scheme = session.execute(
        select(Scheme).where(
            Scheme.bureau_id == bureau.id,
            Scheme.cycle_id == cycle_id(session, bureau.id, d["cycle"]),
            Scheme.code == d["code"],
            Scheme.version == d["version"],
        )
    ).scalar_one()
    scheme.status, scheme.published_seq = "published", event.seq
    session.flush()
    invalidate(session, d["cycle"], None)


# --------------------------------------------------------------------------- ratings


@core_kind(
    "rating.submitted",
    {
        **TARGET,
        "role": _req(),
        "rater": _req(),
        "score": _req(),
        "comment": Str(),
        "corrects": _seq(),
        "appeal": Str(),
    },
    "评分 (rating submitted)",
)
def rating_submitted(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    key = (*_key(session, bureau, d), d["rater"])
    row = session.get(Rating, key) or Rating(
        subject_id=key[0], indicator_id=key[1], period_id=key[2], rater=key[3]
    )
    row.role, row.score, row.seq = d["role"], d["score"], event.seq
    session.add(row)
    session.flush()
    invalidate(session, d["cycle"], key[0])


@core_kind(
    "rating.withdrawn",
    {
        **TARGET,
        "rater": _req(),
        "withdraws": Int(required=True, strict=True),
        "reason": _req(),
        "appeal": Str(),
    },
    "评分撤回 (rating withdrawn)",
)
def rating_withdrawn(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    key = (*_key(session, bureau, d), d["rater"])
    row = session.get(Rating, key)
    if row is not None and row.seq == d["withdraws"]:
        session.delete(row)
        session.flush()
    invalidate(session, d["cycle"], key[0])


@core_kind(
    "panel.drawn",
    {
        "cycle": _req(),
        "indicator": _req(),
        "pool": fields.List(Str(), required=True),
        "size": Int(required=True, strict=True),
        "seed": _req(),
        "algorithm": _req(),
        "members": fields.List(Str(), required=True),
        "replaces": Int(strict=True),
        "reason": Str(),
    },
    "专家抽取 (expert panel drawn)",
)
def panel_drawn(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    key = (
        cycle_id(session, bureau.id, d["cycle"]),
        indicator_id(session, bureau.id, d["indicator"]),
    )
    row = session.get(ExpertPanel, key) or ExpertPanel(cycle_id=key[0], indicator_id=key[1])
    row.members, row.seed, row.seq = ",".join(d["members"]), d["seed"], event.seq
    session.add(row)
    session.flush()


@core_kind(
    "panel.closed",
    {"cycle": _req(), "indicator": _req(), "reason": Str()},
    "专家评分结束 (expert panel closed)",
)
def panel_closed(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    key = (
        cycle_id(session, bureau.id, d["cycle"]),
        indicator_id(session, bureau.id, d["indicator"]),
    )
    panel = session.get(ExpertPanel, key)
    if panel is not None:
        panel.closed_seq = event.seq
        session.flush()


# --------------------------------------------------------------------------- items


@core_kind(
    "item.recorded",
    {
        **TARGET,
        "quantity": _req(),
        "reason": _req(),
        "evidence": fields.List(Str()),
        "corrects": _seq(),
        "appeal": Str(),
        "finding": Str(),
    },
    "加扣分项 (bonus/deduction item recorded)",
)
def item_recorded(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    subject, indicator, period = _key(session, bureau, d)
    if d.get("corrects") is not None:
        old = session.get(ScoreItem, (d["corrects"], bureau.id))
        if old is not None:
            session.delete(old)
    session.add(
        ScoreItem(
            seq=event.seq,
            bureau_id=bureau.id,
            subject_id=subject,
            indicator_id=indicator,
            period_id=period,
            quantity=d["quantity"],
            reason=d["reason"],
            evidence=json.dumps(d.get("evidence", [])),
        )
    )
    session.flush()
    invalidate(session, d["cycle"], subject)


@core_kind(
    "item.withdrawn",
    {**TARGET, "withdraws": Int(required=True, strict=True), "reason": _req(), "appeal": Str()},
    "加扣分项撤回 (item withdrawn)",
)
def item_withdrawn(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    old = session.get(ScoreItem, (d["withdraws"], bureau.id))
    if old is not None:
        session.delete(old)
        session.flush()
    invalidate(session, d["cycle"], _key(session, bureau, d)[0])


# --------------------------------------------------------------------------- reviews


@core_kind(
    "review.decided",
    {
        **TARGET,
        "value_seq": Int(required=True, strict=True),
        "decision": _req(),
        "note": Str(),
        "corrects": _seq(),
        "appeal": Str(),
    },
    "审核 (review decided)",
)
def review_decided(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    key = _key(session, bureau, d)
    row = session.get(IndicatorValue, key)
    if row is not None and row.seq == d["value_seq"]:
        row.review, row.review_seq = d["decision"], event.seq
        session.flush()
    invalidate(session, d["cycle"], key[0])


@core_kind(
    "review.withdrawn",
    {
        **TARGET,
        "value_seq": Int(required=True, strict=True),
        "withdraws": Int(required=True, strict=True),
        "reason": _req(),
        "appeal": Str(),
    },
    "审核撤回 (review withdrawn)",
)
def review_withdrawn(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    key = _key(session, bureau, d)
    row = session.get(IndicatorValue, key)
    if row is not None and row.review_seq == d["withdraws"]:
        row.review, row.review_seq = "pending", None
        session.flush()
    invalidate(session, d["cycle"], key[0])


# --------------------------------------------------------------------------- evidence


@core_kind(
    "evidence.attached",
    {
        "sha256": _req(),
        "filename": _req(),
        "size": Int(required=True, strict=True),
        "media_type": _req(),
        "unit": _req(),
        "subject": Str(),
    },
    "佐证材料 (evidence attached)",
)
def evidence_attached(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    session.add(
        EvidenceFile(
            seq=event.seq,
            bureau_id=bureau.id,
            sha256=d["sha256"],
            filename=d["filename"],
            size=d["size"],
            media_type=d["media_type"],
            unit_id=unit_id(session, bureau.id, d["unit"]),
            subject=d.get("subject", ""),
        )
    )
    session.flush()


# --------------------------------------------------------------------------- appeals


@core_kind(
    "appeal.filed",
    {
        **TARGET,
        "code": _req(),
        "value_seq": _seq(),
        "reason": Str(),
        "evidence": fields.List(Str()),
        "deadline": _req(),
    },
    "申诉 (appeal filed)",
)
def appeal_filed(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    subject, indicator, period = _key(session, bureau, d)
    session.add(
        Appeal(
            bureau_id=bureau.id,
            code=d["code"],
            subject_id=subject,
            cycle_id=session.get(Period, period).cycle_id,
            indicator_id=indicator,
            period_id=period,
            value_seq=d["value_seq"],
            reason=d.get("reason", d.get("reasons", "")),  # "reasons" before format 2026-11
            evidence=json.dumps(d.get("evidence", [])),
            status="filed",
            deadline=d["deadline"],
            filed_seq=event.seq,
        )
    )
    session.flush()


def _appeal(session: Session, bureau: BureauRef, code: str) -> Appeal:
    return session.execute(
        select(Appeal).where(Appeal.bureau_id == bureau.id, Appeal.code == code)
    ).scalar_one()


@core_kind("appeal.assigned", {"code": _req(), "reviewer": _req()}, "申诉分派 (appeal assigned)")
def appeal_assigned(session: Session, bureau: BureauRef, event: Event) -> None:
    appeal = _appeal(session, bureau, event.data["code"])
    appeal.status, appeal.reviewer = "assigned", event.data["reviewer"]
    session.flush()


@core_kind(
    "appeal.decided",
    {
        "code": _req(),
        "decision": _req(),
        "reason": _req(),
        "correction_seq": _seq(),
        "corrected": Str(),
    },
    "申诉决定 (appeal decided)",
)
def appeal_decided(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    appeal = _appeal(session, bureau, d["code"])
    appeal.status, appeal.decision = "decided", d["decision"]
    appeal.decided_seq, appeal.correction_seq = event.seq, d["correction_seq"]
    session.flush()
