"""The ledger (账本) for every channel: reading it, signing checkpoints (after proving
the head consistent with what was signed before), proofs, verification, audit bundles
and replay."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain.assessment.standings import has_pending
from core.domain.events import EventLog
from core.domain.models import Bureau
from core.domain.replay import ReplayReport, compare, rebuild
from core.kernel.errors import Conflict, FieldError, NotFound, invalid
from core.kernel.numbers import MAX_SAFE_INT
from core.ledger import audit, bundle, checkpoints, merkle, proofs
from core.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerLog
from core.ledger.store import PLATFORM_ORIGIN, lock_log, platform_log
from core.ledger.tlog import Report
from core.plugin_api import PluginContext
from core.services.context import Context, Work
from core.services.platform import Platform

Progress = Callable[[int], None] | None


def _log(work: Work) -> LedgerLog:
    return work.session.get(LedgerLog, work.bureau.log_id)


def _seq(value: object, field: str = "seq") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SAFE_INT:
        raise invalid(field, "a ledger seq: a whole number from 0 to 2^53−1")
    return value


def head(ctx: Context, bureau: str) -> dict[str, Any]:
    with ctx.reading(bureau, "ledger.read") as work:
        log = _log(work)
        last = checkpoints.latest(work.session, log.id)
        return {
            "origin": log.origin,
            "size": log.size,
            "root": checkpoints.head_checkpoint(log).root.hex(),
            "checkpoint": last.note if last else None,
        }


def _entry_view(e: LedgerEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "kind": e.kind,
        "leaf_hash": bytes(e.leaf_hash).hex(),
        "body": bytes(e.body).decode("utf-8"),
    }


def entries(ctx: Context, bureau: str, start: object = 0, limit: object = 100) -> list[dict]:
    start = _seq(start, "start")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise invalid("limit", "between 1 and 1000")
    with ctx.reading(bureau, "ledger.read") as work:
        rows = work.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.log_id == work.bureau.log_id, LedgerEntry.seq >= start)
            .order_by(LedgerEntry.seq)
            .limit(limit)
        )
        return [_entry_view(e) for e in rows]


def entry(ctx: Context, bureau: str, seq: object) -> dict[str, Any]:
    seq = _seq(seq)
    with ctx.reading(bureau, "ledger.read") as work:
        found = work.session.get(LedgerEntry, (work.bureau.log_id, seq))
        if found is None:
            raise NotFound(f"no entry {seq}", [FieldError("seq", "no such entry")])
        return _entry_view(found)


# --------------------------------------------------------------------------- checkpoints


def _platform_log(ctx: Context, session: Session) -> EventLog:
    anchor = platform_log(session)
    return EventLog(session, anchor.id, None, ctx.principal.actor, ctx.platform.catalogue)


def sign(ctx: Context, session: Session, log: LedgerLog) -> LedgerCheckpoint | None:
    """Checkpoint one log (under its lock): prove the head consistent with the last
    signed checkpoint and the platform's record of it, sign, and anchor it in the
    platform log. Returns the newest checkpoint (None for an empty log)."""
    log = lock_log(session, log.id)
    last = checkpoints.latest(session, log.id)
    if log.size == 0 or (last is not None and last.size == log.size):
        return last
    earlier = [checkpoints.stored(last, log.origin)] if last else []
    if log.origin != PLATFORM_ORIGIN:
        anchored = audit.latest_anchor(session, log.origin)
        if anchored is not None:
            earlier.append(anchored)
    checkpoints.check_consistent(session, log, earlier)
    row = checkpoints.sign_head(session, log, ctx.platform.signers())
    if log.origin != PLATFORM_ORIGIN:
        anchor = _platform_log(ctx, session)
        anchor.record(
            "checkpoint.recorded", {"origin": log.origin, "size": log.size, "root": row.root.hex()}
        )
        platform = lock_log(session, anchor.log_id)
        checkpoints.check_consistent(session, platform, _stored_latest(session, platform))
        checkpoints.sign_head(session, platform, ctx.platform.signers())
    return row


def _stored_latest(session: Session, log: LedgerLog) -> list:
    last = checkpoints.latest(session, log.id)
    return [checkpoints.stored(last, log.origin)] if last else []


def _refused(ctx: Context, error: checkpoints.InconsistentLog) -> Conflict:
    """Record the refusal in the platform log (its own transaction: the checkpoint's
    was rolled back) and describe it to the caller."""
    _announce(
        ctx, error.origin, error.seq, error.last_seq, "inconsistent with checkpoint", error.detail
    )
    return Conflict(
        f"refused to sign a checkpoint of {error.origin}: {error.detail}; recorded as "
        "ledger.verification_failed in the platform log",
        [FieldError("ledger", error.detail)],
    )


def checkpoint(ctx: Context, bureau: str) -> dict[str, Any]:
    """Sign a checkpoint of the bureau's log now (refused if the log was rewritten)."""
    try:
        with ctx.writing(bureau, "ledger.checkpoint") as work:
            row = sign(ctx, work.session, _log(work))
            return {"size": row.size if row else 0, "note": row.note if row else None}
    except checkpoints.InconsistentLog as exc:
        raise _refused(ctx, exc) from exc


