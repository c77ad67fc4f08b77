"""Which URLs webhooks may be sent to.

Targets that resolve to private, loopback, link-local or otherwise non-public addresses
are refused (a webhook must not become a way into the bureau's internal network) unless
the address is allow-listed in ``JIXIAO_WEBHOOK_ALLOW`` (comma-separated addresses or
networks, e.g. ``127.0.0.1,10.20.0.0/16``). The check runs when an endpoint is added and
again at every delivery, on the address actually connected to, so a DNS answer that
changes later (rebinding) is caught too.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from urllib.parse import urlsplit

from core.kernel.errors import invalid


def allow_list() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    raw = os.environ.get("JIXIAO_WEBHOOK_ALLOW", "")
    return [ipaddress.ip_network(x.strip(), strict=False) for x in raw.split(",") if x.strip()]


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if any(ip in net for net in allow_list()):
        return True
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> tuple[str, str, int]:
    """Validate the URL's form; returns (scheme, host, port). Raises InvalidInput."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid("url", "must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise invalid("url", "must not carry credentials")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, parts.hostname, port


def resolve_allowed(host: str, port: int) -> str:
    """An address of ``host`` that may be connected to; raises PermissionError if none."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise PermissionError(f"cannot resolve {host}: {exc}") from exc
    addresses = [info[4][0] for info in infos]
    refused = [a for a in addresses if not address_allowed(a)]
    if refused:
        raise PermissionError(
            f"{host} resolves to {', '.join(sorted(set(refused)))}, a private, loopback or "
            "link-local address; allow it with JIXIAO_WEBHOOK_ALLOW"
        )
    return addresses[0]


def check_target(url: str) -> None:
    """For adding an endpoint: the URL is well formed and resolves to an allowed address."""
    _, host, port = check_url(url)
    try:
        resolve_allowed(host, port)
    except PermissionError as exc:
        raise invalid("url", str(exc)) from exc
