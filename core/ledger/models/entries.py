"""The ledger's records beside each log's head: its entries, checkpoints and Merkle
tiles, and what independent parties added to a checkpoint after it was signed (witness
cosignatures, RFC 3161 time-stamp tokens). See :mod:`core.ledger.models`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.kernel.db import Base, PartialIndex
from core.ledger.models.logs import POLICY_KIND


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class LedgerEntry(Base):
    """An entry: the exact canonical body bytes and their leaf hash. Never updated."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        # The latest ledger policy of a log, found without scanning it: a partial index,
        # so the other entries' inserts only evaluate its condition.
        PartialIndex(
            "ix_ledger_entries_policy", "log_id", "seq", where=text(f"kind = '{POLICY_KIND}'")
        ),
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


class LedgerTile(Base):
    """A full C2SP tlog-tile: 256 hashes of one level (level 0: leaf hashes), and their
    root (the hash the tile contributes to the level above, kept so that the level
    above's unfinished tile is one range read). Written as the entries are appended;
    partial tiles are never stored, they are read from the entries or these roots."""

    __tablename__ = "ledger_tiles"
    __table_args__ = ({"sqlite_with_rowid": False},)
    log_id: Mapped[int] = mapped_column(ForeignKey("ledger_logs.id"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hashes: Mapped[bytes] = mapped_column(LargeBinary)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerCosignature(Base):
    """A witness's C2SP tlog-cosignature/v1 line on a checkpoint, as the witness sent it
    (checked with the witness's key before it is stored, and again by verification)."""

    __tablename__ = "ledger_cosignatures"
    log_id: Mapped[int] = mapped_column(ForeignKey("ledger_logs.id"), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    witness: Mapped[str] = mapped_column(String(200), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(8), primary_key=True)
    line: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class LedgerTimestamp(Base):
    """An RFC 3161 time-stamp token (DER) over a checkpoint's text, from the configured
    time-stamp authority."""

    __tablename__ = "ledger_timestamps"
    log_id: Mapped[int] = mapped_column(ForeignKey("ledger_logs.id"), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    token: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
