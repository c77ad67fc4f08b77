"""``jixiao init``, ``jixiao serve`` and ``jixiao db upgrade``."""

from __future__ import annotations

import errno
import os
import socket
import threading
from pathlib import Path

import click

from core.cli.common import instance_path, platform, readable_errors

ADMIN_TOKEN_FILE = "demo-token.txt"
PASSWORDS_FILE = "demo-passwords.txt"


@click.command("init")
@click.option("--demo", is_flag=True, help="also create the demo bureau, units, users, data")
@readable_errors
def init_command(demo: bool) -> None:
    """Create or upgrade the instance: folder, database, signing key, platform log
    (idempotent); --demo adds the demo bureau."""
    folder = instance_path()
    folder.mkdir(parents=True, exist_ok=True)
    click.echo(f"instance folder: {folder}")
    p = platform()
    from core.kernel import migrate
    from core.services import setup

    migrate.upgrade(p.db.url)
    signer = p.keys.ensure(str(p.settings["KEY_NAME"]))
    setup.prepare(p)
    click.echo(f"database ready: {p.db.engine.url.render_as_string(hide_password=True)}")
    click.echo(f"ledger verifier key: {signer.verifier}")
    if not demo:
        return
    token = setup.demo(p)
    if token is None:
        click.echo("demo bureau demo already exists")
        return
    path = p.instance / ADMIN_TOKEN_FILE
    _write_private(path, token + "\n")
    click.echo(f"demo bureau demo created; its admin's API token is in {path}")
    from core.services import sessions

    passwords = sessions.demo_passwords(p, setup.DEMO_BUREAU)
    lines = [
        "# 示范局 demo users: sign in at / with bureau code demo (用户名@局代码 works too)",
        *(f"{user}@{setup.DEMO_BUREAU}\t{password}" for user, password in passwords.items()),
    ]
    pw_path = p.instance / PASSWORDS_FILE
    _write_private(pw_path, "\n".join(lines) + "\n")
    click.echo(f"demo users' console passwords are in {pw_path} (not printed here)")


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@readable_errors
def db_upgrade() -> None:
    """Apply pending migrations (and rebuild projections a migration reset)."""
    from core.kernel import migrate
    from core.services import setup

    p = platform()
    migrate.upgrade(p.db.url)
    setup.prepare(p)
    click.echo("database is at the latest revision")


def start_checkpointer(p, interval: float = 1.0) -> threading.Event:
    """Sign checkpoints of logs that grew, at most once per ``interval`` seconds."""
    from core.services import ledger
    from core.services.context import Context

    stop = threading.Event()
    ctx = Context.system(p, "system:checkpointer")

    def loop() -> None:
        import logging

        log = logging.getLogger("jixiao.checkpointer")
        while not stop.wait(interval):
            try:
                ledger.checkpoint_all(ctx)
            except Exception:  # keep serving; a refusal is recorded, the next round retries
                log.exception("checkpointer")

    threading.Thread(target=loop, name="jixiao-checkpointer", daemon=True).start()
    return stop


def start_refresher(p, interval: float = 0.5) -> threading.Event:
    """Rescore stale results shortly after writes, so reads seldom wait for it. A bureau
    whose results cannot be computed is logged once per reason, not every round."""
    import logging

    from core.services import results
    from core.services.context import Context

    log = logging.getLogger("jixiao.refresher")
    told: set[tuple[str, str]] = set()

    def refused(bureau: str, error: Exception) -> None:
        if (bureau, str(error)) not in told:
            told.add((bureau, str(error)))
            log.warning("results of bureau %s cannot be refreshed: %s", bureau, error)

    ctx = Context.system(p, "system:refresher")
    return _every(interval, "refresher", lambda: results.catch_up_all(ctx, refused))


