"""Appending to a log, inside the caller's transaction.

The caller opens the transaction, does its business write and calls :func:`append` (or
:func:`append_many` for imports) in the same session; both commit or neither does.
Appends to one log are serialised by a row lock on the log's head (``SELECT … FOR
UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already holds the database write
lock), so positions have no gaps and the chain no forks. Logs of different bureaus lock
different rows and append in parallel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.ledger.verifier import FORMAT_VERSION, MerkleAccumulator, canonical_bytes, leaf_hash
from core.models import LedgerEntry, LedgerLog
from core.privacy import PersonalDataError, find_id_cards

PLATFORM_ORIGIN = "jixiao/_platform"
LISTENERS_KEY = "jixiao.ledger_listeners"


@dataclass(frozen=True)
class Record:
    """What a caller wants written: the rest of the body the ledger fills in."""

    kind: str
    data: dict
    actor: str = "system"


@dataclass(frozen=True)
class Appended:
    """An entry as written: its position, exact body and leaf hash."""

    log_id: int
    origin: str
    seq: int
    kind: str
    body: bytes
    leaf_hash: bytes
    data: dict


Listener = Callable[[Session, Sequence[Appended]], None]


def utc_timestamp() -> str:
    """RFC 3339 UTC with microseconds, the ``ts`` of ledger bodies."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def origin_for(bureau_code: str) -> str:
    return f"jixiao/{bureau_code}"


def create_log(session: Session, origin: str) -> LedgerLog:
    log = LedgerLog(origin=origin, size=0, head=None, frontier=b"")
    session.add(log)
    session.flush()
    return log


def platform_log(session: Session) -> LedgerLog:
    """The platform log (bureau checkpoints), created on first use."""
    log = session.scalar(select(LedgerLog).where(LedgerLog.origin == PLATFORM_ORIGIN))
    return log or create_log(session, PLATFORM_ORIGIN)


def lock_log(session: Session, log_id: int) -> LedgerLog:
    """Lock a log's head row for the rest of the transaction and read it fresh."""
    stmt = (
        select(LedgerLog)
        .where(LedgerLog.id == log_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(stmt).scalar_one()


def _guard_personal_data(body: bytes) -> None:
    text = body.decode("utf-8")
    if find_id_cards(text):
        raise PersonalDataError(
            "a ledger entry may not contain a resident ID-card number; store the person's "
            "identifiers encrypted and record their keyed hash instead"
        )


def append_many(session: Session, log_id: int, records: Iterable[Record]) -> list[Appended]:
    """Append records to a log under one lock; returns the entries as written."""
    log = lock_log(session, log_id)
    acc = MerkleAccumulator.from_frontier(log.size, log.frontier)
    prev, seq, ts = log.head, log.size, utc_timestamp()
    rows, written = [], []
    for record in records:
        body = canonical_bytes(
            {
                "v": FORMAT_VERSION,
                "log": log.origin,
                "seq": seq,
                "prev": prev.hex() if prev is not None else None,
                "ts": ts,
                "actor": record.actor,
                "kind": record.kind,
                "data": record.data,
            }
        )
        _guard_personal_data(body)
        leaf = leaf_hash(body)
        acc.append(leaf)
        rows.append(
            {
                "log_id": log_id,
                "seq": seq,
                "prev": prev,
                "kind": record.kind,
                "body": body,
                "leaf_hash": leaf,
            }
        )
        written.append(Appended(log_id, log.origin, seq, record.kind, body, leaf, record.data))
        prev, seq = leaf, seq + 1
    if not rows:
        return []
    session.execute(insert(LedgerEntry), rows)
    log.size, log.head, log.frontier = seq, prev, acc.frontier()
    session.flush()
    for listener in session.info.get(LISTENERS_KEY, ()):
        listener(session, written)
    return written


def append(session: Session, log_id: int, record: Record) -> Appended:
    return append_many(session, log_id, [record])[0]
