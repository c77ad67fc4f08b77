"""The outbox: a message and its deliveries, written in the ledger append's transaction.

Every entry appended to a bureau's log is an event whose type is the entry's ``kind``.
The payload is ``{type, timestamp, data}``; ``data`` carries the entry's own data and its
ledger position (bureau, origin, seq, leaf hash), so a receiver can ask for an inclusion
proof. The ``webhook-id`` is derived from the leaf hash: stable across retries and
redeliveries, unique per event.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain.models import Bureau
from core.ledger.store import Appended
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookMessage, utcnow


def message_id(entry: Appended) -> str:
    return "msg_" + entry.leaf_hash[:16].hex()


def payload(bureau: Bureau, entry: Appended) -> str:
    body = json.loads(entry.body)
    data = dict(entry.data)
    data["ledger"] = {
        "bureau": bureau.code,
        "origin": entry.origin,
        "seq": entry.seq,
        "leaf_hash": entry.leaf_hash.hex(),
    }
    return json.dumps(
        {"type": entry.kind, "timestamp": body["ts"], "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def enqueue(session: Session, bureau: Bureau, entries: Sequence[Appended]) -> int:
    """Queue every entry for the bureau's endpoints that subscribe to its type.

    Disabled endpoints are queued for too: disabling pauses delivery, it does not drop
    events, and enabling resumes with the oldest.
    """
    endpoints = session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.bureau_id == bureau.id)
    ).all()
    queued = 0
    for entry in entries:
        targets = [e for e in endpoints if e.subscribes(entry.kind)]
        if not targets:
            continue
        message = WebhookMessage(
            msg_id=message_id(entry),
            bureau_id=bureau.id,
            event_type=entry.kind,
            payload=payload(bureau, entry),
            seq=entry.seq,
        )
        session.add(message)
        session.flush()
        now = utcnow()
        session.add_all(
            WebhookDelivery(
                message_id=message.id, endpoint_id=e.id, state="pending", next_attempt_at=now
            )
            for e in targets
        )
        queued += len(targets)
    if queued:
        session.flush()
    return queued
