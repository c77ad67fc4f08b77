"""Full verification of logs in the database.

Streams every entry through :class:`core.ledger.tlog.ChainChecker` (constant
memory), checks every stored checkpoint's signature and root, and also holds each
bureau log to the checkpoints recorded for it in the platform log, so deleting a
bureau's checkpoint rows does not hide a rewrite.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerLog
from core.ledger.store import PLATFORM_ORIGIN
from core.ledger.tlog import (
    ChainChecker,
    Checkpoint,
    Finding,
    NoteError,
    NoteVerifier,
    Report,
    add_checkpoint,
    open_checkpoint,
)

BATCH = 5000


def _stored_checkpoints(
    session: Session, log: LedgerLog, verifiers: list[NoteVerifier], checker: ChainChecker
) -> Finding | None:
    rows = session.execute(
        select(LedgerCheckpoint.size, LedgerCheckpoint.root, LedgerCheckpoint.note)
        .where(LedgerCheckpoint.log_id == log.id)
        .order_by(LedgerCheckpoint.size)
    )
    for size, root, note in rows:
        try:
            cp = open_checkpoint(note, verifiers)
        except NoteError as exc:
            return Finding(max(size - 1, 0), "signature invalid", f"checkpoint {size}: {exc}")
        if cp.origin != log.origin or cp.size != size or cp.root != root:
            return Finding(
                max(size - 1, 0),
                "signature invalid",
                f"checkpoint {size}: signed text differs from the stored row",
            )
        add_checkpoint(checker.checkpoints, cp)
    return None


def anchored_checkpoints(session: Session) -> dict[str, list[Checkpoint]]:
    """Bureau checkpoints as recorded in the platform log (trusted once it verifies)."""
    platform = session.scalar(select(LedgerLog).where(LedgerLog.origin == PLATFORM_ORIGIN))
    found: dict[str, list[Checkpoint]] = {}
    if platform is None:
        return found
    rows = session.execute(
        select(LedgerEntry.body)
        .where(LedgerEntry.log_id == platform.id, LedgerEntry.kind == "checkpoint.recorded")
        .execution_options(yield_per=BATCH)
    )
    for (body,) in rows:
        data = json.loads(body)["data"]
        cp = Checkpoint(data["origin"], data["size"], bytes.fromhex(data["root"]))
        found.setdefault(cp.origin, []).append(cp)
    return found


def verify_log(
    session: Session,
    log: LedgerLog,
    verifiers: list[NoteVerifier],
    anchors: list[Checkpoint] = (),
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Verify one log; the report names the first bad position and why."""
    checker = ChainChecker(log.origin)
    finding = _stored_checkpoints(session, log, verifiers, checker)
    count = sum(len(v) for v in checker.checkpoints.values())
    for cp in anchors:
        add_checkpoint(checker.checkpoints, cp)
    if finding is None:
        rows = (
            session.connection()
            .execution_options(stream_results=True, yield_per=BATCH)
            .execute(
                select(LedgerEntry.seq, LedgerEntry.body, LedgerEntry.leaf_hash)
                .where(LedgerEntry.log_id == log.id)
                .order_by(LedgerEntry.seq)
            )
        )
        feed = checker.feed
        for seq, body, leaf in rows:
            if not feed(seq, bytes(body), bytes(leaf)):
                break
            if progress is not None and seq % BATCH == BATCH - 1:
                progress(BATCH)
        rows.close()
        finding = checker.finish()
    if finding is None and log.size > checker.size:
        finding = Finding(
            checker.size,
            "truncated",
            f"the log head says {log.size} entries, {checker.size} are stored",
        )
    return Report(log.origin, checker.size, checker.root().hex(), count, finding)


def verify_all(
    session: Session,
    verifiers: list[NoteVerifier],
    origin: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Report]:
    """Verify the platform log, then each bureau log against it (or only ``origin``)."""
    logs = session.scalars(select(LedgerLog).order_by(LedgerLog.id)).all()
    platform = [log for log in logs if log.origin == PLATFORM_ORIGIN]
    reports = [verify_log(session, log, verifiers, (), progress) for log in platform]
    anchors = anchored_checkpoints(session) if all(r.ok for r in reports) else {}
    for log in logs:
        if log.origin == PLATFORM_ORIGIN or (origin and log.origin != origin):
            continue
        reports.append(verify_log(session, log, verifiers, anchors.get(log.origin, []), progress))
    if origin:
        reports = [r for r in reports if r.origin in (origin, PLATFORM_ORIGIN)]
    return reports


def latest_anchor(session: Session, origin: str) -> Checkpoint | None:
    """The newest checkpoint of ``origin`` the platform log records (newest first, so
    this reads only the platform entries since that checkpoint)."""
    platform = session.scalar(select(LedgerLog).where(LedgerLog.origin == PLATFORM_ORIGIN))
    if platform is None:
        return None
    rows = session.execute(
        select(LedgerEntry.body)
        .where(LedgerEntry.log_id == platform.id, LedgerEntry.kind == "checkpoint.recorded")
        .order_by(LedgerEntry.seq.desc())
        .execution_options(yield_per=200)
    )
    for (body,) in rows:
        data = json.loads(body)["data"]
        if data["origin"] == origin:
            return Checkpoint(origin, data["size"], bytes.fromhex(data["root"]))
    return None
