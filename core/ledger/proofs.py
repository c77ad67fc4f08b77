"""Proof documents an auditor can check offline with ``verify.py --proof``."""

from __future__ import annotations

import base64

from sqlalchemy.orm import Session

from core.ledger import merkle
from core.ledger.checkpoints import leaf_hashes
from core.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerLog


def inclusion_document(
    session: Session, log: LedgerLog, entry: LedgerEntry, cp: LedgerCheckpoint
) -> dict:
    """The entry, its inclusion proof and the signed checkpoint the proof is against."""
    path = merkle.inclusion_proof(entry.seq, leaf_hashes(session, log.id, cp.size))
    return {
        "origin": log.origin,
        "seq": entry.seq,
        "body": bytes(entry.body).decode("utf-8"),
        "leaf_hash": bytes(entry.leaf_hash).hex(),
        "tree_size": cp.size,
        "inclusion_proof": [base64.b64encode(p).decode() for p in path],
        "checkpoint": cp.note,
    }
