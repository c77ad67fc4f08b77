"""The webhook outbox as an internal plugin: it hears every bureau's appended events
through the same public hook as any plugin, inside the append's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from core.plugin_api import Event, PluginContext, hookimpl

NAME = "webhooks"


@hookimpl
def jixiao_events_appended(context: PluginContext, events: Sequence[Event]) -> None:
    """Queue the events for the bureau's endpoints (``context.bureau``: for platform
    events such as ``ledger.verification_failed``, the bureau they concern)."""
    if context.session is None or context.bureau is None:
        return
    # here, not above: every command's platform registers this listener, few append
    from webhooks import outbox

    outbox.enqueue(context.session, context.bureau, events)
