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
import itertools
import os
import random
import time
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core.kernel.db import Database
from core.kernel.privacy import Vault
from core.ledger.store import lock_log
from core.services.context import Context, Work
from core.services.platform import Platform
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


def claim(
    db: Database, vault: Vault, policy: Policy, limit: int, run_length: int = 10
) -> list[list[Claimed]]:
    """Lease runs of deliveries for up to ``limit`` endpoints.

    A run starts at the endpoint's oldest open delivery (if it is due) and continues with
    the consecutive deliveries after it that are pending and due, up to ``run_length``:
    sent in order, they amortise a round's two commits over many deliveries.
    """
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
        return [_lease_run(s, vault, policy, head, run_length, now) for head in rows]


def _lease_run(
    s: Session,
    vault: Vault,
    policy: Policy,
    head: WebhookDelivery,
    run_length: int,
    now: dt.datetime,
) -> list[Claimed]:
    following = s.scalars(
        select(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == head.endpoint_id,
            WebhookDelivery.id > head.id,
            WebhookDelivery.state.in_(("pending", "delivering")),
        )
        .order_by(WebhookDelivery.id)
        .limit(run_length - 1)
    ).all()
    run = [
        head,
        *itertools.takewhile(
            lambda d: d.state == "pending" and _aware(d.next_attempt_at) <= now, following
        ),
    ]
    secrets = live_secrets(vault, head.endpoint, now)
    lease_until = now + dt.timedelta(seconds=policy.lease + policy.timeout * len(run))
    claimed = []
    for d in run:
        d.state, d.attempts, d.lease_until = "delivering", d.attempts + 1, lease_until
        claimed.append(
            Claimed(
                d.id, d.attempts, d.message.msg_id, d.message.payload, head.endpoint.url, secrets
            )
        )
    return claimed


def send(item: Claimed, policy: Policy) -> http.Outcome:
    timestamp = int(time.time())  # signed per attempt: receivers reject stale timestamps
    headers = signing.headers(item.msg_id, timestamp, item.payload, list(item.secrets))
    return http.post(item.url, item.payload.encode("utf-8"), headers, policy.timeout)


def send_run(run: list[Claimed], policy: Policy) -> list[http.Outcome]:
    """Send a run in order, stopping at the first failure (later ones must wait for it)."""
    outcomes = []
    for item in run:
        outcomes.append(send(item, policy))
        if not outcomes[-1].ok:
            break
    return outcomes


def record(
    platform: Platform,
    results: list[tuple[list[Claimed], list[http.Outcome]]],
    policy: Policy,
    worker: str,
) -> list[str]:
    """Log a round's attempts and move each delivery on, in one transaction (one commit
    per round, not per delivery); runs cut short by a failure give back the rest unsent.
    Returns the new states of the attempted deliveries."""
    states = []
    ctx = Context.system(platform, "system:webhooks")
    with platform.db.transaction() as s:
        for run, outcomes in results:
            for item, outcome in zip(run, outcomes, strict=False):
                states.append(_settle(ctx, s, item, outcome, policy, worker))
            for item in run[len(outcomes) :]:
                _release(s, item)
    return states


def _release(s: Session, item: Claimed) -> None:
    """Hand back a leased delivery that was never sent, as if it had not been claimed."""
    d = s.get(WebhookDelivery, item.delivery_id, with_for_update=True)
    if d.state == "delivering" and d.attempts == item.attempt:
        d.state, d.attempts, d.lease_until = "pending", d.attempts - 1, None


def _settle(
    ctx: Context, s: Session, item: Claimed, outcome: http.Outcome, policy: Policy, worker: str
) -> str:
    d = s.get(WebhookDelivery, item.delivery_id, with_for_update=True)
    s.add(
        WebhookAttempt(
            delivery_id=d.id,
            number=item.attempt,
            started_at=outcome.started_at,  # when the request began, not when recorded
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
        disable(_work(ctx, s, endpoint), endpoint, "the receiver answered 410 Gone")
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
        reason = f"failing since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC"
        disable(_work(ctx, s, endpoint), endpoint, reason)
    return d.state


def _work(ctx: Context, session: Session, endpoint: WebhookEndpoint) -> Work:
    """A unit of work on the endpoint's bureau inside the worker's transaction, so the
    announcement goes through the one append path (checked, projected, heard)."""
    lock_log(session, endpoint.bureau.log_id)
    return Work(ctx, session, endpoint.bureau)


def disable(work: Work, endpoint: WebhookEndpoint, reason: str) -> None:
    """Disable an endpoint and announce it as a ``webhook.endpoint.disabled`` event."""
    if not endpoint.enabled:
        return
    endpoint.enabled, endpoint.disabled_reason = False, reason
    work.session.flush()
    work.log.record(
        "webhook.endpoint.disabled",
        {"endpoint": endpoint.id, "url": endpoint.url, "reason": reason},
    )
