"""Projections of assessment: scheme versions, ratings and expert panels, items,
evidence files, appeals, value warnings, source keys of imports, and the stored results
with their refresh state."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.domain.models.organisation import Cycle, Indicator, Period, Subject
from core.kernel.db import Base


class Scheme(Base):
    """Projection: one version of an indicator scheme for a cycle (and a unit group).

    Versions are never edited: importing a changed scheme adds the next version, and
    publishing freezes one (both ledger events). ``definition`` is the normal form as
    recorded in the ledger.
    """

    __tablename__ = "schemes"
    __table_args__ = (UniqueConstraint("cycle_id", "code", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    group_code: Mapped[str | None] = mapped_column(String(64))
    subject_kind: Mapped[str] = mapped_column(String(8), default="unit")
    definition: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    imported_seq: Mapped[int] = mapped_column(BigInteger)
    published_seq: Mapped[int | None] = mapped_column(BigInteger)
    cycle: Mapped[Cycle] = relationship()


class Rating(Base):
    """Projection: one rater's current score for a subject on a rated indicator
    (D-13, D-14). A rater rates once per (subject, indicator, period); a correction
    names the seq it replaces, a withdrawal removes the row."""

    __tablename__ = "ratings"
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"), primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), primary_key=True)
    rater: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    score: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


class ExpertPanel(Base):
    """Projection: the experts drawn for rating an indicator in a cycle (D-14)."""

    __tablename__ = "expert_panels"
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"), primary_key=True)
    members: Mapped[str] = mapped_column(Text)
    seed: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    closed_seq: Mapped[int | None] = mapped_column(BigInteger)
    """The ``panel.closed`` entry: experts' ratings are final and no longer blind."""


class ScoreItem(Base):
    """Projection: a live bonus or deduction item recorded by a reviewer (D-10, D-16).
    A correction replaces the row (new seq); a withdrawal removes it."""

    __tablename__ = "score_items"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    quantity: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="[]")


class EvidenceFile(Base):
    """Projection: a file attached as evidence (D-24); its bytes live content-addressed
    under the instance folder, its SHA-256 in the ledger."""

    __tablename__ = "evidence_files"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    subject: Mapped[str] = mapped_column(String(200))


class Appeal(Base):
    """Projection: an appeal against a score (D-33): filed → assigned → decided."""

    __tablename__ = "appeals"
    __table_args__ = (UniqueConstraint("bureau_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    value_seq: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="[]")
    status: Mapped[str] = mapped_column(String(16), default="filed")
    reviewer: Mapped[str | None] = mapped_column(String(100))
    deadline: Mapped[str] = mapped_column(String(40))
    decision: Mapped[str | None] = mapped_column(String(16))
    filed_seq: Mapped[int] = mapped_column(BigInteger)
    decided_seq: Mapped[int | None] = mapped_column(BigInteger)
    correction_seq: Mapped[int | None] = mapped_column(BigInteger)
    subject: Mapped[Subject] = relationship()
    indicator: Mapped[Indicator] = relationship()
    period: Mapped[Period] = relationship()


class ValueWarning(Base):
    """Projection: a warning raised when a value was recorded (D-22, D-23), for the
    review queue; ``value_seq`` is the value entry it concerns."""

    __tablename__ = "value_warnings"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    value_seq: Mapped[int] = mapped_column(BigInteger)
    check: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)


class SourceKey(Base):
    """Projection: keys of rows imported from other systems (D-42), so re-importing the
    same file records nothing twice."""

    __tablename__ = "source_keys"
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)


class ResultRow(Base):
    """Projection: one subject's stored result in a cycle (``window`` "") or its standing
    within one period (``window`` = the period's code). Refreshed in the transaction that
    changes its inputs; reads never compute. Numbers are decimal strings; ``nodes``
    (after post-processing), ``base_nodes`` (the roll-up), ``flags``, ``adjustments``,
    ``vetoed_by`` and ``trace`` (per leaf, per period: inputs, seqs, scores) are JSON."""

    __tablename__ = "results"
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), primary_key=True)
    window: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    scheme_code: Mapped[str] = mapped_column(String(64))
    scheme_version: Mapped[int] = mapped_column(Integer)
    total: Mapped[str] = mapped_column(String(64))
    base_total: Mapped[str] = mapped_column(String(64))
    rank: Mapped[int | None] = mapped_column(Integer)
    grade: Mapped[str | None] = mapped_column(String(64))
    group_size: Mapped[int] = mapped_column(Integer)
    flags: Mapped[str] = mapped_column(Text, default="[]")
    nodes: Mapped[str] = mapped_column(Text)
    base_nodes: Mapped[str] = mapped_column(Text)
    adjustments: Mapped[str] = mapped_column(Text, default="[]")
    vetoed_by: Mapped[str] = mapped_column(Text, default="[]")
    trace: Mapped[str] = mapped_column(Text)
    attainable: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[Subject] = relationship()


class ResultState(Base):
    """Projection: the ledger size the stored results of a cycle window reflect."""

    __tablename__ = "result_states"
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), primary_key=True)
    window: Mapped[str] = mapped_column(String(32), primary_key=True)
    as_of: Mapped[int] = mapped_column(BigInteger)
    schemes: Mapped[str] = mapped_column(Text, default="")
    """The published scheme versions scored, e.g. ``five-dimension@2,services@1``."""


class ResultPending(Base):
    """What the stored results still lack: subjects (0: every subject) of a cycle whose
    inputs changed since their rows were written. Writes add marks here; the results are
    brought up to date under the bureau's lock before anyone reads them (and by the
    server's refresher in between), so a write does not pay for rescoring."""

    __tablename__ = "result_pending"
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), primary_key=True)
    subject_id: Mapped[int] = mapped_column(Integer, primary_key=True)
