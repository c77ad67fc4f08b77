"""Managing endpoints: add, list, disable, enable, rotate the secret, redeliver."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.domain.models import Bureau
from core.kernel.errors import FieldError, NotFound, invalid
from core.kernel.privacy import Vault
from webhooks import signing, targets
from webhooks.delivery import SECRET_PURPOSE, disable
from webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
    WebhookSecret,
    utcnow,
)

ROTATION_OVERLAP = dt.timedelta(hours=24)  # the old secret keeps signing this long


def _store_secret(session: Session, vault: Vault, endpoint: WebhookEndpoint) -> str:
    secret = signing.new_secret()
    session.add(
        WebhookSecret(
            endpoint_id=endpoint.id, cipher=vault.seal({"secret": secret}, SECRET_PURPOSE)
        )
    )
    session.flush()
    session.refresh(endpoint)
    return secret


def add(
    session: Session,
    vault: Vault,
    bureau: Bureau,
    url: str,
    events: list[str],
    description: str = "",
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its first secret (returned once, in clear)."""
    targets.check_target(url)
    events = [e.strip() for e in events if e.strip()] or ["*"]
    if any(len(e) > 64 or " " in e for e in events):
        raise invalid("events", "event types are names like value.recorded, appeal.*, or *")
    endpoint = WebhookEndpoint(
        bureau_id=bureau.id, url=url, event_types=",".join(events), description=description
    )
    session.add(endpoint)
    session.flush()
    return endpoint, _store_secret(session, vault, endpoint)


def get(session: Session, bureau: Bureau, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.bureau_id != bureau.id:
        raise NotFound(
            f"no webhook endpoint {endpoint_id} in bureau {bureau.code}",
            [FieldError("endpoint", "unknown endpoint")],
        )
    return endpoint


def listing(session: Session, bureau: Bureau) -> list[dict]:
    rows = session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.bureau_id == bureau.id)
        .order_by(WebhookEndpoint.id)
    )
    return [describe(session, e) for e in rows]


def describe(session: Session, e: WebhookEndpoint) -> dict:
    counts = dict(
        session.execute(
            select(WebhookDelivery.state, func.count())
            .where(WebhookDelivery.endpoint_id == e.id)
            .group_by(WebhookDelivery.state)
        ).all()
    )
    return {
        "id": e.id,
        "url": e.url,
        "events": e.event_types.split(","),
        "enabled": e.enabled,
        "disabled_reason": e.disabled_reason,
        "description": e.description,
        "deliveries": counts,
    }


def set_enabled(session: Session, endpoint: WebhookEndpoint, enabled: bool) -> None:
    if enabled:
        endpoint.enabled, endpoint.disabled_reason, endpoint.failing_since = True, "", None
    else:
        disable(session, endpoint, "disabled by an administrator")


def rotate_secret(session: Session, vault: Vault, endpoint: WebhookEndpoint) -> str:
    """Add a new secret; the old ones keep signing for ROTATION_OVERLAP, then expire."""
    now = utcnow()
    for old in endpoint.secrets:
        if old.expires_at is None:
            old.expires_at = now + ROTATION_OVERLAP
    return _store_secret(session, vault, endpoint)


def redeliver(session: Session, endpoint: WebhookEndpoint, from_seq: int | None) -> int:
    """Queue again the endpoint's failed deliveries (or all from ``from_seq`` on)."""
    stmt = (
        select(WebhookDelivery)
        .join(WebhookMessage)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
    )
    if from_seq is None:
        stmt = stmt.where(WebhookDelivery.state == "failed")
    else:
        stmt = stmt.where(WebhookMessage.seq >= from_seq)
    rows = session.scalars(stmt).all()
    now = utcnow()
    for d in rows:
        d.state, d.attempts, d.next_attempt_at, d.lease_until = "pending", 0, now, None
    return len(rows)


def attempts(session: Session, endpoint: WebhookEndpoint, limit: int = 100) -> list[dict]:
    rows = session.execute(
        select(WebhookAttempt, WebhookMessage.msg_id, WebhookMessage.event_type)
        .join(WebhookDelivery, WebhookAttempt.delivery_id == WebhookDelivery.id)
        .join(WebhookMessage, WebhookDelivery.message_id == WebhookMessage.id)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookAttempt.id.desc())
        .limit(limit)
    )
    return [
        {
            "msg_id": msg_id,
            "type": kind,
            "attempt": a.number,
            "status": a.status_code,
            "duration_ms": a.duration_ms,
            "error": a.error,
            "response": a.response_excerpt,
            "at": a.started_at.isoformat(),
            "worker": a.worker,
        }
        for a, msg_id, kind in rows
    ]
