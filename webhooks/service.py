"""Managing endpoints (bureau admins): add, list, disable, enable, rotate the secret,
redeliver, read the attempts. Every call goes through the application layer's unit of
work (permission, transaction) like any other service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.domain.models import Bureau
from core.kernel.errors import FieldError, InvalidInput, NotFound, invalid
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


NO_EVENTS = '至少订阅一种事件 (subscribe to at least one event kind; use "*" for all)'
EVENT_MAX = 64


def _pattern_problem(pattern: object, kinds: set[str]) -> str | None:
    """Why one subscription pattern cannot stand, or None. Blank is refused, not read as
    ``*``: a blank pattern had silently subscribed the receiver to every event of the
    bureau. A pattern that can match nothing is refused too (a typo had subscribed to
    nothing, silently): ``*``, a kind of the event catalogue, or ``prefix.*`` for some
    kind's prefix."""
    if not isinstance(pattern, str):
        return "须为事件类型 (must be an event type)"
    event = pattern.strip()
    if not event:
        return '事件类型不能为空，* 表示全部 (an event type cannot be blank; use "*" for all)'
    if len(event) > EVENT_MAX or any(c.isspace() for c in event):
        return (
            "事件类型应形如 value.recorded、appeal.* 或 * "
            "(event types are names like value.recorded, appeal.*, or *)"
        )
    prefix = event[:-1] if event.endswith(".*") else None
    if event == "*" or event in kinds or (prefix and any(k.startswith(prefix) for k in kinds)):
        return None
    return (
        f"没有这种事件 {event!r}：须为事件名（如 value.recorded）、前缀.* 或 * "
        f"(unknown event type; names like value.recorded, appeal.*, or *)"
    )


def patterns(events: object, kinds: set[str]) -> list[str]:
    """The event patterns an endpoint subscribes to: trimmed, each stored once, in the
    order given. Every channel that writes an endpoint's events comes through here, so
    the API, the CLI and the console refuse alike, each bad pattern at its index
    (``events[1]``) and nothing written. An empty list is refused rather than read as
    ``*``: only leaving ``events`` out altogether means all, and that default belongs to
    the channel (the API's and the CLI's documented ``*``), never to an explicit ``[]``.
    A string is the comma-separated form of a form field or a flag."""
    if isinstance(events, str):
        events = events.split(",") if events.strip() else []
    if not isinstance(events, list | tuple):
        raise invalid(
            "events", "须为事件类型列表，* 表示全部 (a list of event types, or * for all)"
        )
    if not events:
        raise invalid("events", NO_EVENTS)
    errors = [
        FieldError(f"events[{i}]", reason)
        for i, event in enumerate(events)
        if (reason := _pattern_problem(event, kinds))
    ]
    if errors:
        raise InvalidInput(f"{errors[0].field}: {errors[0].reason}", errors)
    return list(dict.fromkeys(e.strip() for e in events))


def add(
    ctx: Context, bureau: str, url: object, events: object = ("*",), description: object = ""
) -> dict[str, Any]:
    """A new endpoint and its first secret (in the answer, once).

    The caller's right is checked before the URL: checking a URL resolves its host, and
    the answer ("resolves to 10.0.0.5, a private address") must not be an oracle for
    anyone who is not the bureau's admin. The lookup itself runs outside the bureau's
    lock (a slow resolver must not hold up its writes); the write re-checks the right."""
    with ctx.reading(bureau, PERMISSION):
        pass
    if not isinstance(url, str) or len(url) > 2000:
        raise invalid(
            "url",
            "须为不超过 2000 个字符的 http(s) 网址 (an http(s) URL of at most 2000 characters)",
        )
    targets.check_target(url)
    found = patterns(events, set(ctx.platform.catalogue.kinds))
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
