"""The ledger's tables: the record of truth, append-only (database triggers reject
UPDATE and DELETE; see :mod:`core.ledger.triggers`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.kernel.db import Base


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class LedgerLog(Base):
    """One hash-chained log: a bureau's, or the platform log of bureau checkpoints.

    The row is the log's head (size and last leaf hash) and the lock that serialises
    appends to this log on PostgreSQL. The head is a cache: verification never trusts it.
    """

    __tablename__ = "ledger_logs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(String(200), unique=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    head: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    frontier: Mapped[bytes] = mapped_column(LargeBinary, default=b"")


class LedgerEntry(Base):
    """An entry: the exact canonical body bytes and their leaf hash. Never updated."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        {"sqlite_with_rowid": False},  # the (log_id, seq) key is the table: one B-tree less
    )
    log_id: Mapped[int] = mapped_column(ForeignKey("ledger_logs.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerCheckpoint(Base):
    """A signed C2SP checkpoint of a log at some size. Never updated."""

    __tablename__ = "ledger_checkpoints"
    log_id: Mapped[int] = mapped_column(ForeignKey("ledger_logs.id"), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
