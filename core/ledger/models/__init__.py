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

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    """``from core.ledger.models import LedgerEntry`` imports the module that defines it."""
    module = _ELSEWHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    found = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = found  # the next lookup is a plain attribute, not this call
    return found


def __dir__() -> list[str]:
    return sorted({*globals(), *_ELSEWHERE})


def load_all() -> None:
    """Import every ledger table (for what needs the whole schema)."""
    for module in sorted(set(_ELSEWHERE.values())):
        importlib.import_module(f"{__name__}.{module}")
