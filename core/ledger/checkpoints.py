"""Signed checkpoints of logs, and the platform log that records bureau checkpoints.

A checkpoint is cheap (the log head keeps its Merkle frontier, so the root is O(log n)),
but it is still made in batches — on demand, on period close, at most once a second by
the server's background checkpointer — never per entry. Each bureau checkpoint is also
appended to the platform log, and the platform log is checkpointed in turn, so one
platform checkpoint anchors every bureau.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.ledger.models import LedgerCheckpoint, LedgerLog
from core.ledger.signing import NoteSigner, sign_note
from core.ledger.store import PLATFORM_ORIGIN, Record, append, lock_log, platform_log
from core.ledger.tlog import Checkpoint, MerkleAccumulator


def latest(session: Session, log_id: int) -> LedgerCheckpoint | None:
    stmt = (
        select(LedgerCheckpoint)
        .where(LedgerCheckpoint.log_id == log_id)
        .order_by(LedgerCheckpoint.size.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def _sign_head(session: Session, log: LedgerLog, signers: list[NoteSigner]) -> LedgerCheckpoint:
    root = MerkleAccumulator.from_frontier(log.size, log.frontier).root()
    cp = Checkpoint(log.origin, log.size, root)
    row = LedgerCheckpoint(
        log_id=log.id, size=log.size, root=root, note=sign_note(cp.text(), signers)
    )
    session.add(row)
    session.flush()
    return row


def checkpoint(session: Session, log_id: int, signers: list[NoteSigner]) -> LedgerCheckpoint | None:
    """Sign the log's current head unless it is empty or already checkpointed."""
    log = lock_log(session, log_id)
    last = latest(session, log_id)
    if log.size == 0 or (last is not None and last.size == log.size):
        return last
    row = _sign_head(session, log, signers)
    if log.origin != PLATFORM_ORIGIN:
        anchor = platform_log(session)
        append(
            session,
            anchor.id,
            Record(
                "checkpoint.recorded",
                {"origin": log.origin, "size": log.size, "root": row.root.hex()},
            ),
        )
        _sign_head(session, lock_log(session, anchor.id), signers)
    return row


def checkpoint_all(session: Session, signers: list[NoteSigner]) -> list[LedgerCheckpoint]:
    """Checkpoint every bureau log that grew since its last checkpoint."""
    made = []
    origins = session.scalars(
        select(LedgerLog.id).where(LedgerLog.origin != PLATFORM_ORIGIN, LedgerLog.size > 0)
    ).all()
    for log_id in origins:
        last = latest(session, log_id)
        size = session.get(LedgerLog, log_id).size
        if last is None or last.size < size:
            made.append(checkpoint(session, log_id, signers))
    return made
