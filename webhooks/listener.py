"""The webhook outbox as an internal plugin: it hears every bureau's appended events
through the same public hook as any plugin, inside the append's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from core.domain.models import Bureau
from core.plugin_api import Event, PluginContext, hookimpl
from webhooks import outbox

NAME = "webhooks"


@hookimpl
def jixiao_events_appended(context: PluginContext, events: Sequence[Event]) -> None:
    """Queue the events for the bureau's endpoints (``context.bureau``: for platform
    events such as ``ledger.verification_failed``, the bureau they concern)."""
    if context.session is None or context.bureau is None:
        return
    bureau_id = context.session.scalar(select(Bureau.id).where(Bureau.code == context.bureau))
    if bureau_id is not None:
        outbox.enqueue(context.session, bureau_id, context.bureau, events)
