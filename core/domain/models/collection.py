"""Projections of data collection: rounds, extensions, reminders and closed periods."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.domain.models.organisation import Period
from core.kernel.db import Base


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
