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
from core.kernel.queries import fetch
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
_ANY_ENDPOINT = (
    select(WebhookEndpoint.__table__.c.id)
    .join(Bureau.__table__, WebhookEndpoint.__table__.c.bureau_id == Bureau.__table__.c.id)
    .where(Bureau.__table__.c.code == bindparam("bureau"))
    .limit(1)
)
"""Built once: every write asks them."""


_MEMO = "jixiao.webhook_endpoints"


def _endpoints(session: Session, bureau: str) -> list[WebhookEndpoint]:
    """The bureau's endpoints, read once per unit of work (a write that appends twice,
    a value and the warning it raised, is told about twice)."""
    memo = session.info.setdefault(_MEMO, {})
    found = memo.get(bureau)
    if found is None:
        # most bureaus have none: a plain row costs less than mapped objects
        none = not fetch(session, _ANY_ENDPOINT, {"bureau": bureau})
        found = memo[bureau] = [] if none else list(session.scalars(_ENDPOINTS, {"bureau": bureau}))
    return found


def forget_endpoints(session: Session) -> None:
    """After adding an endpoint in this unit of work."""
    session.info.pop(_MEMO, None)


def enqueue(session: Session, bureau: str, events: Sequence[Event]) -> int:
    """Queue every event for the bureau's endpoints that subscribe to its type.

    Disabled endpoints are queued for too: disabling pauses delivery, it does not drop
    events, and enabling resumes with the oldest. One query finds the endpoints by the
    bureau's code (a write to a bureau with none pays nothing more).
    """
    endpoints = _endpoints(session, bureau)
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
