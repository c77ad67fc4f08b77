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


NAT64_PREFIXES = (
    ipaddress.ip_network("64:ff9b::/96"),  # well-known NAT64 prefix (RFC 6052)
    ipaddress.ip_network("64:ff9b:1::/48"),  # local-use NAT64 (RFC 8215)
)
IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT (RFC 7915)
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated (RFC 4291 §2.5.5.1)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address an IPv6 address carries and that a gateway or the host's own
    stack may turn it into: mapped, compatible, SIIT-translated, NAT64, 6to4, Teredo
    (server and client). ``64:ff9b::a9fe:a9fe`` reaches 169.254.169.254 through NAT64,
    so it must be judged as that address."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in IPV4_TRANSLATED or any(ip in net for net in NAT64_PREFIXES):
        found.append(low32)
    if ip in IPV4_COMPATIBLE and int(ip) > 1:
        found.append(low32)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    return found


def _allowed_one(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, allowed: list) -> bool:
    if any(ip.version == net.version and ip in net for net in allowed):
        return True
    return ip.is_global and not ip.is_multicast


def address_allowed(address: str) -> bool:
    """A public address, or an allow-listed one; an IPv6 address that embeds IPv4
    addresses is allowed only if each of them is too."""
    ip = ipaddress.ip_address(address)
    allowed = allow_list()
    if ip.version == 6:
        if ip.scope_id:
            ip = ipaddress.IPv6Address(address.partition("%")[0])
        embedded = embedded_ipv4(ip)
        if embedded:
            return all(_allowed_one(v4, allowed) for v4 in embedded) and (
                _allowed_one(ip, allowed) or ip.ipv4_mapped is not None or _translated(ip)
            )
    return _allowed_one(ip, allowed)


def _translated(ip: ipaddress.IPv6Address) -> bool:
    """Prefixes that are only a way of writing the embedded IPv4 address (their own
    "global" flag says nothing about where a packet goes)."""
    return ip in IPV4_TRANSLATED or any(ip in net for net in NAT64_PREFIXES)


def check_url(url: str) -> tuple[str, str, int]:
    """Validate the URL's form; returns (scheme, host, port). Raises InvalidInput.

    The URL is sent as it is written, so it is ASCII past its host (an IDN host is
    encoded by the resolver): urlsplit silently drops tabs and line breaks, and
    http.client cannot send a non-ASCII path — a stored ``/路径`` had crashed every
    delivery round of the worker, stalling the bureau's other endpoints."""
    if any(c.isspace() or not c.isprintable() for c in url):
        raise invalid(
            "url", "网址不得含空白或控制字符 (must not contain spaces or control characters)"
        )
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError: not a number, or outside 0–65535
    except ValueError as exc:
        raise invalid("url", f"不是有效的网址 (not a valid URL: {exc})") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid("url", "须为带主机名的 http:// 或 https:// 网址 (an http(s) URL with a host)")
    if not f"{parts.path}{parts.query}{parts.fragment}".isascii():
        raise invalid(
            "url",
            "路径和查询中的非 ASCII 字符须百分号编码，如 /%E8%B7%AF%E5%BE%84 "
            "(percent-encode non-ASCII characters in the path and query, "
            "e.g. /%E8%B7%AF%E5%BE%84)",
        )
    if parts.username or parts.password:
        raise invalid("url", "网址中不得含用户名或密码 (must not carry credentials)")
    if not _host_name_ok(parts.hostname):
        raise invalid(
            "url",
            "主机名无效：各段须为 1 至 63 个字符 (not a valid host name: each dot-separated "
            "label must have 1 to 63 characters, 253 in all)",
        )
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _host_name_ok(host: str) -> bool:
    """An IP address, or a name the resolver can be asked about (IDNA-encodable: no
    empty label, none over 63 characters); the resolver raised UnicodeError otherwise."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        encoded = host.encode("idna")
    except UnicodeError:
        return False
    return len(encoded) <= 253


def resolve_allowed(host: str, port: int) -> str:
    """An address of ``host`` that may be connected to; raises PermissionError if none."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise PermissionError(f"无法解析主机 {host} (cannot resolve {host}: {exc})") from exc
    addresses = [info[4][0] for info in infos]
    refused = [a for a in addresses if not address_allowed(a)]
    if refused:
        raise PermissionError(
            f"{host} 解析为内网、回环或链路本地地址，如需允许请设置 JIXIAO_WEBHOOK_ALLOW "
            f"({host} resolves to {', '.join(sorted(set(refused)))}, a private, loopback or "
            "link-local address; allow it with JIXIAO_WEBHOOK_ALLOW)"
        )
    return addresses[0]


def check_target(url: str) -> None:
    """For adding an endpoint: the URL is well formed and resolves to an allowed address."""
    _, host, port = check_url(url)
    try:
        resolve_allowed(host, port)
    except PermissionError as exc:
        raise invalid("url", str(exc)) from exc
