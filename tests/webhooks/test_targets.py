"""The SSRF guard judges an IPv6 address that carries an IPv4 address by that address:
NAT64 (64:ff9b::/96 reached the cloud metadata service and loopback before)."""

from __future__ import annotations

import pytest

from webhooks.targets import address_allowed, embedded_ipv4

REFUSED = [
    "127.0.0.1",
    "169.254.169.254",
    "10.1.2.3",
    "::1",
    "fe80::1%eth0",
    "fc00::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible (deprecated)
    "::ffff:0:7f00:1",  # SIIT-translated
    "64:ff9b::a9fe:a9fe",  # NAT64 well-known prefix → 169.254.169.254
    "64:ff9b::7f00:1",  # → 127.0.0.1
    "64:ff9b::a01:203",  # → 10.1.2.3
    "64:ff9b:1::a9fe:a9fe",  # local-use NAT64 prefix
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "2001:0:a9fe:a9fe::1",  # Teredo with a link-local server
]
ALLOWED = [
    "8.8.8.8",
    "2001:4860:4860::8888",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",  # NAT64 of a public address
    "2002:808:808::1",  # 6to4 of a public address
]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_targets_are_refused_in_every_spelling(address, monkeypatch):
    monkeypatch.delenv("JIXIAO_WEBHOOK_ALLOW", raising=False)
    assert not address_allowed(address)


@pytest.mark.parametrize("address", ALLOWED)
def test_public_targets_are_allowed(address, monkeypatch):
    monkeypatch.delenv("JIXIAO_WEBHOOK_ALLOW", raising=False)
    assert address_allowed(address)


def test_the_allow_list_covers_the_embedded_address(monkeypatch):
    monkeypatch.setenv("JIXIAO_WEBHOOK_ALLOW", "127.0.0.1")
    assert address_allowed("127.0.0.1")
    assert address_allowed("::ffff:127.0.0.1")
    assert not address_allowed("64:ff9b::a9fe:a9fe")


def test_embedded_addresses_are_found():
    import ipaddress

    found = embedded_ipv4(ipaddress.IPv6Address("64:ff9b::a9fe:a9fe"))
    assert [str(a) for a in found] == ["169.254.169.254"]
