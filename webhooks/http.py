"""One webhook POST over the standard library's http.client, pinned to a checked address.

The host is resolved once, every address is checked against the target policy, and the
connection goes to that very address (TLS still verifies the host name), so DNS cannot
be switched between the check and the connection.
"""

from __future__ import annotations

import datetime as dt
import http.client
import socket
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from webhooks.targets import check_url, resolve_allowed

EXCERPT = 1000


@dataclass(frozen=True)
class Outcome:
    status: int | None
    excerpt: str
    error: str
    duration_ms: int
    retry_after: float | None
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _connect(address: str, port: int, timeout: float) -> socket.socket:
    """http.client sends headers and body in separate segments; without TCP_NODELAY,
    Nagle's algorithm and the receiver's delayed ACK can hold the body back ~40 ms
    (urllib3 sets the same option by default)."""
    sock = socket.create_connection((address, port), timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = _connect(self._address, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = _connect(self._address, self.port, self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as delay-seconds (HTTP-dates are rare from receivers; ignored)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    start, started_at = time.perf_counter(), dt.datetime.now(dt.UTC)

    def elapsed() -> int:
        return int((time.perf_counter() - start) * 1000)

    try:
        scheme, host, port = check_url(url)
        address = resolve_allowed(host, port)
    except (PermissionError, ValueError) as exc:
        return Outcome(None, "", f"refused target: {exc}", elapsed(), None, started_at)
    except Exception as exc:  # an invalid URL stored before the policy changed
        return Outcome(None, "", f"refused target: {exc}", elapsed(), None, started_at)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    cls = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    conn = cls(host, port, address, timeout)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        excerpt = response.read(EXCERPT).decode("utf-8", "replace")
        retry = retry_after_seconds(response.getheader("Retry-After"))
        return Outcome(response.status, excerpt, "", elapsed(), retry, started_at)
    except (OSError, http.client.HTTPException, ValueError) as exc:  # ValueError: InvalidURL
        return Outcome(None, "", f"{type(exc).__name__}: {exc}"[:500], elapsed(), None, started_at)
    finally:
        conn.close()
