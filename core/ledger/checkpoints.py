"""Signed checkpoints of logs, what others add to them, and the signer's refusal to sign a
rewritten log.

A checkpoint is cheap to sign (the log head keeps its Merkle frontier, so the root is
O(log n)), and it is made in batches: on demand, on period close, at most once a second
by the server's background checkpointer, never per entry. Each bureau checkpoint is
also anchored in the platform log (see :mod:`core.services.ledger`), and the platform
log is checkpointed in turn, so one platform checkpoint covers every bureau.

**The signer checks before it signs.** A careful rewrite (a body changed, every later
link and leaf hash recomputed, the head's frontier updated) would otherwise get a fresh
signature over the forged root. So before signing, :func:`check_consistent` proves that
the head extends what was signed before: from the stored tiles it rebuilds the Merkle
frontier at the last signed size and requires it to reproduce the signed root (and
requires an RFC 9162 consistency proof from any older signed size, such as the platform
log's record of it), re-hashes the entries appended since, and requires that frontier
extended by them, and the tiles themselves, to give the head's root. O(log n) tile reads
plus the new entries. Deleting the stored checkpoint rows does not help the forger: the
platform anchor is checked too.

After the signature is committed, witnesses add cosignatures and a time-stamp authority a
token (:class:`LedgerCosignature`, :class:`LedgerTimestamp`); :func:`published_note` is
the note with its cosignatures, as monitors and bundles get it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.ledger import rfc9162, tilestore
from core.ledger.models import (
    LedgerCheckpoint,
    LedgerCosignature,
    LedgerEntry,
    LedgerLog,
    LedgerTimestamp,
)
from core.ledger.notekeys import NoteSignature, sign_note
from core.ledger.store import suite_of
from core.ledger.tiles import TileError
from core.ledger.tlog import Checkpoint, ProofError


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
    hasher = suite_of(log).hasher
    acc = rfc9162.Accumulator.from_frontier(hasher, log.size, log.frontier)
    return Checkpoint(log.origin, log.size, acc.root())


def leaf_hashes(session: Session, log_id: int, size: int) -> list[bytes]:
    rows = session.scalars(
        select(LedgerEntry.leaf_hash)
        .where(LedgerEntry.log_id == log_id, LedgerEntry.seq < size)
        .order_by(LedgerEntry.seq)
    )
    return [bytes(h) for h in rows]


def _rewritten(origin: str, cp: Checkpoint, why: str) -> InconsistentLog:
    return InconsistentLog(
        origin,
        0,
        f"the head is not consistent with checkpoint {cp.size} ({why}): an entry in "
        f"seq 0–{cp.size - 1} was changed after it was signed",
        cp.size - 1,
    )


def check_consistent(session: Session, log: LedgerLog, earlier: Sequence[Checkpoint]) -> None:
    """Raise InconsistentLog unless the log's head extends every ``earlier`` checkpoint
    and the entries since the newest of them are intact (see the module doc)."""
    try:
        head = head_checkpoint(log)
    except ValueError as exc:  # a frontier not of the stored size: a changed log row
        raise InconsistentLog(log.origin, log.size, f"the log row is damaged: {exc}") from exc
    signed = [cp for cp in earlier if cp.size > 0]
    for cp in signed:
        if cp.size > log.size:
            raise InconsistentLog(
                log.origin,
                log.size,
                f"checkpoint {cp.size} was signed, but the log now ends at {log.size}",
            )
    hasher = suite_of(log).hasher
    tiles = tilestore.reader(session, log, hasher, log.size)
    try:
        if tiles.root() != head.root:
            raise InconsistentLog(
                log.origin, 0, "the stored tiles do not hash to the log head's root"
            )
        if not signed:
            _check_whole(session, log, head)
            return
        last = max(signed, key=lambda c: c.size)
        _check_older(session, log, signed, last)
        frontier = tiles.frontier(last.size)
    except TileError as exc:
        raise InconsistentLog(log.origin, 0, f"the stored tiles are damaged: {exc}") from exc
    acc = rfc9162.Accumulator.from_frontier(hasher, last.size, frontier)
    if acc.root() != last.root:
        raise _rewritten(log.origin, last, "the stored tree does not reproduce its root")
    _check_tail(session, log, last.size, acc)
    if acc.root() != head.root:
        raise _rewritten(log.origin, last, "the head is not that tree extended by the new entries")


def _check_older(
    session: Session, log: LedgerLog, signed: Sequence[Checkpoint], last: Checkpoint
) -> None:
    """Each older signed checkpoint is a prefix of the newest (a consistency proof)."""
    hasher = suite_of(log).hasher
    for cp in signed:
        if cp.size == last.size:
            if cp.root != last.root:
                raise _rewritten(log.origin, cp, "two roots were signed for this size")
            continue
        proof = tilestore.reader(session, log, hasher, last.size).consistency_proof(cp.size)
        try:
            rfc9162.verify_consistency(hasher, cp.size, last.size, proof, cp.root, last.root)
        except ProofError as exc:
            raise _rewritten(log.origin, cp, str(exc)) from exc


def _check_whole(session: Session, log: LedgerLog, head: Checkpoint) -> None:
    """The first checkpoint of a log: every stored leaf hash and body, against the head."""
    hasher = suite_of(log).hasher
    leaves = leaf_hashes(session, log.id, log.size)
    if len(leaves) != log.size or rfc9162.root_of(hasher, leaves) != head.root:
        raise InconsistentLog(
            log.origin, len(leaves), "the stored entries do not hash to the log head's root"
        )
    acc = rfc9162.Accumulator(hasher)
    _check_tail(session, log, 0, acc)


def _check_tail(session: Session, log: LedgerLog, start: int, acc: rfc9162.Accumulator) -> None:
    """Entries from ``start`` on: each body hashes to its stored leaf hash, which is
    appended to ``acc``, and links to the entry before it; the log row's head is the
    last one's leaf hash. (A head changed in the database had been linked to by the
    next append, and that broken chain signed and cosigned.)"""
    leaf_of = suite_of(log).hasher.leaf
    rows = session.execute(
        select(LedgerEntry.seq, LedgerEntry.body, LedgerEntry.leaf_hash)
        .where(LedgerEntry.log_id == log.id, LedgerEntry.seq >= max(start - 1, 0))
        .order_by(LedgerEntry.seq)
    )
    previous: bytes | None = None
    for seq, body, leaf in rows:
        body, leaf = bytes(body), bytes(leaf)
        if seq < start:  # the entry before the tail: the tail's first link
            previous = leaf
            continue
        if seq != acc.size:
            raise InconsistentLog(log.origin, acc.size, f"entry {acc.size} is missing")
        if leaf_of(body) != leaf:
            raise InconsistentLog(log.origin, seq, f"entry {seq} does not hash to its leaf hash")
        if _link_of(body) != (previous.hex() if previous is not None else None):
            raise InconsistentLog(log.origin, seq, f"entry {seq} does not link to entry {seq - 1}")
        acc.append(leaf)
        previous = leaf
    if log.size and (log.head is None or bytes(log.head) != previous):
        raise InconsistentLog(
            log.origin, log.size, "the log row's head is not the last entry's leaf hash"
        )


def _link_of(body: bytes) -> object:
    """The ``prev`` an entry body names (a body that is not an entry names nothing)."""
    try:
        entry = json.loads(body)
    except ValueError:
        return ...
    return entry.get("prev", ...) if isinstance(entry, dict) else ...


def sign_head(session: Session, log: LedgerLog, signers: Sequence) -> LedgerCheckpoint:
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


# --------------------------------------------------------------------------- attestations


def cosignatures(session: Session, log_id: int, size: int) -> list[LedgerCosignature]:
    return list(
        session.scalars(
            select(LedgerCosignature)
            .where(LedgerCosignature.log_id == log_id, LedgerCosignature.size == size)
            .order_by(LedgerCosignature.witness, LedgerCosignature.key_id)
        )
    )


def add_cosignature(
    session: Session, log_id: int, size: int, signature: NoteSignature
) -> LedgerCosignature | None:
    """Store a (verified) cosignature line; None if this witness key's is already there."""
    key = signature.key_id.hex()
    found = session.get(LedgerCosignature, (log_id, size, signature.name, key))
    if found is not None:
        return None
    row = LedgerCosignature(
        log_id=log_id, size=size, witness=signature.name, key_id=key, line=signature.line()
    )
    session.add(row)
    session.flush()
    return row


