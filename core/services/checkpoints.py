"""Signed checkpoints of a bureau's log and their anchors in the platform log, listed
for people (the console's ledger page); the audit bundle as bytes for a download."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.ledger import bundle, checkpoints
from core.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerLog
from core.ledger.store import PLATFORM_ORIGIN
from core.services import ledger
from core.services.context import Context


def listing(ctx: Context, bureau: str, limit: int = 50) -> list[dict[str, Any]]:
    """The bureau's newest signed checkpoints, each with whether the platform log
    anchors it (``checkpoint.recorded`` naming its size and root)."""
    with ctx.reading(bureau, "ledger.read") as work:
        log = work.session.get(LedgerLog, work.bureau.log_id)
        rows = work.session.scalars(
            select(LedgerCheckpoint)
            .where(LedgerCheckpoint.log_id == log.id)
            .order_by(LedgerCheckpoint.size.desc())
            .limit(limit)
        ).all()
        anchors = _anchors(work.session, log.origin)
        return [
            {
                "size": r.size,
                "root": bytes(r.root).hex(),
                "note": r.note,
                "signed_at": r.created_at.isoformat(timespec="seconds"),
                "anchor_seq": anchors.get((r.size, bytes(r.root).hex())),
            }
            for r in rows
        ]


def _anchors(session: Any, origin: str) -> dict[tuple[int, str], int]:
    platform = session.scalar(select(LedgerLog).where(LedgerLog.origin == PLATFORM_ORIGIN))
    if platform is None:
        return {}
    found = {}
    rows = session.execute(
        select(LedgerEntry.seq, LedgerEntry.body).where(
            LedgerEntry.log_id == platform.id, LedgerEntry.kind == "checkpoint.recorded"
        )
    )
    for seq, body in rows:
        data = json.loads(body)["data"]
        if data["origin"] == origin:
            found[(data["size"], data["root"])] = seq
    return found


def anchor(ctx: Context, bureau: str) -> dict[str, Any]:
    """The platform anchor log: its origin, size and newest signed checkpoint (every
    bureau's checkpoints are recorded in it, so a bureau cannot fork its history
    without the platform log showing it)."""
    with ctx.reading(bureau, "ledger.read") as work:
        platform = work.session.scalar(select(LedgerLog).where(LedgerLog.origin == PLATFORM_ORIGIN))
        last = work.session.scalar(
            select(LedgerCheckpoint)
            .where(LedgerCheckpoint.log_id == platform.id)
            .order_by(LedgerCheckpoint.size.desc())
            .limit(1)
        )
        return {
            "origin": platform.origin,
            "size": platform.size,
            "checkpoint": last.note if last else None,
        }


def bundle_bytes(ctx: Context, bureau: str) -> tuple[str, bytes]:
    """The offline audit bundle as bytes, for anyone who may read the ledger (auditors
    included). The head is checkpointed first, as for an inclusion proof (the signer
    refuses a rewritten log); see :func:`core.services.ledger.export`."""
    try:
        with ctx.writing(bureau, "ledger.read") as work, tempfile.TemporaryDirectory() as folder:
            log = work.session.get(LedgerLog, work.bureau.log_id)
            ledger.sign(ctx, work.session, log)
            path = Path(folder) / f"{work.bureau.code}-audit-bundle.zip"
            bundle.export(work.session, log, ctx.platform.signers(), path)
            return path.name, path.read_bytes()
    except checkpoints.InconsistentLog as exc:
        raise ledger._refused(ctx, exc) from exc
