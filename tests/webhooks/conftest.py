"""A real HTTP receiver on 127.0.0.1 and helpers to drive delivery deterministically."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from webhooks import service
from webhooks.models import WebhookDelivery
from webhooks.worker import Worker


@dataclass
class Received:
    headers: dict[str, str]
    body: str

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Records every request; ``script`` decides each response (default 200)."""

    server: http.server.ThreadingHTTPServer
    requests: list[Received] = field(default_factory=list)
    script: list[Callable[[], tuple[int, dict[str, str]]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def then(self, status: int, headers: dict | None = None, delay: float = 0.0) -> Receiver:
        def respond() -> tuple[int, dict[str, str]]:
            time.sleep(delay)
            return status, headers or {}

        self.script.append(respond)
        return self


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128  # socketserver's default of 5 drops concurrent connects
    daemon_threads = True


def _handler(receiver_box: list) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        wbufsize = 65536  # buffer the response: headers and body leave in one segment

        def do_POST(self) -> None:
            receiver: Receiver = receiver_box[0]
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            with receiver.lock:
                receiver.requests.append(Received(dict(self.headers.items()), body))
                step = receiver.script.pop(0) if receiver.script else None
            status, headers = step() if step else (200, {})
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:
            pass

    return Handler


def start_receiver(port: int = 0) -> Receiver:
    box: list = []
    server = Server(("127.0.0.1", port), _handler(box))
    receiver = Receiver(server)
    box.append(receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver


@pytest.fixture(autouse=True)
def fast_policy(monkeypatch):
    monkeypatch.setenv("JIXIAO_WEBHOOK_ALLOW", "127.0.0.1")
    monkeypatch.setenv("JIXIAO_WEBHOOK_RETRY_SCHEDULE", "0.05,0.05,0.05,0.05")
    monkeypatch.setenv("JIXIAO_WEBHOOK_JITTER", "0")
    monkeypatch.setenv("JIXIAO_WEBHOOK_TIMEOUT", "5")


@pytest.fixture
def receiver():
    r = start_receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def subscribe(platform, url: str, events: str = "*", bureau: str = "b1") -> tuple[int, str]:
    from core.services.context import Context

    done = service.add(Context.system(platform, "system:test"), bureau, url, events.split(","))
    return done["id"], done["secret"]


def states(platform) -> list[str]:
    with platform.db.transaction() as s:
        return list(s.scalars(select(WebhookDelivery.state).order_by(WebhookDelivery.id)))


def drain(platform, done: Callable[[], bool] | None = None, timeout: float = 30) -> None:
    """Run a worker until ``done()`` (default: nothing left pending) or time runs out."""
    worker = Worker(platform)
    deadline = time.monotonic() + timeout
    done = done or (lambda: not {"pending", "delivering"} & set(states(platform)))
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"not done in {timeout}s: {states(platform)}")
        if not worker.run_once():
            time.sleep(0.02)