def checkpoint_all(ctx: Context) -> list[dict[str, Any]]:
    """Checkpoint every bureau log that grew (the background checkpointer)."""
    made, refused = [], []
    with ctx.platform_reading() as work:
        grown = [
            (log.id, log.origin, log.size)
            for log in work.session.scalars(
                select(LedgerLog).where(LedgerLog.origin != PLATFORM_ORIGIN, LedgerLog.size > 0)
            )
        ]
    for log_id, origin, _ in grown:
        try:
            # Locks in the order every writer takes them: the bureau's log (sign takes
            # it first), then the platform's; taking the platform's first could
            # deadlock against a bureau closing a period on PostgreSQL.
            with ctx.platform_writing(lock=False) as work:
                log = work.session.get(LedgerLog, log_id)
                last = checkpoints.latest(work.session, log_id)
                if last is not None and last.size >= log.size:
                    continue
                row = sign(ctx, work.session, log)
                made.append(
                    {"origin": origin, "size": row.size, "root": row.root.hex(), "note": row.note}
                )
        except checkpoints.InconsistentLog as exc:
            refused.append(_refused(ctx, exc))
    if refused:
        raise refused[0]
    return made


# --------------------------------------------------------------------------- proofs


def proof(ctx: Context, bureau: str, seq: object) -> dict[str, Any]:
    """Inclusion proof of one entry against a signed checkpoint (checked offline with
    ``verify.py --proof``); a checkpoint is signed now if none covers the entry yet."""
    seq = _seq(seq)
    try:
        with ctx.writing(bureau, "ledger.read") as work:
            log = _log(work)
            found = work.session.get(LedgerEntry, (log.id, seq))
            if found is None:
                raise NotFound(
                    f"{log.origin} has no entry {seq}", [FieldError("seq", "no such entry")]
                )
            cp = work.session.scalar(
                select(LedgerCheckpoint)
                .where(LedgerCheckpoint.log_id == log.id, LedgerCheckpoint.size > seq)
                .order_by(LedgerCheckpoint.size.desc())
                .limit(1)
            ) or sign(ctx, work.session, log)
            return proofs.inclusion_document(work.session, log, found, cp)
    except checkpoints.InconsistentLog as exc:
        raise _refused(ctx, exc) from exc


