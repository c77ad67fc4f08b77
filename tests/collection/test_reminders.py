"""Reminders reach other systems (OA, SMS gateways) as signed webhooks, over real HTTP;
the server's reminder thread records them without anyone asking."""

from __future__ import annotations

import time

from standardwebhooks import Webhook

from core.cli.setup import start_reminders
from core.domain.models import CollectionReminder
from core.services import collection
from core.services.context import Context
from tests.webhooks.conftest import drain, fast_policy, receiver, subscribe  # noqa: F401

ROUND = "/api/v1/bureaus/b1/cycles/2026/periods/2026-Q1/collection"


def test_an_overdue_reminder_is_delivered_as_a_signed_webhook(
    client,
    scheme_world,
    moving_clock,
    platform,
    receiver,  # noqa: F811
):
    _, secret = subscribe(platform, receiver.url, "collection.reminded,collection.closed")
    admin = scheme_world.headers("bureau_admin")
    body = {"deadline": "2026-04-02", "remind_before": [1], "remind_overdue": [0]}
    assert client.post(ROUND, json=body, headers=admin).status_code == 201

    moving_clock.set("2026-04-03T00:00:00+00:00")  # 08:00 on the 3rd in Beijing: overdue
    stop = start_reminders(platform, interval=3600)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with platform.db.transaction() as s:
                if s.query(CollectionReminder).count():
                    break
            time.sleep(0.05)
    finally:
        stop.set()
    # the thread recorded the overdue slot; the "1 day before" one is past and not sent
    assert collection.remind(Context.system(platform, "system:test"), "b1") == []
    drain(platform)
    [req] = receiver.requests
    payload = Webhook(secret).verify(req.body, req.headers)
    assert payload["type"] == "collection.reminded"
    data = payload["data"]
    assert (data["when"], data["keys"], data["deadline"]) == (
        "overdue",
        ["overdue:0"],
        "2026-04-02T23:59:59+08:00",
    )
    assert data["units"] == [
        {"unit": "u1", "missing": ["i1", "i2"]},
        {"unit": "u2", "missing": ["i1", "i2"]},
    ]
