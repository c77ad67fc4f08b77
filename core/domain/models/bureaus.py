"""The tenants: bureaus (what every command that names a bureau reads first)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.kernel.db import Base
from core.ledger.models import LedgerLog


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Bureau(Base):
    """A tenant: a bureau (局) with its own log, units, users and plugins."""

    __tablename__ = "bureaus"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    log_id: Mapped[int] = mapped_column(ForeignKey("ledger_logs.id"), unique=True)
    log: Mapped[LedgerLog] = relationship()
