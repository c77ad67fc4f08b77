"""Full verification of logs in the database.

Streams every entry through :class:`core.ledger.tlog.ChainChecker` (constant
memory, the log's suite), checks every stored checkpoint's signature and root, and also
holds each bureau log to the checkpoints recorded for it in the platform log, so deleting
a bureau's checkpoint rows does not hide a rewrite. What others added to checkpoints is
checked too: every stored cosignature of a known witness must verify, and every stored
time-stamp token must verify against the trusted TSA certificates (when given).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.ledger.cosignature import CosignatureVerifier
from core.ledger.models import (
    LedgerCheckpoint,
    LedgerCosignature,
    LedgerEntry,
    LedgerLog,
    LedgerTimestamp,
)
from core.ledger.notekeys import NoteVerifier
from core.ledger.store import PLATFORM_ORIGIN, suite_of
from core.ledger.tlog import (
    ChainChecker,
    Checkpoint,
    Finding,
    NoteError,
    Report,
    add_checkpoint,
    check_timestamp,
    cosigners,
    open_checkpoint,
)

BATCH = 5000


@dataclass(frozen=True)
class Trust:
    """The keys and certificates verification checks signatures against: the instance's
    log verifier keys (of any suite; a log's own suite picks its kind), the configured
    witnesses' keys, and the pinned TSA certificates."""

    verifiers: Sequence[NoteVerifier]
    witnesses: Sequence[CosignatureVerifier] = ()
    tsa_certificates: Sequence = ()


def _stored_checkpoints(
    session: Session, log: LedgerLog, trust: Trust, checker: ChainChecker, report: Report
) -> Finding | None:
    suite = suite_of(log)
    verifiers = [v for v in trust.verifiers if isinstance(v, suite.verifier_type)]
    tokens = dict(
        session.execute(
            select(LedgerTimestamp.size, LedgerTimestamp.token).where(
                LedgerTimestamp.log_id == log.id
            )
        ).all()
    )
    lines: dict[int, str] = {}
    if trust.witnesses:  # every cosignature of the log in one read, not one per checkpoint
        for size, line in session.execute(
            select(LedgerCosignature.size, LedgerCosignature.line)
            .where(LedgerCosignature.log_id == log.id)
            .order_by(LedgerCosignature.size, LedgerCosignature.witness, LedgerCosignature.key_id)
        ):
            lines[size] = lines.get(size, "") + line
    rows = session.scalars(
        select(LedgerCheckpoint)
        .where(LedgerCheckpoint.log_id == log.id)
        .order_by(LedgerCheckpoint.size)
    )
    for row in rows:
        size = row.size
        note = row.note + lines.get(size, "")
        try:
            cp = open_checkpoint(note, verifiers)
            report.cosigned_by = cosigners(note, trust.witnesses)
        except NoteError as exc:
            return Finding(max(size - 1, 0), "signature invalid", f"checkpoint {size}: {exc}")
        if cp.origin != log.origin or cp.size != size or cp.root != bytes(row.root):
            return Finding(
                max(size - 1, 0),
                "signature invalid",
                f"checkpoint {size}: signed text differs from the stored row",
            )
        token = tokens.get(size)
        if token is not None and trust.tsa_certificates:
            from core.ledger.tsa import TimestampError

            try:
                check_timestamp(bytes(token), cp, suite, trust.tsa_certificates)
            except TimestampError as exc:
                return Finding(max(size - 1, 0), "timestamp invalid", f"checkpoint {size}: {exc}")
            report.timestamps += 1
        add_checkpoint(checker.checkpoints, cp)
        report.checkpoints += 1
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
    trust: Trust,
    anchors: Sequence[Checkpoint] = (),
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Verify one log; the report names the first bad position and why."""
    suite = suite_of(log)
    checker = ChainChecker(log.origin, suite=suite)
    report = Report(log.origin, 0, "", 0, None, suite.name)
    finding = _stored_checkpoints(session, log, trust, checker, report)
    for cp in anchors:
        add_checkpoint(checker.checkpoints, cp)
    # the entries are hashed even when a checkpoint is bad, so that the report says how
    # many are stored ("0 entries" had read as an empty log); the first finding stands
    chain = _hash_entries(session, log, checker, progress)
    finding = finding or chain
    if finding is None and log.size > checker.size:
        finding = Finding(
            checker.size,
            "truncated",
            f"the log head says {log.size} entries, {checker.size} are stored",
        )
    head = bytes(log.head) if log.head is not None else None
    if finding is None and checker.size and head != checker.last_leaf:
        finding = Finding(
            checker.size - 1,
            "head mismatch",
            "the log row's head is not the last entry's leaf hash: the next entry would "
            "link to it and break the chain",
        )
    if finding is None:
        finding = _deleted_checkpoints(session, log, anchors)
    report.size, report.root, report.finding = checker.size, checker.root().hex(), finding
    return report


def _hash_entries(
    session: Session,
    log: LedgerLog,
    checker: ChainChecker,
    progress: Callable[[int], None] | None,
) -> Finding | None:
    """Feed every stored entry of ``log`` to ``checker``, in order; its first finding."""
    rows = (
        session.connection()
        .execution_options(stream_results=True, yield_per=BATCH)
        .execute(
            select(LedgerEntry.seq, LedgerEntry.body, LedgerEntry.leaf_hash, LedgerEntry.kind)
            .where(LedgerEntry.log_id == log.id)
            .order_by(LedgerEntry.seq)
        )
    )
    feed = checker.feed
    for seq, body, leaf, kind in rows:
        if not feed(seq, bytes(body), bytes(leaf), kind):
            break
        if progress is not None and seq % BATCH == BATCH - 1:
            progress(BATCH)
    rows.close()
    return checker.finish()


def _deleted_checkpoints(
    session: Session, log: LedgerLog, anchors: Sequence[Checkpoint]
) -> Finding | None:
    """A checkpoint the platform log anchors but the log no longer stores. Each is
    stored and anchored in one transaction, and the table is append-only, so a missing
    one was deleted: the entries may still match the anchors, but whoever deleted it
    was hiding something (say so rather than "0 checkpoints — OK")."""
    if not anchors:
        return None
    stored = set(
        session.scalars(select(LedgerCheckpoint.size).where(LedgerCheckpoint.log_id == log.id))
    )
    missing = sorted({cp.size for cp in anchors} - stored)
    if not missing:
        return None
    shown = ", ".join(str(size) for size in missing[:10]) + ("…" if len(missing) > 10 else "")
    return Finding(
        max(missing[0] - 1, 0),
        "checkpoint deleted",
        f"the platform log anchors checkpoint(s) {shown} of this log, which it no longer "
        "stores: they were deleted",
    )


def verify_all(
    session: Session,
    trust: Trust,
    origin: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Report]:
    """Verify the platform log, then each bureau log against it (or only ``origin``)."""
    logs = session.scalars(select(LedgerLog).order_by(LedgerLog.id)).all()
    platform = [log for log in logs if log.origin == PLATFORM_ORIGIN]
    reports = [verify_log(session, log, trust, (), progress) for log in platform]
    anchors = anchored_checkpoints(session) if all(r.ok for r in reports) else {}
    for log in logs:
        if log.origin == PLATFORM_ORIGIN or (origin and log.origin != origin):
            continue
        reports.append(verify_log(session, log, trust, anchors.get(log.origin, []), progress))
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
