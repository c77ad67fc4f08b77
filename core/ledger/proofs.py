"""Proofs from the stored tiles (O(log n) reads), and the proof documents an auditor
checks offline with ``verify.py --proof``."""

from __future__ import annotations

import base64

from sqlalchemy.orm import Session

from core.ledger import tilestore
from core.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerLog
from core.ledger.store import suite_of


def inclusion_proof(session: Session, log: LedgerLog, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) of the log, from its tiles."""
    return tilestore.reader(session, log, suite_of(log).hasher, size).inclusion_proof(index)


def consistency_proof(
    session: Session, log: LedgerLog, size1: int, size2: int
) -> tuple[bytes, bytes, list[bytes]]:
    """(root at size1, root at size2, PROOF(size1, D[size2])), from the log's tiles."""
    hasher = suite_of(log).hasher
    stored = tilestore.StoredTiles(session, log.id, hasher, log.size)
    second = tilestore.reader(session, log, hasher, size2, stored)
    first = tilestore.reader(session, log, hasher, size1, stored)
    return first.root(), second.root(), second.consistency_proof(size1)


def inclusion_document(
    session: Session, log: LedgerLog, entry: LedgerEntry, cp: LedgerCheckpoint, note: str
) -> dict:
    """The entry, its inclusion proof and the signed (cosigned) checkpoint it is against."""
    path = inclusion_proof(session, log, entry.seq, cp.size)
    return {
        "origin": log.origin,
        "suite": suite_of(log).name,
        "seq": entry.seq,
        "body": bytes(entry.body).decode("utf-8"),
        "leaf_hash": bytes(entry.leaf_hash).hex(),
        "tree_size": cp.size,
        "inclusion_proof": [base64.b64encode(p).decode() for p in path],
        "checkpoint": note,
    }
