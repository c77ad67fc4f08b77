"""Proof documents an auditor can check offline with ``verify.py --proof``."""

from __future__ import annotations

import base64

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.kernel.errors import FieldError, NotFound, invalid
from core.ledger import merkle
from core.ledger.checkpoints import checkpoint
from core.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerLog
from core.ledger.signing import NoteSigner


def leaf_hashes(session: Session, log_id: int, size: int) -> list[bytes]:
    rows = session.scalars(
        select(LedgerEntry.leaf_hash)
        .where(LedgerEntry.log_id == log_id, LedgerEntry.seq < size)
        .order_by(LedgerEntry.seq)
    )
    return [bytes(h) for h in rows]


def covering_checkpoint(
    session: Session, log: LedgerLog, seq: int, signers: list[NoteSigner]
) -> LedgerCheckpoint:
    """The newest checkpoint that includes ``seq``, signing one now if there is none."""
    found = session.scalar(
        select(LedgerCheckpoint)
        .where(LedgerCheckpoint.log_id == log.id, LedgerCheckpoint.size > seq)
        .order_by(LedgerCheckpoint.size.desc())
        .limit(1)
    )
    return found or checkpoint(session, log.id, signers)


def inclusion_document(
    session: Session, log: LedgerLog, seq: int, signers: list[NoteSigner]
) -> dict:
    entry = session.get(LedgerEntry, (log.id, seq))
    if entry is None:
        raise NotFound(f"{log.origin} has no entry {seq}", [FieldError("seq", "no such entry")])
    cp = covering_checkpoint(session, log, seq, signers)
    path = merkle.inclusion_proof(seq, leaf_hashes(session, log.id, cp.size))
    return {
        "origin": log.origin,
        "seq": seq,
        "body": bytes(entry.body).decode("utf-8"),
        "leaf_hash": bytes(entry.leaf_hash).hex(),
        "tree_size": cp.size,
        "inclusion_proof": [base64.b64encode(p).decode() for p in path],
        "checkpoint": cp.note,
    }


def consistency_document(session: Session, log: LedgerLog, size1: int, size2: int) -> dict:
    if not 0 < size1 <= size2 <= log.size:
        raise invalid("from", f"need 0 < from <= to <= {log.size}")
    leaves = leaf_hashes(session, log.id, size2)
    return {
        "origin": log.origin,
        "from": size1,
        "to": size2,
        "root1": base64.b64encode(merkle.subtree_root(leaves[:size1])).decode(),
        "root2": base64.b64encode(merkle.subtree_root(leaves)).decode(),
        "proof": [base64.b64encode(p).decode() for p in merkle.consistency_proof(size1, leaves)],
    }
