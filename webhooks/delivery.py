"""Claiming deliveries, sending them, and deciding what happens next.

**Ordering guarantee.** Per endpoint, events are delivered in the order of the bureau's
log: a worker only ever claims an endpoint's *oldest* undelivered delivery, so at most one
is in flight per endpoint and a failing event holds back the later ones until it is
delivered or given up (after the last retry, about three days). Across endpoints there is
no ordering and deliveries run in parallel.

**At least once.** A claim is a lease (``state = delivering`` until ``lease_until``),
committed before the HTTP request. A worker killed mid-delivery leaves a lease that
expires, and the delivery is claimed again; the ``webhook-id`` is the same, so receivers
can drop duplicates. On PostgreSQL, claims take rows ``FOR UPDATE SKIP LOCKED``, so two
workers never claim the same delivery for the same attempt.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core.db import Database
from core.ledger.store import Record, append
from core.privacy import Vault
from webhooks import http, signing
from webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)

# Delay before attempt n+1 after attempt n fails, in seconds: immediately, then 5 s,
# 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h — about 3.2 days in all (Svix-like).
DEFAULT_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
SECRET_PURPOSE = b"jixiao-webhook-secret"


@dataclass(frozen=True)
class Policy:
    schedule: tuple[float, ...] = DEFAULT_SCHEDULE
    jitter: float = 0.2  # ± fraction of each delay
    timeout: float = 15.0
    disable_after: float = 5 * 86400  # an endpoint failing this long is disabled
    lease: float = 45.0  # a claim not recorded by then is taken over by another worker

    @classmethod
    def from_env(cls) -> Policy:
        env = os.environ
        schedule = env.get("JIXIAO_WEBHOOK_RETRY_SCHEDULE")
        return cls(
            schedule=tuple(float(x) for x in schedule.split(",")) if schedule else DEFAULT_SCHEDULE,
            jitter=float(env.get("JIXIAO_WEBHOOK_JITTER", cls.jitter)),
            timeout=float(env.get("JIXIAO_WEBHOOK_TIMEOUT", cls.timeout)),
            disable_after=float(env.get("JIXIAO_WEBHOOK_DISABLE_AFTER", cls.disable_after)),
            lease=float(env.get("JIXIAO_WEBHOOK_LEASE", cls.lease)),
        )

    def delay(self, failed_attempts: int) -> float | None:
        """Seconds until the next attempt, or None when the schedule is used up."""
        if failed_attempts > len(self.schedule):
            return None
        base = self.schedule[failed_attempts - 1]
        return base * (1 + random.uniform(-self.jitter, self.jitter))


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    attempt: int
    msg_id: str
    payload: str
    url: str
    secrets: tuple[str, ...]


def live_secrets(vault: Vault, endpoint: WebhookEndpoint, now: dt.datetime) -> tuple[str, ...]:
    return tuple(
        vault.open(s.cipher, SECRET_PURPOSE)["secret"]
        for s in endpoint.secrets
        if s.expires_at is None or _aware(s.expires_at) > now
    )


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything here is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def claim(db: Database, vault: Vault, policy: Policy, limit: int) -> list[Claimed]:
    """Lease up to ``limit`` due deliveries, each the oldest open one of its endpoint."""
    with db.transaction() as s:
        now = utcnow()
        heads = (
            select(func.min(WebhookDelivery.id))
            .where(WebhookDelivery.state.in_(("pending", "delivering")))
            .group_by(WebhookDelivery.endpoint_id)
        )
        due = or_(
            and_(WebhookDelivery.state == "pending", WebhookDelivery.next_attempt_at <= now),
            and_(WebhookDelivery.state == "delivering", WebhookDelivery.lease_until < now),
        )
        rows = s.scalars(
            select(WebhookDelivery)
            .join(WebhookEndpoint)
            .where(WebhookDelivery.id.in_(heads), due, WebhookEndpoint.enabled.is_(True))
            .order_by(WebhookDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        ).all()
        claimed = []
        for d in rows:
            d.state, d.attempts = "delivering", d.attempts + 1
            # The batch is sent one by one: the last one must still be leased when sent.
            d.lease_until = now + dt.timedelta(seconds=policy.lease + policy.timeout * len(rows))
            claimed.append(
                Claimed(
                    d.id,
                    d.attempts,
                    d.message.msg_id,
                    d.message.payload,
                    d.endpoint.url,
                    live_secrets(vault, d.endpoint, now),
                )
            )
        return claimed


def send(item: Claimed, policy: Policy) -> http.Outcome:
    timestamp = int(time.time())  # signed per attempt: receivers reject stale timestamps
    headers = signing.headers(item.msg_id, timestamp, item.payload, list(item.secrets))
    return http.post(item.url, item.payload.encode("utf-8"), headers, policy.timeout)


def record(db: Database, item: Claimed, outcome: http.Outcome, policy: Policy, worker: str) -> str:
    """Log the attempt and move the delivery on; returns its new state."""
    with db.transaction() as s:
        d = s.get(WebhookDelivery, item.delivery_id, with_for_update=True)
        s.add(
            WebhookAttempt(
                delivery_id=d.id,
                number=item.attempt,
                duration_ms=outcome.duration_ms,
                status_code=outcome.status,
                response_excerpt=outcome.excerpt,
                error=outcome.error,
                worker=worker,
            )
        )
        if d.state != "delivering" or d.attempts != item.attempt:
            return d.state  # another worker took over after our lease ran out
        now, endpoint = utcnow(), d.endpoint
        if outcome.ok:
            d.state, d.lease_until, endpoint.failing_since = "delivered", None, None
            return d.state
        if outcome.status == 410:
            d.state = "failed"
            disable(s, endpoint, "the receiver answered 410 Gone")
            return d.state
        endpoint.failing_since = endpoint.failing_since or now
        delay = policy.delay(d.attempts)
        if outcome.retry_after is not None and outcome.status in (429, 503):
            delay = max(delay or 0.0, outcome.retry_after)
        if delay is None:
            d.state = "failed"
        else:
            d.state, d.next_attempt_at = "pending", now + dt.timedelta(seconds=delay)
        if (now - _aware(endpoint.failing_since)).total_seconds() > policy.disable_after:
            disable(s, endpoint, f"failing since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC")
        return d.state


def disable(session: Session, endpoint: WebhookEndpoint, reason: str) -> None:
    """Disable an endpoint and announce it as a ``webhook.endpoint.disabled`` event."""
    if not endpoint.enabled:
        return
    endpoint.enabled, endpoint.disabled_reason = False, reason
    session.flush()
    append(
        session,
        endpoint.bureau.log_id,
        Record(
            "webhook.endpoint.disabled",
            {"endpoint": endpoint.id, "url": endpoint.url, "reason": reason},
            "system:webhooks",
        ),
    )
