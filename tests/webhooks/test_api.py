"""Managing webhooks through the API and the CLI."""

from __future__ import annotations

from click.testing import CliRunner
from standardwebhooks.webhooks import Webhook

from core.cli import main
from tests.helpers import value_row
from tests.webhooks.conftest import drain


def test_api_lifecycle(client, world, platform, receiver):
    h = world.headers("bureau_admin")
    r = client.post(
        "/api/v1/bureaus/b1/webhooks",
        headers=h,
        json={"url": receiver.url, "events": ["value.recorded"]},
    )
    assert r.status_code == 201 and r.json["secret"].startswith("whsec_")
    endpoint_id, secret = r.json["id"], r.json["secret"]
    assert (
        client.post(
            "/api/v1/bureaus/b1/webhooks",
            headers=world.headers("reporter"),
            json={"url": receiver.url},
        ).status_code
        == 403
    )
    bad = client.post("/api/v1/bureaus/b1/webhooks", headers=h, json={"url": "http://10.9.9.9/"})
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "url"

    client.post("/api/v1/bureaus/b1/values", headers=h, json=value_row())
    drain(platform)
    Webhook(secret).verify(receiver.requests[0].body, receiver.requests[0].headers)

    new = client.post(f"/api/v1/bureaus/b1/webhooks/{endpoint_id}/rotate-secret", headers=h)
    assert new.json["secret"] != secret
    off = client.post(f"/api/v1/bureaus/b1/webhooks/{endpoint_id}/disable", headers=h).json
    assert off["enabled"] is False
    client.post("/api/v1/bureaus/b1/values", headers=h, json=value_row(period="2026-Q2"))
    drain(platform, lambda: True)
    assert len(receiver.requests) == 1  # queued, not sent, while disabled
    client.post(f"/api/v1/bureaus/b1/webhooks/{endpoint_id}/enable", headers=h)
    drain(platform)
    assert len(receiver.requests) == 2
    Webhook(new.json["secret"]).verify(receiver.requests[1].body, receiver.requests[1].headers)

    again = client.post(
        f"/api/v1/bureaus/b1/webhooks/{endpoint_id}/redeliver", headers=h, json={"from_seq": 0}
    )
    assert again.json == {"queued": 2, "pending": 2, "enabled": True}
    drain(platform)
    assert len(receiver.requests) == 4
    listed = client.get("/api/v1/bureaus/b1/webhooks", headers=h).json
    assert listed[0]["deliveries"] == {"delivered": 2}
    log = client.get(f"/api/v1/bureaus/b1/webhooks/{endpoint_id}/attempts", headers=h).json
    assert len(log) == 4 and {a["status"] for a in log} == {200}
    other = client.get(
        f"/api/v1/bureaus/b1/webhooks/{endpoint_id}/attempts",
        headers=world.headers("bureau_admin", "b2"),
    )
    assert other.status_code == 404


def test_cli(world, platform, receiver, instance):
    run = CliRunner().invoke
    out = run(
        main, ["webhooks", "add", receiver.url, "--bureau", "b1", "--events", "value.recorded"]
    )
    assert out.exit_code == 0 and "whsec_" in out.output
    listed = run(main, ["webhooks", "list", "--bureau", "b1", "--json"])
    assert '"url": "' + receiver.url in listed.output
    assert run(main, ["webhooks", "disable", "1", "--bureau", "b1"]).exit_code == 0
    assert run(main, ["webhooks", "enable", "1", "--bureau", "b1"]).exit_code == 0
    assert "whsec_" in run(main, ["webhooks", "rotate-secret", "1", "--bureau", "b1"]).output
    done = run(
        main,
        [
            "values",
            "record",
            "--bureau",
            "b1",
            "--unit",
            "u1",
            "--indicator",
            "i1",
            "--cycle",
            "2026",
            "--period",
            "2026-Q1",
            "90",
        ],
    )
    assert done.exit_code == 0
    assert run(main, ["webhooks", "worker", "--once"]).output.startswith("1 deliveries")
    assert len(receiver.requests) == 1
    redo = run(main, ["webhooks", "redeliver", "1", "--bureau", "b1", "--from-seq", "0"])
    assert redo.output.strip() == "1 deliveries queued again; 1 waiting to be delivered"
    attempts = run(main, ["webhooks", "attempts", "1", "--bureau", "b1", "--json"])
    assert '"status": 200' in attempts.output
    missing = run(main, ["webhooks", "disable", "99", "--bureau", "b1"])
    assert missing.exit_code == 1 and "no webhook endpoint 99" in missing.output