def published_note(session: Session, row: LedgerCheckpoint) -> str:
    """The checkpoint's note with the witnesses' cosignature lines after the log's own."""
    lines = [c.line for c in cosignatures(session, row.log_id, row.size)]
    return row.note + "".join(lines)


def timestamp(session: Session, log_id: int, size: int) -> bytes | None:
    found = session.get(LedgerTimestamp, (log_id, size))
    return None if found is None else bytes(found.token)


def add_timestamp(session: Session, log_id: int, size: int, token: bytes) -> None:
    if session.get(LedgerTimestamp, (log_id, size)) is None:
        session.add(LedgerTimestamp(log_id=log_id, size=size, token=token))
        session.flush()


def witness_sizes(session: Session, log_id: int) -> dict[tuple[str, str], int]:
    """The largest size each witness key has cosigned: where its next request starts."""
    rows = session.execute(
        select(
            LedgerCosignature.witness, LedgerCosignature.key_id, func.max(LedgerCosignature.size)
        )
        .where(LedgerCosignature.log_id == log_id)
        .group_by(LedgerCosignature.witness, LedgerCosignature.key_id)
    )
    return {(name, key): size for name, key, size in rows}


def cosigned_at_least(session: Session, log_id: int, size: int) -> set[tuple[str, str]]:
    """(witness, key ID hex) of every witness key that cosigned a checkpoint of the log of
    ``size`` entries or more."""
    rows = session.execute(
        select(LedgerCosignature.witness, LedgerCosignature.key_id)
        .where(LedgerCosignature.log_id == log_id, LedgerCosignature.size >= size)
        .distinct()
    )
    return {(name, key) for name, key in rows}
