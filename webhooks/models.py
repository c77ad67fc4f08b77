"""Webhook tables: endpoints and their secrets, the outbox, deliveries and attempts.

``webhook_messages`` and ``webhook_deliveries`` are the outbox: written in the same
transaction as the ledger append they announce, so an event is never lost between the
ledger and the network. A delivery is one (message, endpoint) pair; ``attempts`` keeps
every try.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.domain.models import Bureau
from core.kernel.db import Base


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[str] = mapped_column(Text, default="*")  # comma-separated, * = all
    description: Mapped[str] = mapped_column(String(500), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str] = mapped_column(String(500), default="")
    failing_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    bureau: Mapped[Bureau] = relationship()
    secrets: Mapped[list[WebhookSecret]] = relationship(order_by="WebhookSecret.id")

    def subscribes(self, event_type: str) -> bool:
        wanted = [e.strip() for e in self.event_types.split(",") if e.strip()]
        return any(
            w == "*" or w == event_type or (w.endswith(".*") and event_type.startswith(w[:-1]))
            for w in wanted
        )


class WebhookSecret(Base):
    """A signing secret (encrypted at rest); several are live during a rotation."""

    __tablename__ = "webhook_secrets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    cipher: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookMessage(Base):
    """One event: its stable id (``webhook-id``), type and payload, and its ledger entry."""

    __tablename__ = "webhook_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    msg_id: Mapped[str] = mapped_column(String(64), unique=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookDelivery(Base):
    """A message on its way to one endpoint.

    ``state``: ``pending`` (due at ``next_attempt_at``), ``delivering`` (leased by a
    worker until ``lease_until``), ``delivered`` or ``failed`` (given up).
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_queue", "endpoint_id", "state", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("webhook_messages.id"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    message: Mapped[WebhookMessage] = relationship()
    endpoint: Mapped[WebhookEndpoint] = relationship()


class WebhookAttempt(Base):
    """Every try, kept for the endpoint's owner and for support."""

    __tablename__ = "webhook_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    duration_ms: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_excerpt: Mapped[str] = mapped_column(String(1000), default="")
    error: Mapped[str] = mapped_column(String(500), default="")
    worker: Mapped[str] = mapped_column(String(100), default="")
