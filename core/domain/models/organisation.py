"""The organisation's tables: units, people, subjects, cycles, periods, indicators and
current values (what recording and scoring touch)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.kernel.db import Base


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