def consistency(ctx: Context, bureau: str, first: object, second: object) -> dict[str, Any]:
    first, second = _seq(first, "from"), _seq(second, "to")
    with ctx.reading(bureau, "ledger.read") as work:
        log = _log(work)
        if not 0 < first <= second <= log.size:
            raise invalid("from", f"need 0 < from <= to <= {log.size}")
        leaves = checkpoints.leaf_hashes(work.session, log.id, second)
        return {
            "origin": log.origin,
            "from": first,
            "to": second,
            "root1": base64.b64encode(merkle.subtree_root(leaves[:first])).decode(),
            "root2": base64.b64encode(merkle.subtree_root(leaves)).decode(),
            "proof": [
                base64.b64encode(p).decode() for p in merkle.consistency_proof(first, leaves)
            ],
        }


def public_keys(platform: Platform) -> list[str]:
    """Verifier keys of this instance (note format): public, and to be published out of
    band too, so they need no caller."""
    return [str(s.verifier) for s in platform.signers()]


# --------------------------------------------------------------------------- verification


def _announce(
    ctx: Context, origin: str, seq: int, last_seq: int | None, reason: str, detail: str
) -> None:
    """``ledger.verification_failed`` in the platform log (never in the suspect log:
    its head may disagree with its rows), delivered to that bureau's subscribers."""
    code = origin.split("/", 1)[1]
    with ctx.platform_writing() as work:
        session = work.session
        log = _platform_log(ctx, session)
        log.listeners = [
            lambda s, _, events: ctx.platform.plugins.listen(
                [], lambda plugin: PluginContext(plugin, code, {}, session=s), events
            )
        ]
        log.record(
            "ledger.verification_failed",
            {
                "bureau": code,
                "origin": origin,
                "first_bad_seq": seq,
                "last_bad_seq": last_seq,
                "reason": reason,
                "detail": detail,
            },
        )


def verify(ctx: Context, bureau: str | None = None, progress: Progress = None) -> dict[str, Any]:
    """Re-hash every entry and check every signed checkpoint (and the platform anchors);
    each failed log is recorded as ``ledger.verification_failed``."""
    verifiers = [s.verifier for s in ctx.platform.signers()]
    if bureau is not None:
        with ctx.reading(bureau, "ledger.verify") as work:
            origin = _log(work).origin
            reports = audit.verify_all(work.session, verifiers, origin, progress)
    else:
        with ctx.platform_reading() as work:
            work.require_platform_admin()
            reports = audit.verify_all(work.session, verifiers, None, progress)
    for report in reports:
        if not report.ok and report.origin != PLATFORM_ORIGIN:
            f = report.finding
            _announce(ctx, report.origin, f.seq, f.last_seq, f.reason, f.detail)
    return {"ok": all(r.ok for r in reports), "logs": [r.as_dict() for r in reports]}


def export(ctx: Context, bureau: str, output: str | Path) -> dict[str, Any]:
    """Write an offline audit bundle (checkpointing first, which refuses a rewritten
    log); verifiable without the server or database."""
    if Path(output).exists():
        raise Conflict(f"{output} exists; choose a new path", [FieldError("output", "exists")])
    checkpoint(ctx, bureau)
    with ctx.reading(bureau, "ledger.read") as work:
        try:
            return bundle.export(work.session, _log(work), ctx.platform.signers(), output)
        except FileExistsError as exc:
            raise Conflict(str(exc), [FieldError("output", "exists")]) from exc


def replay_check(ctx: Context, progress: Progress = None) -> ReplayReport:
    """Rebuild every projection from the ledger alone (results recomputed on the
    rebuild) and compare with the live tables."""
    from core.services.rebuild import rebuilt_results

    with ctx.platform_reading() as work:
        work.require_platform_admin()
        waiting = [
            b.code for b in work.session.scalars(select(Bureau)) if has_pending(work.session, b)
        ]
    for code in waiting:  # the live results, brought up to date, are what is compared
        ctx.catch_up(code)
    with ctx.platform_reading() as work:
        scratch = rebuild(work.session, ctx.platform.catalogue, progress)
        try:
            rebuilt_results(ctx, scratch)
            return compare(work.session, scratch)
        finally:
            scratch.close()


__all__ = ["Report"]
