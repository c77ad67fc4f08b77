"""Database tables.

The domain's tables are **projections** (bureaus, units, people, cycles, periods,
indicators, current values, plugin installations, assessment inputs): ordinary tables
kept in step with the ledger (``core.ledger.models``) in the same transaction, which
``jixiao ledger replay --check`` rebuilds from it.

Users and tokens are credentials, not assessment records: they are not projections,
though granting a role is still written to the ledger for the audit trail.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.kernel.db import Base
from core.ledger.models import LedgerLog


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --------------------------------------------------------------------------- organisation


class Bureau(Base):
    """A tenant: a bureau (局) with its own log, units, users and plugins."""

    __tablename__ = "bureaus"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    log_id: Mapped[int] = mapped_column(ForeignKey("ledger_logs.id"), unique=True)
    log: Mapped[LedgerLog] = relationship()


class Unit(Base):
    """A unit under assessment: a department, or an institution under a supervising one.

    ``parent`` is the supervising department (D-15); ``group_code`` the assessment group
    the unit is ranked in (D-03).
    """

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("bureau_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    group_code: Mapped[str | None] = mapped_column(String(64))
    parent: Mapped[Unit | None] = relationship(remote_side=[id])


class Person(Base):
    """A member of staff. Personal identifiers are encrypted; the ledger has keyed hashes.
    ``group_code`` is the assessment group when schemes assess people (D-43)."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("bureau_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    group_code: Mapped[str | None] = mapped_column(String(64))
    pii_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    pii_digest: Mapped[str] = mapped_column(Text, default="{}")
    unit: Mapped[Unit | None] = relationship()


class Subject(Base):
    """What is assessed: a unit or a person (D-43), each a first-class subject.

    Inputs (values, ratings, items), appeals and results are keyed by subject, so the
    engine scores people exactly as it scores units, with no person disguised as a unit.
    ``unit_id`` is the unit itself, or the person's unit (their results roll up with it).
    """

    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("bureau_id", "kind", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "unit" | "person"
    code: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    unit: Mapped[Unit | None] = relationship()
    person: Mapped[Person | None] = relationship()


class Cycle(Base):
    """An assessment cycle (usually a year) and its periods."""

    __tablename__ = "cycles"
    __table_args__ = (UniqueConstraint("bureau_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)
    periods: Mapped[list[Period]] = relationship(back_populates="cycle", order_by="Period.start")


class Period(Base):
    __tablename__ = "periods"
    __table_args__ = (UniqueConstraint("cycle_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)
    cycle: Mapped[Cycle] = relationship(back_populates="periods")


class Indicator(Base):
    """An indicator in the bureau's library; schemes (issue 3) arrange them in trees."""

    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("bureau_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    measure: Mapped[str] = mapped_column(String(32), default="")


class IndicatorValue(Base):
    """Projection: the current value of an indicator for a subject and period, with
    the seq of the entry that recorded it and its review state (and that review's seq).
    A withdrawn value has no row (it scores as missing)."""

    __tablename__ = "indicator_values"
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"), primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    review: Mapped[str] = mapped_column(String(16), default="pending")
    review_seq: Mapped[int | None] = mapped_column(BigInteger)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    """Recorded after the collection round's deadline (for its unit) had passed."""
    subject: Mapped[Subject] = relationship()
    indicator: Mapped[Indicator] = relationship()
    period: Mapped[Period] = relationship()


class PluginInstallation(Base):
    """Projection: which plugins answer hook calls for a bureau."""

    __tablename__ = "plugin_installations"
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), primary_key=True)
    plugin: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[str] = mapped_column(String(50), default="")
    seq: Mapped[int] = mapped_column(BigInteger)
    settings: Mapped[str] = mapped_column(Text, default="{}")
    """The bureau's settings for the plugin as recorded (``plugin.configured``), JSON."""


# --------------------------------------------------------------------------- auth


class User(Base):
    """A user of one bureau (or a platform admin, with no bureau). Usernames are unique
    within a bureau, so one bureau learns nothing of another's users; ``person_id``
    links a user to their staff record, for their own results (D-43)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("bureau_id", "username"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(32))
    bureau_id: Mapped[int | None] = mapped_column(ForeignKey("bureaus.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    bureau: Mapped[Bureau | None] = relationship()
    person: Mapped[Person | None] = relationship()
    units: Mapped[list[Unit]] = relationship(secondary="user_units")


class UserUnit(Base):
    """The units a reporter may record values for."""

    __tablename__ = "user_units"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    user: Mapped[User] = relationship()


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


# --------------------------------------------------------------------------- assessment


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


class ClosedPeriod(Base):
    """Projection: a period closed for collection (``collection.closed``); a cycle whose
    every period is closed is finished."""

    __tablename__ = "closed_periods"
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)


class CollectionRound(Base):
    """Projection: a period's collection round (收数, D-20): whom it asks, for what, by
    when, and which reminders it takes. ``spec`` is the opening's JSON (units,
    indicators or null for "what the scheme asks", evidence, reminder days)."""

    __tablename__ = "collection_rounds"
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), primary_key=True)
    deadline: Mapped[str] = mapped_column(String(40))
    spec: Mapped[str] = mapped_column(Text)
    seq: Mapped[int] = mapped_column(BigInteger)
    period: Mapped[Period] = relationship()


class CollectionExtension(Base):
    """Projection: a later deadline granted to one unit, with the office's reason; it
    lets the unit enter figures even after the period closed, until that deadline."""

    __tablename__ = "collection_extensions"
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    deadline: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    seq: Mapped[int] = mapped_column(BigInteger)


class CollectionReminder(Base):
    """Projection: reminders already sent for a round (``before:3``, ``overdue:0``), so
    a reminder run repeated by cron or by several servers sends each once."""

    __tablename__ = "collection_reminders"
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)


class PluginRecord(Base):
    """Projection kept by a plugin's event kinds: one record per (plugin, collection,
    key), e.g. a tax bureau's rectification notices. Plugins write it only from their
    projectors (so replay rebuilds it) and read it through ``context.records``."""

    __tablename__ = "plugin_records"
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), primary_key=True)
    plugin: Mapped[str] = mapped_column(String(100), primary_key=True)
    collection: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    seq: Mapped[int] = mapped_column(BigInteger)


# --------------------------------------------------------------------------- console sign-in


class UserCredential(Base):
    """A user's console password (an Argon2id hash, never the password) and the state of
    failed sign-ins: ``failures`` in a row, and ``locked_until`` once they reach the limit.
    Credentials, not a projection (see the module doc)."""

    __tablename__ = "user_credentials"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    must_change: Mapped[bool] = mapped_column(Boolean, default=False)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ConsoleSession(Base):
    """A signed-in browser: the cookie holds a random token, this row only its SHA-256,
    so a leaked table signs nobody in. Ended by sign-out, expiry, or a password change."""

    __tablename__ = "console_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    address: Mapped[str] = mapped_column(String(64), default="")
    data: Mapped[str] = mapped_column(Text, default="{}")


class LoginFailure(Base):
    """One failed sign-in, for throttling by client address (kept for the window only)."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    username: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
