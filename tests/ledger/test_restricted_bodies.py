"""Bodies outside the ledger's restricted JSON fail verification (FORMAT.md, "Entry"): a
float re-encodes to its own bytes and ``True == 1`` in Python, so a bundle holding
``"v":1.0``, ``"seq":true``, ``"ts":42``, ``"actor":null``, a float in ``data`` or an
integer of 2^60 had verified OK, offline and in ``verify-bundle``."""

from __future__ import annotations

import json

import pytest

from core.ledger.tlog import ChainChecker, canonical_text

ORIGIN = "jixiao.test/b1"


def body(seq: int, prev: str | None, **changes: object) -> bytes:
    entry = {"v": 1, "log": ORIGIN, "seq": seq, "prev": prev, "ts": "2026-12-07T00:00:00Z",
             "actor": "system", "kind": "note.added", "data": {"n": "1"}}  # fmt: skip
    entry.update(changes)
    return canonical_text(entry).encode()


def first_finding(*bodies: bytes):
    checker = ChainChecker(ORIGIN)
    for line in bodies:
        if not checker.feed(None, line):
            break
    return checker.finding


def test_a_well_typed_chain_verifies():
    first = body(0, None)
    leaf = ChainChecker(ORIGIN)._leaf(first).hex()
    assert first_finding(first, body(1, leaf)) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"v": 1.0}, "malformed"),
        ({"data": {"score": 9.5}}, "not canonical"),
        ({"data": {"big": 2**60}}, "not canonical"),
        ({"ts": 42}, "malformed"),
        ({"actor": None}, "malformed"),
        ({"kind": ["x"]}, "malformed"),
        ({"data": []}, "malformed"),
    ],
)
def test_a_body_outside_the_restricted_json_fails(change, reason):
    found = first_finding(body(0, None, **change))
    assert found is not None and found.reason == reason, (change, found)


def test_true_is_no_seq():
    first = body(0, None)
    leaf = ChainChecker(ORIGIN)._leaf(first).hex()
    second = json.loads(body(1, leaf))
    second["seq"] = True
    found = first_finding(first, canonical_text(second).encode())
    assert found is not None and found.reason == "malformed" and "seq" in found.detail