def _every(interval: float, name: str, step) -> threading.Event:
    """Run ``step`` now and then every ``interval`` seconds in a daemon thread; an error
    is logged and the next round retries (the server keeps serving)."""
    import logging

    stop = threading.Event()
    log = logging.getLogger(f"jixiao.{name}")

    def loop() -> None:
        while True:
            try:
                step()
            except Exception:
                log.exception(name)
            if stop.wait(interval):
                return

    threading.Thread(target=loop, name=f"jixiao-{name}", daemon=True).start()
    return stop


def start_reminders(p, interval: float = 900.0) -> threading.Event:
    """Record collection reminders as they fall due, checking every ``interval``
    seconds (each reminder is recorded once however often this runs). Under
    ``serve --prod``, run ``jixiao collection remind`` from cron instead."""
    from core.services import collection
    from core.services.context import Context

    ctx = Context.system(p, "system:reminders")
    return _every(interval, "reminders", lambda: collection.remind_all(ctx))


def port_free(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be served on, or None."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"{host} 上的端口 {port} 已被占用（可用 --port 或 PORT=… 另选） "
                    f"(port {port} on {host} is already in use (try --port or PORT=…))"
                )
            return (
                f"无法在 {host}:{port} 上提供服务 (cannot serve on {host}:{port}: {exc.strerror})"
            )
    return None


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--prod", is_flag=True, help="serve under gunicorn (workers, threads, timeouts)")
@click.option("--workers", type=int, default=None, help="gunicorn workers (JIXIAO_WORKERS)")
@click.option("--threads", type=int, default=None, help="threads per worker (JIXIAO_THREADS)")
@click.option("--timeout", type=int, default=None, help="request timeout, s (JIXIAO_TIMEOUT)")
@readable_errors
def serve_command(
    host: str,
    port: int,
    prod: bool,
    workers: int | None,
    threads: int | None,
    timeout: int | None,
) -> None:
    """Serve the web app and API. The embedded default is a threaded server with an
    in-process webhook thread; --prod runs gunicorn for PostgreSQL deployments."""
    busy = port_free(host, port)
    if busy:
        raise click.ClickException(busy)
    p = platform()
    base = f"http://{host}:{port}"
    click.echo(f"jixiao 绩效 serving on {base}/  (instance {p.instance})")
    click.echo(f"  API docs 接口文档:  {base}/api/docs")
    token_file = p.instance / ADMIN_TOKEN_FILE
    if token_file.exists():
        click.echo(f"  demo admin's API token: in {token_file} (not printed here)")
    click.echo(f"  console 控制台:     {base}/  (sign in 登录)")
    if (p.instance / PASSWORDS_FILE).exists():
        click.echo(f"  demo users' passwords: in {p.instance / PASSWORDS_FILE} (not printed here)")
    if prod:
        from core.serving import run_gunicorn

        run_gunicorn(host, port, workers, threads, timeout)
        return
    from werkzeug.serving import run_simple

    from core.app import create_app

    app = create_app(platform=p)
    stops = [start_checkpointer(p), start_refresher(p), start_reminders(p)]
    if os.environ.get("JIXIAO_WEBHOOKS_INPROCESS", "1") != "0":
        from webhooks.worker import start_thread

        stops.append(start_thread(p))
        click.echo("  webhooks: delivered by an in-process thread")
    _stop_on_sigterm()
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        _stop_background(stops)


def _stop_background(stops: list[threading.Event], timeout: float = 10.0) -> None:
    """Stop the server's background threads and wait for them before the command closes
    its connections: one still inside a transaction (the refresher runs twice a second)
    would keep its connection open past ``close_platform``, and SQLite would leave its
    write-ahead log beside the database."""
    for stop in stops:
        stop.set()
    for thread in threading.enumerate():
        if thread.name.startswith("jixiao-") and thread is not threading.current_thread():
            thread.join(timeout)


def _stop_on_sigterm() -> None:
    """A service manager stops the server with SIGTERM: end as Ctrl-C does, so the
    command closes its database connections (SQLite folds its WAL back) instead of
    dying where it stands."""
    import signal

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
