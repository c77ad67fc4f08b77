"""``jixiao webhooks add|list|enable|disable|rotate-secret|redeliver|attempts|worker``."""

from __future__ import annotations

import signal
import threading

import click
from flask.cli import AppGroup

from core.cli.common import (
    bureau_option,
    emit,
    json_option,
    platform,
    readable_errors,
    transaction,
)
from core.domain import organisation
from webhooks import service
from webhooks.worker import Worker


@click.group("webhooks", cls=AppGroup)
def webhooks() -> None:
    """Webhook subscriptions and delivery workers (事件推送)."""


@webhooks.command("add")
@click.argument("url")
@bureau_option
@click.option(
    "--events",
    default="*",
    show_default=True,
    help="comma-separated event types (value.recorded, appeal.*, …)",
)
@click.option("--description", default="")
@readable_errors
def add(url: str, bureau_code: str, events: str, description: str) -> None:
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        endpoint, secret = service.add(s, platform().vault, b, url, events.split(","), description)
        endpoint_id = endpoint.id
    click.echo(f"endpoint {endpoint_id} added; signing secret (shown once): {secret}")


@webhooks.command("list")
@bureau_option
@json_option
@readable_errors
def list_(bureau_code: str, as_json: bool) -> None:
    with transaction() as s:
        rows = service.listing(s, organisation.get_bureau(s, bureau_code))
    if not as_json:
        rows = [
            {
                **r,
                "events": ",".join(r["events"]),
                "deliveries": " ".join(f"{k}={v}" for k, v in sorted(r["deliveries"].items())),
            }
            for r in rows
        ]
    emit(rows, as_json, ["id", "url", "events", "enabled", "deliveries", "disabled_reason"])


def _endpoint_command(name: str, help_text: str):
    """A command ``NAME ENDPOINT_ID --bureau B`` running ``fn(session, endpoint)``."""

    def wrap(fn):
        @webhooks.command(name, help=help_text)
        @click.argument("endpoint_id", type=int)
        @bureau_option
        @readable_errors
        def command(endpoint_id: int, bureau_code: str, **kwargs) -> None:
            with transaction() as s:
                endpoint = service.get(s, organisation.get_bureau(s, bureau_code), endpoint_id)
                message = fn(s, endpoint, **kwargs)
            click.echo(message)

        return command

    return wrap


@_endpoint_command("disable", "Stop deliveries to an endpoint (they queue up).")
def disable(s, endpoint) -> str:
    service.set_enabled(s, endpoint, False)
    return f"endpoint {endpoint.id} disabled"


@_endpoint_command("enable", "Resume deliveries, oldest first.")
def enable(s, endpoint) -> str:
    service.set_enabled(s, endpoint, True)
    return f"endpoint {endpoint.id} enabled"


@_endpoint_command("rotate-secret", "New secret; the old one keeps signing for 24 hours.")
def rotate(s, endpoint) -> str:
    return (
        f"new signing secret (shown once): {service.rotate_secret(s, platform().vault, endpoint)}"
    )


@click.option("--from-seq", type=int, default=None, help="all deliveries from this seq on")
@_endpoint_command("redeliver", "Queue failed deliveries (or all from --from-seq) again.")
def redeliver(s, endpoint, from_seq: int | None = None) -> str:
    return f"{service.redeliver(s, endpoint, from_seq)} deliveries queued"


@webhooks.command("attempts")
@click.argument("endpoint_id", type=int)
@bureau_option
@json_option
@readable_errors
def attempts(endpoint_id: int, bureau_code: str, as_json: bool) -> None:
    """The latest delivery attempts of an endpoint."""
    with transaction() as s:
        rows = service.attempts(
            s, service.get(s, organisation.get_bureau(s, bureau_code), endpoint_id)
        )
    emit(rows, as_json, ["at", "msg_id", "type", "attempt", "status", "duration_ms", "error"])


@webhooks.command("worker")
@click.option("--once", is_flag=True, help="one batch, then exit")
@click.option("--batch", default=20, show_default=True, help="deliveries claimed per round")
@readable_errors
def worker(once: bool, batch: int) -> None:
    """Deliver webhooks until stopped (run several on PostgreSQL for throughput)."""
    w = Worker(platform(), batch=batch)
    if once:
        click.echo(f"{w.run_once()} deliveries attempted")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo(f"webhook worker {w.name} running; Ctrl-C to stop")
    try:
        w.run(stop)
    except KeyboardInterrupt:
        stop.set()
