"""Signed checkpoints of logs, and the signer's refusal to sign a rewritten log.

A checkpoint is cheap to sign (the log head keeps its Merkle frontier, so the root is
O(log n)), and it is made in batches: on demand, on period close, at most once a second
by the server's background checkpointer, never per entry. Each bureau checkpoint is
also anchored in the platform log (see :mod:`core.services.ledger`), and the platform
log is checkpointed in turn, so one platform checkpoint covers every bureau.

**The signer checks before it signs.** A careful rewrite (a body changed, every later
link and leaf hash recomputed, the head's frontier updated) would otherwise get a fresh
signature over the forged root. So before signing, :func:`check_consistent` proves that
the stored leaves still extend what was signed before (an RFC 9162 consistency proof
from the last signed checkpoint, and from the platform log's record of it, to the new
head), and re-hashes the entries appended since. Deleting the stored checkpoint rows
does not help the forger: the platform anchor is checked too.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.ledger import merkle
from core.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerLog
from core.ledger.signing import NoteSigner, sign_note
from core.ledger.tlog import (
    Checkpoint,
    MerkleAccumulator,
    ProofError,
    leaf_hash,
    verify_consistency,
)


class InconsistentLog(Exception):
    """The log's head does not extend a checkpoint signed before: it was rewritten."""

    def __init__(self, origin: str, seq: int, detail: str, last_seq: int | None = None) -> None:
        super().__init__(f"{origin}: {detail}")
        self.origin = origin
        self.seq = seq
        self.last_seq = last_seq
        self.detail = detail


def latest(session: Session, log_id: int) -> LedgerCheckpoint | None:
    stmt = (
        select(LedgerCheckpoint)
        .where(LedgerCheckpoint.log_id == log_id)
        .order_by(LedgerCheckpoint.size.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def head_checkpoint(log: LedgerLog) -> Checkpoint:
    return Checkpoint(
        log.origin, log.size, MerkleAccumulator.from_frontier(log.size, log.frontier).root()
    )


def leaf_hashes(session: Session, log_id: int, size: int) -> list[bytes]:
    rows = session.scalars(
        select(LedgerEntry.leaf_hash)
        .where(LedgerEntry.log_id == log_id, LedgerEntry.seq < size)
        .order_by(LedgerEntry.seq)
    )
    return [bytes(h) for h in rows]


def check_consistent(session: Session, log: LedgerLog, earlier: Sequence[Checkpoint]) -> None:
    """Raise InconsistentLog unless the log's head extends every ``earlier`` checkpoint
    and the entries since the newest of them are intact (bodies hash to their stored
    leaf hashes and link to their predecessors)."""
    head = head_checkpoint(log)
    leaves = leaf_hashes(session, log.id, log.size)
    if len(leaves) != log.size or merkle.subtree_root(leaves) != head.root:
        raise InconsistentLog(
            log.origin, len(leaves), "the stored entries do not hash to the log head's root"
        )
    for cp in sorted(earlier, key=lambda c: c.size):
        if cp.size > log.size:
            raise InconsistentLog(
                log.origin,
                log.size,
                f"checkpoint {cp.size} was signed, but the log now ends at {log.size}",
            )
        if cp.size == 0:
            continue
        try:
            proof = merkle.consistency_proof(cp.size, leaves) if cp.size < log.size else []
            verify_consistency(cp.size, log.size, proof, cp.root, head.root)
        except ProofError as exc:
            raise InconsistentLog(
                log.origin,
                0,
                f"the head is not consistent with checkpoint {cp.size} ({exc}): an entry in "
                f"seq 0–{cp.size - 1} was changed after it was signed",
                cp.size - 1,
            ) from exc
    since = max((cp.size for cp in earlier), default=0)
    _check_tail(session, log, since, leaves)


def _check_tail(session: Session, log: LedgerLog, start: int, leaves: list[bytes]) -> None:
    """Entries appended since the last checkpoint: each body hashes to its leaf hash."""
    rows = session.execute(
        select(LedgerEntry.seq, LedgerEntry.body)
        .where(LedgerEntry.log_id == log.id, LedgerEntry.seq >= start)
        .order_by(LedgerEntry.seq)
    )
    for seq, body in rows:
        if leaf_hash(bytes(body)) != leaves[seq]:
            raise InconsistentLog(log.origin, seq, f"entry {seq} does not hash to its leaf hash")


def sign_head(session: Session, log: LedgerLog, signers: list[NoteSigner]) -> LedgerCheckpoint:
    """Sign the head as it is (callers check consistency first)."""
    cp = head_checkpoint(log)
    row = LedgerCheckpoint(
        log_id=log.id, size=log.size, root=cp.root, note=sign_note(cp.text(), signers)
    )
    session.add(row)
    session.flush()
    return row


def stored(row: LedgerCheckpoint, origin: str) -> Checkpoint:
    return Checkpoint(origin, row.size, bytes(row.root))
