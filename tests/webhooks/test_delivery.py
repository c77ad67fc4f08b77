"""Webhook delivery end to end, over real HTTP to a receiver on 127.0.0.1."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from core.domain.inputs.values import record_values
from core.services import plugins, values
from core.services.context import Context
from tests.helpers import entries, value_row
from tests.webhooks.conftest import drain, start_receiver, states, subscribe
from webhooks import service
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def system(platform) -> Context:
    return Context.system(platform, "system:test")


def record(platform, n: int = 1, bureau: str = "b1", start_q: int = 1) -> list[int]:
    rows = [
        value_row(
            period=f"2026-Q{(start_q + i - 1) % 4 + 1}",
            indicator="i1" if (start_q + i - 1) < 4 else "i2",
            value=str(80 + i),
        )
        for i in range(n)
    ]
    return [e["seq"] for e in values.record(system(platform), bureau, rows)["entries"]]


def test_signed_per_standard_webhooks_with_ledger_position(platform, world, receiver):
    _, secret = subscribe(platform, receiver.url, "value.recorded")
    [seq] = record(platform)
    drain(platform)
    [req] = receiver.requests
    payload = Webhook(secret).verify(req.body, req.headers)  # the independent receiver
    assert payload["type"] == "value.recorded"
    assert payload["data"]["value"] == "80" and payload["data"]["unit"] == "u1"
    leaf = entries(platform, "b1")[seq].leaf_hash.hex()
    assert payload["data"]["ledger"] == {
        "bureau": "b1",
        "origin": "jixiao/b1",
        "seq": seq,
        "leaf_hash": leaf,
    }
    assert req.headers["webhook-id"] == "msg_" + leaf[:32]
    with pytest.raises(Exception, match="signature"):
        Webhook(secret).verify(req.body.replace("80", "81"), req.headers)


def test_retries_keep_the_webhook_id_and_are_logged(platform, world, receiver):
    receiver.then(500).then(503).then(200)
    endpoint_id, secret = subscribe(platform, receiver.url)
    record(platform)
    drain(platform)
    assert [r.headers["webhook-id"] for r in receiver.requests] == [
        receiver.requests[0].headers["webhook-id"]
    ] * 3
    for r in receiver.requests:
        Webhook(secret).verify(r.body, r.headers)
    log = service.attempts(system(platform), "b1", endpoint_id)
    assert [(a["attempt"], a["status"]) for a in reversed(log)] == [(1, 500), (2, 503), (3, 200)]
    assert all(a["duration_ms"] >= 0 and a["response"] == "ok" for a in log)


def test_two_signatures_during_secret_rotation(platform, world, receiver):
    endpoint_id, old = subscribe(platform, receiver.url)
    new = service.rotate_secret(system(platform), "b1", endpoint_id)["secret"]
    record(platform)
    drain(platform)
    [req] = receiver.requests
    assert len(req.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(req.body, req.headers)
    Webhook(new).verify(req.body, req.headers)


def test_410_disables_the_endpoint_and_raises_an_event(platform, world, receiver):
    watcher = start_receiver()
    try:
        subscribe(platform, watcher.url, "webhook.endpoint.disabled")
        gone_id, _ = subscribe(platform, receiver.url, "value.recorded")
        receiver.then(410)
        record(platform, 2)
        drain(platform, lambda: len(watcher.requests) == 1)
        event = watcher.requests[0].json
        assert event["type"] == "webhook.endpoint.disabled"
        assert event["data"]["endpoint"] == gone_id and "410" in event["data"]["reason"]
        assert len(receiver.requests) == 1  # the second event waits, it is not sent
        with platform.db.transaction() as s:
            assert not s.get(WebhookEndpoint, gone_id).enabled
        assert entries(platform, "b1")[-1].kind == "webhook.endpoint.disabled"
    finally:
        watcher.server.shutdown()


def test_429_honours_retry_after(platform, world, receiver):
    receiver.then(429, {"Retry-After": "1"})
    subscribe(platform, receiver.url)
    record(platform)
    drain(platform, lambda: len(receiver.requests) == 1)
    with platform.db.transaction() as s:
        d = s.scalar(select(WebhookDelivery))
        gap = d.next_attempt_at.replace(tzinfo=None) - s.scalar(
            select(WebhookAttempt.started_at)
        ).replace(tzinfo=None)
    assert gap.total_seconds() >= 0.9  # not the 0.05 s of the schedule
    drain(platform)
    assert len(receiver.requests) == 2 and states(platform) == ["delivered"]


def test_receiver_down_then_back_gets_everything_in_log_order(
    platform, world, receiver, monkeypatch
):
    """ "Down for an hour" in scaled time: the schedule outlasts the outage, so every event
    arrives once the receiver is back, in log order, with no manual redelivery."""
    monkeypatch.setenv("JIXIAO_WEBHOOK_RETRY_SCHEDULE", "0.1,0.2,0.4,0.8,1.6,3.2,6.4")
    port, url = receiver.server.server_address[1], receiver.url
    receiver.server.shutdown()
    receiver.server.server_close()
    subscribe(platform, url, "value.recorded")
    seqs = record(platform, 5)
    drain(platform, lambda: attempts_made(platform) >= 3, timeout=10)  # refused connections
    assert "delivered" not in states(platform)
    back = start_receiver(port)
    try:
        drain(platform)
        assert states(platform) == ["delivered"] * 5
        assert [r.json["data"]["ledger"]["seq"] for r in back.requests] == seqs
    finally:
        back.server.shutdown()


def attempts_made(platform) -> int:
    with platform.db.transaction() as s:
        return len(s.scalars(select(WebhookAttempt.id)).all())


def test_private_targets_are_refused_unless_allow_listed(platform, world, receiver, monkeypatch):
    from core.kernel.errors import InvalidInput

    monkeypatch.delenv("JIXIAO_WEBHOOK_ALLOW")
    with pytest.raises(InvalidInput, match="private, loopback or link-local"):
        subscribe(platform, receiver.url)
    for url in (
        "http://169.254.169.254/latest",
        "http://10.1.2.3/x",
        "ftp://example.org/x",
        "http://[64:ff9b::a9fe:a9fe]/latest",  # NAT64 spelling of the metadata service
        "http://[::ffff:7f00:1]/x",
        "http://2130706433/x",  # 127.0.0.1 as one decimal number
        "http://a..b/x",  # an empty label, which the resolver's IDNA codec could not encode
        f"http://{'a' * 64}.example.org/x",  # a label over 63 characters
    ):
        with pytest.raises(InvalidInput):
            subscribe(platform, url)
    monkeypatch.setenv("JIXIAO_WEBHOOK_ALLOW", "127.0.0.1")
    subscribe(platform, receiver.url)
    monkeypatch.delenv("JIXIAO_WEBHOOK_ALLOW")  # the policy tightened after the subscription
    record(platform)
    drain(platform, lambda: "failed" in states(platform))
    assert receiver.requests == []
    with platform.db.transaction() as s:
        assert "refused target" in s.scalar(select(WebhookAttempt.error))


def test_endpoint_failing_for_too_long_is_disabled(platform, world, receiver, monkeypatch):
    monkeypatch.setenv("JIXIAO_WEBHOOK_DISABLE_AFTER", "0.1")
    receiver.script = [lambda: (500, {})] * 50
    endpoint_id, _ = subscribe(platform, receiver.url, "value.recorded")
    record(platform)
    drain(platform, lambda: entries(platform, "b1")[-1].kind == "webhook.endpoint.disabled")
    with platform.db.transaction() as s:
        e = s.get(WebhookEndpoint, endpoint_id)
        assert not e.enabled and e.disabled_reason.startswith("failing since")


def test_outbox_rows_share_the_append_transaction(platform, world, receiver):
    subscribe(platform, receiver.url)
    with pytest.raises(RuntimeError), system(platform).writing("b1", "values.record") as work:
        record_values(work, [value_row()])
        assert states_in(work.session) == ["pending"]
        raise RuntimeError("the business write fails after the append")
    assert states(platform) == []


def states_in(session) -> list[str]:
    return list(session.scalars(select(WebhookDelivery.state)))


def test_event_filter(platform, world, receiver):
    subscribe(platform, receiver.url, "plugin.*")
    record(platform)
    plugins.uninstall(system(platform), "b1", "rules")
    drain(platform)
    assert [r.json["type"] for r in receiver.requests] == ["plugin.uninstalled"]


def test_failed_verification_is_an_event(platform, world, receiver, instance):
    from click.testing import CliRunner

    from core.cli import main
    from tests.ledger import attacks
    from tests.ledger.conftest import attack

    subscribe(platform, receiver.url, "ledger.verification_failed")
    log_id = entries(platform, "b1")[0].log_id
    attack(platform, attacks.flip_byte, log_id, 3)
    result = CliRunner().invoke(main, ["ledger", "verify", "--bureau", "b1"])
    assert result.exit_code == 1
    drain(platform)
    [event] = [r.json for r in receiver.requests]
    assert event["type"] == "ledger.verification_failed"
    assert event["data"]["first_bad_seq"] == 3 and event["data"]["reason"] == "hash mismatch"
    assert event["data"]["bureau"] == "b1"
    assert event["data"]["ledger"]["origin"] == "jixiao/_platform"  # not the suspect log
