"""``jixiao webhooks add|list|enable|disable|rotate-secret|redeliver|attempts|worker``.

Delivery happens in the process that runs the worker (``jixiao serve``'s thread, or
``jixiao webhooks worker``): targets on private networks must be allowed in *that*
process's ``JIXIAO_WEBHOOK_ALLOW`` (see docs/webhooks.md).
"""

from __future__ import annotations

import signal
import threading

import click

from core.cli.common import (
    bureau_option,
    context,
    emit,
    json_option,
    platform,
    print_json,
    readable_errors,
)


@click.group("webhooks")
def webhooks() -> None:
    """Webhook subscriptions and delivery workers (事件推送)."""


@webhooks.command("add")
@click.argument("url")
@bureau_option
@click.option(
    "--events",
    default="*",
    show_default=True,
    help='comma-separated event types (value.recorded, appeal.*, …; "*" for all)',
)
@click.option("--description", default="")
@readable_errors
def add(url: str, bureau_code: str, events: str, description: str) -> None:
    """Subscribe URL to the bureau's events (blank or empty --events is refused)."""
    from webhooks import service

    done = service.add(context(), bureau_code, url, events, description)
    click.echo(f"endpoint {done['id']} added; signing secret (shown once): {done['secret']}")


@webhooks.command("list")
@bureau_option
@json_option
@readable_errors
def list_(bureau_code: str, as_json: bool) -> None:
    from webhooks import service

    rows = service.listing(context(), bureau_code)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        r["deliveries"] = " ".join(f"{k}={v}" for k, v in sorted(r["deliveries"].items()))
    emit(rows, False, ["id", "url", "events", "enabled", "deliveries", "disabled_reason"])


@webhooks.command("disable")
@click.argument("endpoint_id", type=int)
@bureau_option
@readable_errors
def disable(endpoint_id: int, bureau_code: str) -> None:
    """Stop deliveries to an endpoint (they queue up)."""
    from webhooks import service

    service.set_enabled(context(), bureau_code, endpoint_id, False)
    click.echo(f"endpoint {endpoint_id} disabled")


@webhooks.command("enable")
@click.argument("endpoint_id", type=int)
@bureau_option
@readable_errors
def enable(endpoint_id: int, bureau_code: str) -> None:
    """Resume deliveries, oldest first."""
    from webhooks import service

    service.set_enabled(context(), bureau_code, endpoint_id, True)
    click.echo(f"endpoint {endpoint_id} enabled")


@webhooks.command("rotate-secret")
@click.argument("endpoint_id", type=int)
@bureau_option
@readable_errors
def rotate(endpoint_id: int, bureau_code: str) -> None:
    """New secret; the old one keeps signing for 24 hours."""
    from webhooks import service

    secret = service.rotate_secret(context(), bureau_code, endpoint_id)["secret"]
    click.echo(f"new signing secret (shown once): {secret}")


@webhooks.command("redeliver")
@click.argument("endpoint_id", type=int)
@bureau_option
@click.option("--from-seq", type=int, default=None, help="all deliveries from this seq on")
@readable_errors
def redeliver(endpoint_id: int, bureau_code: str, from_seq: int | None) -> None:
    """Queue failed deliveries (or all from --from-seq) again."""
    from webhooks import service

    done = service.redeliver(context(), bureau_code, endpoint_id, from_seq)
    state = "" if done["enabled"] else " (the endpoint is disabled: enable it to deliver)"
    click.echo(
        f"{done['queued']} deliveries queued again; "
        f"{done['pending']} waiting to be delivered{state}"
    )


@webhooks.command("attempts")
@click.argument("endpoint_id", type=int)
@bureau_option
@json_option
@readable_errors
def attempts(endpoint_id: int, bureau_code: str, as_json: bool) -> None:
    """The latest delivery attempts of an endpoint."""
    from webhooks import service

    rows = service.attempts(context(), bureau_code, endpoint_id)
    emit(rows, as_json, ["at", "msg_id", "type", "attempt", "status", "duration_ms", "error"])


@webhooks.command("worker")
@click.option("--once", is_flag=True, help="one batch, then exit")
@click.option(
    "--batch",
    default=20,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="deliveries claimed per round",
)
@readable_errors
def worker(once: bool, batch: int) -> None:
    """Deliver webhooks until stopped (run several on PostgreSQL for throughput)."""
    from webhooks.worker import Worker

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
