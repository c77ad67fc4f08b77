"""A bureau with a quarterly scheme for group A (u1, u2) and a clock the tests move."""

from __future__ import annotations

import datetime as dt

import pytest

from core.kernel import clock

SCHEME = {
    "code": "qa",
    "name": "季度考核 (quarterly)",
    "group": "A",
    "nodes": [
        {
            "code": "q",
            "name": "季度任务 (quarterly tasks)",
            "points": "60",
            "indicator": "i1",
            "frequency": "quarter",
            "rule": {"type": "target_ratio", "params": {"target": "100"}},
        },
        {
            "code": "c",
            "name": "投诉扣分 (complaints)",
            "points": "40",
            "indicator": "i2",
            "frequency": "quarter",
            "rule": {"type": "deduction", "params": {"per_item": "10"}},
        },
    ],
}


class Clock:
    """The platform's clock, set by the test (UTC instants)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.at = dt.datetime(2026, 4, 1, 2, 0, tzinfo=dt.UTC)
        monkeypatch.setattr(clock, "now", lambda: self.at)

    def set(self, text: str) -> None:
        self.at = dt.datetime.fromisoformat(text)


@pytest.fixture
def moving_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def scheme_world(client, world):
    admin = world.headers("bureau_admin")
    r = client.post("/api/v1/bureaus/b1/cycles/2026/schemes", json=SCHEME, headers=admin)
    assert r.status_code == 201, r.json
    r = client.post("/api/v1/bureaus/b1/cycles/2026/schemes/qa/versions/1/publish", headers=admin)
    assert r.status_code == 200, r.json
    return world