def test_urls_that_do_not_parse_are_refused_naming_the_url(client, world, platform):
    from tests.helpers import log_size

    h = world.headers("bureau_admin")
    before = log_size(platform, "b1")
    for url in (
        "http://93.184.216.34:99999/x",  # port out of range (was a 500)
        "http://93.184.216.34:abc/x",
        "http://[::1/x",  # an unclosed IPv6 literal
        "https://[93.184.216.34]/x",
        "http://93.184.216.34/\u00e9\u00e9",  # sent as is, it stalled every delivery round
        "http://93.184.216.34/路径?q=值",
        "http://93.184.216.34/a\nb",  # urlsplit drops the line break: another URL
        "http://93.184.216.34/a\tb",
        "http://93.184.216.34/a b",
    ):
        r = client.post("/api/v1/bureaus/b1/webhooks", headers=h, json={"url": url})
        assert r.status_code == 422, (url, r.status_code, r.json)
        assert r.json["errors"][0]["field"] == "url"
    assert log_size(platform, "b1") == before


def test_events_that_can_match_nothing_are_refused(client, world, platform):
    h = world.headers("bureau_admin")
    url = "https://93.184.216.34/hook"
    for events in (["nope.event"], ["**"], ["😀"], ["value.recorde"], ["nosuch.*"]):
        r = client.post(
            "/api/v1/bureaus/b1/webhooks", headers=h, json={"url": url, "events": events}
        )
        assert r.status_code == 422 and r.json["errors"][0]["field"] == "events[0]", events
    for events in (["*"], ["value.*"], ["value.recorded", "appeal.filed"]):
        r = client.post(
            "/api/v1/bureaus/b1/webhooks", headers=h, json={"url": url, "events": events}
        )
        assert r.status_code == 201, (events, r.json)


def test_who_may_not_add_a_webhook_learns_nothing_of_a_url(client, world, platform):
    """The right is checked before the URL: a reporter, another bureau's admin or an
    unknown bureau got "localhost resolves to 127.0.0.1, a private … address", an
    oracle for internal names."""
    body = {"url": "http://10.9.9.9/x"}  # refused for b1's admin: a private address
    cases = [
        ("b1", world.headers("reporter"), 403),
        ("b1", world.headers("bureau_admin", "b2"), 404),
        ("nosuch", world.headers("bureau_admin"), 404),
    ]
    for bureau, headers, status in cases:
        r = client.post(f"/api/v1/bureaus/{bureau}/webhooks", headers=headers, json=body)
        assert r.status_code == status, (bureau, r.json)
        assert "private" not in r.get_data(as_text=True)
    own = client.post("/api/v1/bureaus/b1/webhooks", headers=world.headers("bureau_admin"),
                      json=body)  # fmt: skip
    assert own.status_code == 422 and "private" in own.json["detail"]


def test_a_stored_url_that_cannot_be_sent_fails_its_own_attempt_only():
    """An endpoint stored before the URL rule: its delivery is a failed attempt, not an
    exception ending the worker's round for every endpoint."""
    from webhooks import http

    outcome = http.post("http://127.0.0.1:9/\u00e9", b"{}", {}, 1.0)
    assert not outcome.ok and outcome.error
