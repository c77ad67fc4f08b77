"""Managing endpoints (bureau admins): add, list, disable, enable, rotate the secret,
redeliver, read the attempts. Every call goes through the application layer's unit of
work (permission, transaction) like any other service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.domain.models import Bureau
from core.kernel.errors import FieldError, NotFound, invalid
from core.kernel.privacy import Vault
from core.kernel.text import check_text
from core.services.context import Context, Work
from webhooks import outbox, signing, targets
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
PERMISSION = "webhooks.manage"


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


def _events(events: object) -> list[str]:
    if isinstance(events, str):
        events = events.split(",")
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise invalid("events", "须为事件类型列表 (a list of event types)")
    found = [e.strip() for e in events if e.strip()] or ["*"]
    if any(len(e) > 64 or " " in e for e in found):
        raise invalid(
            "events",
            "事件类型应形如 value.recorded、appeal.* 或 * "
            "(event types are names like value.recorded, appeal.*, or *)",
        )
    return found


def _known(events: list[str], kinds: set[str]) -> list[str]:
    """Patterns that can match something: ``*``, a kind of the event catalogue, or
    ``prefix.*`` for some kind's prefix (a typo had subscribed to nothing, silently)."""
    for event in events:
        prefix = event[:-1] if event.endswith(".*") else None
        if event == "*" or event in kinds or (prefix and any(k.startswith(prefix) for k in kinds)):
            continue
        raise invalid(
            "events",
            f"没有这种事件 {event[:64]!r}：须为事件名（如 value.recorded）、前缀.* 或 * "
            f"(unknown event type; names like value.recorded, appeal.*, or *)",
        )
    return events


def add(
    ctx: Context, bureau: str, url: object, events: object = ("*",), description: object = ""
) -> dict[str, Any]:
    """A new endpoint and its first secret (in the answer, once)."""
    if not isinstance(url, str) or len(url) > 2000:
        raise invalid(
            "url",
            "须为不超过 2000 个字符的 http(s) 网址 (an http(s) URL of at most 2000 characters)",
        )
    targets.check_target(url)
    if isinstance(events, str):  # "value.recorded,appeal.filed" from a form or a flag
        events = [e.strip() for e in events.split(",") if e.strip()]
    if not isinstance(events, list | tuple):
        raise invalid(
            "events", "须为事件类型列表，* 表示全部 (a list of event types, or * for all)"
        )
    found = _known(_events(list(events)), set(ctx.platform.catalogue.kinds))
    text = check_text("description", description, 500, required=False)
    with ctx.writing(bureau, PERMISSION) as work:
        endpoint = WebhookEndpoint(
            bureau_id=work.bureau.id, url=url, event_types=",".join(found), description=text
        )
        work.session.add(endpoint)
        work.session.flush()
        outbox.forget_endpoints(work.session)
        secret = _store_secret(work.session, ctx.platform.vault, endpoint)
        return {**describe(work.session, endpoint), "secret": secret}


def get(session: Session, bureau: Bureau, endpoint_id: object) -> WebhookEndpoint:
    endpoint = None
    if isinstance(endpoint_id, int) and 0 < endpoint_id < 2**53:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.bureau_id != bureau.id:
        raise NotFound(
            f"局 {bureau.code} 没有推送地址 {endpoint_id} "
            f"(no webhook endpoint {endpoint_id} in bureau {bureau.code})",
            [FieldError("endpoint", "没有此推送地址 (unknown endpoint)")],
        )
    return endpoint


def listing(ctx: Context, bureau: str) -> list[dict[str, Any]]:
    with ctx.reading(bureau, PERMISSION) as work:
        rows = work.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.bureau_id == work.bureau.id)
            .order_by(WebhookEndpoint.id)
        )
        return [describe(work.session, e) for e in rows]


def describe(session: Session, e: WebhookEndpoint) -> dict[str, Any]:
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


def set_enabled(ctx: Context, bureau: str, endpoint_id: object, enabled: bool) -> dict[str, Any]:
    with ctx.writing(bureau, PERMISSION) as work:
        endpoint = get(work.session, work.bureau, endpoint_id)
        if enabled:
            endpoint.enabled, endpoint.disabled_reason, endpoint.failing_since = True, "", None
        else:
            disable(work, endpoint, "disabled by an administrator")
        work.session.flush()
        return describe(work.session, endpoint)


def rotate_secret(ctx: Context, bureau: str, endpoint_id: object) -> dict[str, str]:
    """Add a new secret; the old ones keep signing for ROTATION_OVERLAP, then expire."""
    with ctx.writing(bureau, PERMISSION) as work:
        endpoint = get(work.session, work.bureau, endpoint_id)
        now = utcnow()
        for old in endpoint.secrets:
            if old.expires_at is None:
                old.expires_at = now + ROTATION_OVERLAP
        return {"secret": _store_secret(work.session, ctx.platform.vault, endpoint)}


def redeliver(ctx: Context, bureau: str, endpoint_id: object, from_seq: object = None) -> dict:
    """Queue again the endpoint's failed deliveries (or all from ``from_seq`` on);
    says how many were queued and how many are still waiting their turn."""
    if from_seq is not None and (
        isinstance(from_seq, bool) or not isinstance(from_seq, int) or not 0 <= from_seq < 2**53
    ):
        raise invalid("from_seq", "须为台账序号 (a ledger seq)")
    with ctx.writing(bureau, PERMISSION) as work:
        endpoint = get(work.session, work.bureau, endpoint_id)
        stmt = (
            select(WebhookDelivery)
            .join(WebhookMessage)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
        )
        if from_seq is None:
            stmt = stmt.where(WebhookDelivery.state == "failed")
        else:
            stmt = stmt.where(WebhookMessage.seq >= from_seq, WebhookDelivery.state != "delivering")
        rows = work.session.scalars(stmt).all()
        now = utcnow()
        for d in rows:
            d.state, d.attempts, d.next_attempt_at, d.lease_until = "pending", 0, now, None
        work.session.flush()
        waiting = work.session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(
                WebhookDelivery.endpoint_id == endpoint.id,
                WebhookDelivery.state.in_(("pending", "delivering")),
            )
        )
        return {"queued": len(rows), "pending": waiting, "enabled": endpoint.enabled}


def attempts(ctx: Context, bureau: str, endpoint_id: object, limit: int = 100) -> list[dict]:
    with ctx.reading(bureau, PERMISSION) as work:
        endpoint = get(work.session, work.bureau, endpoint_id)
        rows = work.session.execute(
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


__all__ = ["Work"]
