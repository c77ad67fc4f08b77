"""``jixiao init``, ``jixiao serve`` and ``jixiao db upgrade``."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from core.cli.common import platform, readable_errors, transaction
from core.domain.models import Bureau
from core.kernel import migrate
from core.ledger.checkpoints import checkpoint_all
from core.ledger.store import platform_log
from webhooks.worker import start_thread as start_webhook_thread

DEMO_TOKEN_FILE = "demo-token.txt"


@click.command("init")
@with_appcontext
@click.option("--demo", is_flag=True, help="also create the demo bureau, units, users, data")
@readable_errors
def init_command(demo: bool) -> None:
    """Create or upgrade the database, the signing key and the platform log (idempotent)."""
    p = platform()
    migrate.upgrade(p.db.url)
    signer = p.keys.ensure(str(p.config["KEY_NAME"]))
    p.vault  # noqa: B018 - creates the personal-data key if missing
    with transaction() as session:
        platform_log(session)
    click.echo(f"database ready: {p.db.engine.url.render_as_string(hide_password=True)}")
    click.echo(f"ledger verifier key: {signer.verifier}")
    if demo:
        from core.services.demo import DEMO_BUREAU, create_demo

        with transaction() as session:
            exists = session.scalar(select(Bureau.id).where(Bureau.code == DEMO_BUREAU))
            token = None if exists else create_demo(session, p)
            if token:
                checkpoint_all(session, p.signers())
        if token:
            path = Path(current_app.instance_path) / DEMO_TOKEN_FILE
            path.write_text(token + "\n", encoding="utf-8")
            path.chmod(0o600)
            click.echo(f"demo bureau {DEMO_BUREAU} created; admin token saved in {path}")
        else:
            click.echo(f"demo bureau {DEMO_BUREAU} already exists")


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@readable_errors
def db_upgrade() -> None:
    """Apply pending migrations."""
    migrate.upgrade(platform().db.url)
    click.echo("database is at the latest revision")


def start_checkpointer(app, interval: float = 1.0) -> threading.Event:
    """Sign checkpoints of logs that grew, at most once per ``interval`` seconds."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            with app.app_context():
                try:
                    with transaction() as session:
                        checkpoint_all(session, platform().signers())
                except Exception:  # keep serving; the next round retries
                    app.logger.exception("checkpointer failed")

    threading.Thread(target=loop, name="jixiao-checkpointer", daemon=True).start()
    return stop


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host: str, port: int) -> None:
    """Serve the web app and API (threaded; use gunicorn for production on PostgreSQL)."""
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()
    token_file = Path(app.instance_path) / DEMO_TOKEN_FILE
    click.echo(f"jixiao 绩效 serving on http://{host}:{port}/")
    click.echo(f"  API docs 接口文档:  http://{host}:{port}/api/docs")
    click.echo(f"  OpenAPI:          http://{host}:{port}/api/openapi.json")
    if token_file.exists():
        click.echo(f"  demo admin token: {token_file.read_text().strip()}")
        click.echo(f"  try: curl -H 'Authorization: Bearer <token>' http://{host}:{port}/api/v1/me")
    start_checkpointer(app)
    if os.environ.get("JIXIAO_WEBHOOKS_INPROCESS", "1") != "0":
        start_webhook_thread(platform())
        click.echo("  webhooks: delivered by an in-process thread")
    run_simple(host, port, app, threaded=True, use_reloader=False)
