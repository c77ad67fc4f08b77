"""Webhook delivery benchmark.

* ``events_per_s_1`` / ``events_per_s_4``: deliveries per second by one and by four
  ``jixiao webhooks worker`` processes, from a full outbox to a receiver on 127.0.0.1
  (its own process), each delivery signed, POSTed and recorded with its attempt;
* ``post_ratio``: ``events_per_s_1`` ÷ the rate of bare HTTP POSTs of the same bodies
  from one process (``http.client``, a new connection each, as the worker does), measured
  in the same run against the same receiver.

Deliveries are spread over several endpoints, because each endpoint receives in log order,
one at a time. Usage: ``python bench/webhooks.py [--quick] [--database-url URL]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/x.py` puts bench/ first on sys.path, where bench/webhooks.py would shadow
# the webhooks package: put the repository root there instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import http.client
import http.server
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from core.kernel import migrate
from core.ledger.store import Record, append_many

ENDPOINTS = 32


def _serve(port_out) -> None:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    http.server.ThreadingHTTPServer.request_queue_size = 128  # socketserver default: 5
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_out.put(server.server_address[1])
    server.serve_forever()


def start_receiver() -> tuple[multiprocessing.Process, int]:
    ctx = multiprocessing.get_context("spawn")
    port_out = ctx.Queue()
    proc = ctx.Process(target=_serve, args=(port_out,), daemon=True)
    proc.start()
    return proc, port_out.get(timeout=60)


def make_platform(folder: Path, url: str | None):
    os.environ["JIXIAO_INSTANCE_PATH"] = str(folder / "instance")
    os.environ["JIXIAO_DATABASE_URL"] = url or f"sqlite:///{folder / 'hooks.sqlite3'}"
    os.environ["JIXIAO_WEBHOOK_ALLOW"] = "127.0.0.1"
    migrate.upgrade(os.environ["JIXIAO_DATABASE_URL"])
    from core.app import create_app
    from core.services.demo import create_demo

    platform = create_app().extensions["jixiao"]
    platform.keys.ensure("bench")
    with platform.db.transaction() as s:
        create_demo(s, platform)
    return platform


def fill_outbox(platform, bureau_code: str, events: int) -> None:
    from core.domain import organisation

    with platform.db.transaction() as s:
        log_id = organisation.get_bureau(s, bureau_code).log_id
        append_many(
            s,
            log_id,
            [
                Record("bench.event", {"i": i, "unit": "office", "value": f"{i % 100}.50"})
                for i in range(events)
            ],
        )


def delivered(platform) -> int:
    from webhooks.models import WebhookDelivery

    with platform.db.transaction() as s:
        return s.scalar(select(func.count()).where(WebhookDelivery.state == "delivered"))


def run_workers(platform, count: int, events: int) -> float:
    """Deliveries per second by ``count`` worker processes, timed from filling the outbox
    with ``events`` events until the last delivery (workers started and warmed up first,
    so process start-up is not counted)."""
    cmd = [sys.executable, "-m", "core.cli", "webhooks", "worker", "--batch", "8"]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(count)
    ]
    try:
        base = delivered(platform)
        fill_outbox(platform, "demo", 1)  # warm-up: every endpoint gets one
        while delivered(platform) < base + ENDPOINTS:
            time.sleep(0.02)
        target = base + ENDPOINTS * (1 + events)
        start = time.perf_counter()
        fill_outbox(platform, "demo", events)
        while delivered(platform) < target:
            time.sleep(0.02)
        return ENDPOINTS * events / (time.perf_counter() - start)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)


def bare_posts(port: int, bodies: list[bytes]) -> float:
    start = time.perf_counter()
    for body in bodies:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        conn.request("POST", "/hook", body=body, headers={"content-type": "application/json"})
        conn.getresponse().read()
        conn.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    events = 40 if args.quick else 200
    receiver, port = start_receiver()
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-hooks-") as tmp:
        platform = make_platform(Path(tmp), args.database_url)
        from core.domain import organisation
        from webhooks import service
        from webhooks.models import WebhookMessage

        with platform.db.transaction() as s:
            bureau = organisation.get_bureau(s, "demo")
            for _ in range(ENDPOINTS):
                service.add(
                    s, platform.vault, bureau, f"http://127.0.0.1:{port}/hook", ["bench.event"]
                )
        one = run_workers(platform, 1, events)
        four = run_workers(platform, 4, events)
        with platform.db.transaction() as s:
            bodies = [p.encode() for p in s.scalars(select(WebhookMessage.payload))]
        bodies = (bodies * ENDPOINTS)[: events * ENDPOINTS]
        bare = len(bodies) / bare_posts(port, bodies)
        platform.db.dispose()
    receiver.terminate()
    print(f"events_per_s_1: {one:.0f}")
    print(f"events_per_s_4: {four:.0f}")
    print(f"post_ratio: {one / bare:.2f}")
    print(f"bare_posts_per_s: {bare:.0f}")


if __name__ == "__main__":
    main()
