"""The outbox: a message and its deliveries, written in the append's transaction.

Every entry appended to a bureau's log is an event whose type is the entry's ``kind``.
The payload is ``{type, timestamp, data}``; ``data`` carries the entry's own data and its
ledger position (bureau, origin, seq, leaf hash), so a receiver can ask for an inclusion
proof. The ``webhook-id`` is derived from the leaf hash: stable across retries and
redeliveries, unique per event.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from core.domain.models import Bureau
from core.ledger.store import PLATFORM_ORIGIN, origin_for
from core.plugin_api import Event
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookMessage, utcnow

PLATFORM_KINDS = ("ledger.verification_failed",)


def message_id(event: Event) -> str:
    return "msg_" + event.leaf_hash[:32]


def payload(bureau: str, event: Event) -> str:
    data = dict(event.data)
    data["ledger"] = {
        "bureau": bureau,
        "origin": origin_for(event.bureau) if event.bureau else PLATFORM_ORIGIN,
        "seq": event.seq,
        "leaf_hash": event.leaf_hash,
    }
    return json.dumps(
        {"type": event.kind, "timestamp": event.ts, "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )


_ENDPOINTS = (
    select(WebhookEndpoint)
    .join(Bureau, WebhookEndpoint.bureau_id == Bureau.id)
    .where(Bureau.code == bindparam("bureau"))
)
"""Built once: every write asks it."""


def enqueue(session: Session, bureau: str, events: Sequence[Event]) -> int:
    """Queue every event for the bureau's endpoints that subscribe to its type.

    Disabled endpoints are queued for too: disabling pauses delivery, it does not drop
    events, and enabling resumes with the oldest. One query finds the endpoints by the
    bureau's code (a write to a bureau with none pays nothing more).
    """
    endpoints = session.scalars(_ENDPOINTS, {"bureau": bureau}).all()
    if not endpoints:
        return 0
    bureau_id = endpoints[0].bureau_id
    queued = 0
    for event in events:
        targets = [e for e in endpoints if e.subscribes(event.kind)]
        if not targets:
            continue
        message = WebhookMessage(
            msg_id=message_id(event),
            bureau_id=bureau_id,
            event_type=event.kind,
            payload=payload(bureau, event),
            seq=event.seq,
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
