"""The ledger's tables: the record of truth, append-only (database triggers reject
UPDATE and DELETE; see :mod:`core.ledger.triggers`).

Beside the entries and checkpoints: the log's Merkle tiles (derived from the entries,
written in the same transaction, so that proofs read O(log n) rows), and what independent
parties added to a checkpoint after it was signed: witness cosignatures and RFC 3161
time-stamp tokens. None of these is trusted by verification: a tile's hashes must
reproduce a signed root, a cosignature must verify with the witness's key, a token with
the TSA's certificate.

The log heads (``logs``) are declared on import; the other tables (``entries``) on first
use of one of their names, as in :mod:`core.domain.models`: a command that only lists
bureaus reads log heads and pays for declaring and configuring nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.kernel.lazy import lazy_names
from core.ledger.models.logs import DEFAULT_SUITE, POLICY_KIND, LedgerLog

_ELSEWHERE = {
    name: "entries"
    for name in (
        "LedgerEntry",
        "LedgerCheckpoint",
        "LedgerTile",
        "LedgerCosignature",
        "LedgerTimestamp",
    )
}

__all__ = [
    "DEFAULT_SUITE",
    "POLICY_KIND",
    "LedgerCheckpoint",
    "LedgerCosignature",
    "LedgerEntry",
    "LedgerLog",
    "LedgerTile",
    "LedgerTimestamp",
    "load_all",
]

if TYPE_CHECKING:
    from core.ledger.models.entries import (
        LedgerCheckpoint,
        LedgerCosignature,
        LedgerEntry,
        LedgerTile,
        LedgerTimestamp,
    )


__getattr__, __dir__, load_all = lazy_names(__name__, _ELSEWHERE, globals())
"""``load_all()``: import every ledger table (for what needs the whole schema)."""
