"""A log's head row: what every write locks and every listing of bureaus reads."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.kernel.db import Base

DEFAULT_SUITE = "sha256-ed25519"
POLICY_KIND = "ledger.policy.set"
"""The kind of the entries that set a bureau's ledger policy (see core.services.ledger)."""


class LedgerLog(Base):
    """One hash-chained log: a bureau's, or the platform log of bureau checkpoints.

    The row is the log's head (size and last leaf hash) and the lock that serialises
    appends to this log on PostgreSQL. The head is a cache: verification never trusts it.
    ``suite`` (:mod:`core.ledger.suites`) is fixed when the log is created (a trigger
    refuses to change it): every leaf, node and signature of the log depends on it.
    """

    __tablename__ = "ledger_logs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(String(200), unique=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    head: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    frontier: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    suite: Mapped[str] = mapped_column(
        String(32), default=DEFAULT_SUITE, server_default=DEFAULT_SUITE
    )
