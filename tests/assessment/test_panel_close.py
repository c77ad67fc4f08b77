"""Blind expert scoring (D-14): an expert sees only their own ratings until the office
closes the panel; then the ratings are final (only an appeal changes one) and every
member may see them all. Reporters never see the panel's ratings."""

from __future__ import annotations

import json

from click.testing import CliRunner

from core.cli import main
from core.services import ledger
from tests.helpers import log_size

BASE = "/api/v1/bureaus/b1"
PANEL = {"cycle": "2026", "indicator": "i1"}


def rate(client, world, score, corrects=None):
    row = {"unit": "u1", "indicator": "i1", "cycle": "2026", "period": "2026",
           "role": "expert", "score": score}  # fmt: skip
    if corrects is not None:
        row["corrects"] = corrects
    return client.post(f"{BASE}/ratings", json={"rows": [row]}, headers=world.headers("expert"))


def test_blind_until_closed_then_final(client, world, platform, system):
    admin = world.headers("bureau_admin")
    r = client.post(f"{BASE}/panels", headers=admin, json={**PANEL, "size": 1})
    assert r.status_code == 201, r.json
    r = rate(client, world, "88")
    assert r.status_code == 201, r.json
    seq = r.json["seqs"][0] if "seqs" in r.json else r.json["entries"][0]["seq"]

    ratings = f"{BASE}/panels/ratings"
    assert (
        client.get(ratings, query_string=PANEL, headers=world.headers("expert")).status_code == 403
    )
    assert (
        client.get(ratings, query_string=PANEL, headers=world.headers("reporter")).status_code
        == 403
    )
    seen = client.get(ratings, query_string=PANEL, headers=world.headers("auditor"))
    assert seen.status_code == 200 and seen.json["closed_seq"] is None
    assert [(x["subject"], x["rater"], x["score"]) for x in seen.json["ratings"]] == [
        ("u1", "b1-expert", "88")
    ]

    r = client.post(f"{BASE}/panels/close", headers=admin, json={**PANEL, "reason": "评分结束"})
    assert r.status_code == 201, r.json
    closed = r.json["seq"]
    assert client.post(f"{BASE}/panels/close", headers=admin, json=PANEL).status_code == 409
    redraw = client.post(f"{BASE}/panels", headers=admin, json={**PANEL, "size": 1})
    assert redraw.status_code == 409

    mine = client.get(ratings, query_string=PANEL, headers=world.headers("expert"))
    assert mine.status_code == 200 and mine.json["closed_seq"] == closed
    assert (
        client.get(ratings, query_string=PANEL, headers=world.headers("reporter")).status_code
        == 403
    )

    size = log_size(platform, "b1")
    r = rate(client, world, "95", corrects=seq)
    assert r.status_code == 409, r.json
    assert "专家评分已结束" in r.json["errors"][0]["reason"]
    assert log_size(platform, "b1") == size

    out = CliRunner().invoke(
        main, ["panels", "ratings", "--bureau", "b1", "--cycle", "2026", "--indicator", "i1"]
    )
    assert out.exit_code == 0 and "b1-expert" in out.output and "88" in out.output
    assert ledger.replay_check(system).ok


def test_a_redraw_gives_its_reason_and_comes_before_any_rating(client, world, platform, system):
    """Drawing again until the wanted experts come up would make the draw a choice: a
    redraw names why (recorded with the seq it replaces), and none once rated."""
    admin = world.headers("bureau_admin")
    first = client.post(f"{BASE}/panels", headers=admin, json={**PANEL, "size": 1})
    assert first.status_code == 201, first.json
    size = log_size(platform, "b1")
    again = client.post(f"{BASE}/panels", headers=admin, json={**PANEL, "size": 1})
    assert again.status_code == 422 and again.json["errors"][0]["field"] == "reason"
    blank = client.post(f"{BASE}/panels", headers=admin, json={**PANEL, "size": 1, "reason": " "})
    assert blank.status_code == 422 and log_size(platform, "b1") == size
    why = "专家回避 (an expert recused)"
    redrawn = client.post(f"{BASE}/panels", headers=admin, json={**PANEL, "size": 1, "reason": why})
    assert redrawn.status_code == 201, redrawn.json
    entry = json.loads(ledger.entries(system, "b1", redrawn.json["seq"], 1)[0]["body"])
    assert entry["data"]["replaces"] == first.json["seq"] and entry["data"]["reason"] == why
    assert rate(client, world, "88").status_code == 201
    size = log_size(platform, "b1")
    late = client.post(f"{BASE}/panels", headers=admin, json={**PANEL, "size": 1, "reason": why})
    assert late.status_code == 409 and log_size(platform, "b1") == size
    args = ["--bureau", "b1", "--cycle", "2026", "--indicator", "i1", "--size", "1"]
    out = CliRunner().invoke(main, ["panels", "draw", *args, "--reason", why])
    assert out.exit_code == 1 and "started rating" in out.output
    assert ledger.replay_check(system).ok
