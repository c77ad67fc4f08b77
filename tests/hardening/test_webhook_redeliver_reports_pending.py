"""``webhooks redeliver`` says what is still waiting (issue 8): while a delivery is
pending it used to report "0 deliveries queued" and nothing else; the answer is
``{queued, pending, enabled}`` over the API, and the CLI says it in words."""

from __future__ import annotations

from tests.hardening.refusals import Unchanged, cli_ok, refused
from tests.helpers import value_row

HOOKS = "/api/v1/bureaus/b1/webhooks"


def test_redeliver_reports_a_pending_delivery(client, world, platform, monkeypatch):
    monkeypatch.setenv("JIXIAO_WEBHOOK_ALLOW", "127.0.0.1")
    admin = world.headers("bureau_admin")
    hook = client.post(HOOKS, json={"url": "http://127.0.0.1:9/hook"}, headers=admin).json
    redeliver = f"{HOOKS}/{hook['id']}/redeliver"
    assert client.post(redeliver, json={}, headers=admin).json == {
        "queued": 0, "pending": 0, "enabled": True,
    }  # fmt: skip
    r = client.post("/api/v1/bureaus/b1/values", json=value_row(), headers=admin)
    assert r.status_code == 201  # one delivery now waits for a worker (none runs here)
    with Unchanged(platform):
        assert client.post(redeliver, json={}, headers=admin).json == {
            "queued": 0, "pending": 1, "enabled": True,
        }  # fmt: skip
        out = cli_ok("webhooks", "redeliver", str(hook["id"]), "--bureau", "b1")
        assert out.strip() == "0 deliveries queued again; 1 waiting to be delivered"
        # from a seq: the waiting delivery is queued again, not sent twice
        again = client.post(redeliver, json={"from_seq": 0}, headers=admin).json
        assert again == {"queued": 1, "pending": 1, "enabled": True}
    # disabled (an event itself, waiting too): redeliver says it will not deliver
    client.post(f"{HOOKS}/{hook['id']}/disable", headers=admin)
    with Unchanged(platform):
        assert client.post(redeliver, json={}, headers=admin).json == {
            "queued": 0, "pending": 2, "enabled": False,
        }  # fmt: skip
        out = cli_ok("webhooks", "redeliver", str(hook["id"]), "--bureau", "b1")
        assert "2 waiting to be delivered" in out and "enable it" in out
        refused(client.post(f"{HOOKS}/999/redeliver", json={}, headers=admin), 404, "endpoint")
