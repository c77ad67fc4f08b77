"""Reviewers' items can be corrected and withdrawn (issue 8, "Appeals must correct what
they name": an item could be neither), through the API (``/items`` with ``corrects``,
``/items/<seq>/withdraw``) and the CLI (``jixiao items record --corrects``, ``items
withdraw``); each change is a new entry pointing at the old one, results follow, and a
stale or misdirected change is refused naming the field, writing nothing."""

from __future__ import annotations

import json

from core.services import ledger
from tests.hardening.every_input import B1, TARGET, publish, scores
from tests.hardening.refusals import Unchanged, cli_ok, cli_refused, refused, said
from tests.helpers import entries

ITEM = {**TARGET, "indicator": "i2", "reason": "投诉属实 (complaint upheld)"}


def test_items_are_corrected_and_withdrawn(client, world, platform, system):
    publish(client, world)
    reviewer = world.headers("reviewer")

    def record(**row):
        return client.post(f"{B1}/items", json={"rows": [{**ITEM, **row}]}, headers=reviewer)

    first = record(quantity="2").json["seqs"][0]
    assert scores(client, world)["negatives"] == "10.00"  # 30 − 2 × 10
    second = record(quantity="1", corrects=first)
    assert second.status_code == 201, second.json
    fixed = second.json["seqs"][0]
    body = json.loads(entries(platform, "b1")[fixed].body)
    assert body["kind"] == "item.recorded" and body["data"]["corrects"] == first
    listed = client.get(f"{B1}/items", headers=reviewer).json
    assert [(i["seq"], i["quantity"]) for i in listed] == [(fixed, "1")]
    assert scores(client, world)["negatives"] == "20.00"

    with Unchanged(platform):
        refused(record(quantity="3", corrects=first), 409, "corrects")  # corrected already
        refused(record(quantity="3", corrects=fixed, unit="u2"), 422, "corrects")  # not u2's
        refused(record(quantity="3", corrects=999_999), 409, "corrects")
        negative = refused(record(quantity="-1", corrects=fixed), 422, "quantity")
        assert "more than 0" in said(negative)  # not "between 0 and …", 0 being refused
        refused(record(quantity="0"), 422, "quantity")  # changes nothing: always a slip
        refused(record(quantity="0.00", corrects=fixed), 422, "quantity")  # withdraw instead
        r = client.post(f"{B1}/items/{first}/withdraw", json={"reason": "x"}, headers=reviewer)
        refused(r, 409, "withdraws")
        r = client.post(f"{B1}/items/{fixed}/withdraw", json={}, headers=reviewer)
        refused(r, 422, "reason")
        r = client.post(f"{B1}/items/{fixed}/withdraw", json={"reason": "x"},
                        headers=world.headers("reporter"))  # fmt: skip
        refused(r, 403)

    gone = client.post(f"{B1}/items/{fixed}/withdraw", json={"reason": "撤销 (withdrawn)"},
                       headers=reviewer)  # fmt: skip
    assert gone.status_code == 201 and gone.json["kind"] == "item.withdrawn", gone.json
    assert json.loads(entries(platform, "b1")[-1].body)["data"]["withdraws"] == fixed
    assert client.get(f"{B1}/items", headers=reviewer).json == []
    assert scores(client, world)["negatives"] == "30.00"
    with Unchanged(platform):
        r = client.post(f"{B1}/items/{fixed}/withdraw", json={"reason": "x"}, headers=reviewer)
        refused(r, 409, "withdraws")

    # the same from the command line
    where = ("--bureau", "b1", "--cycle", "2026", "--unit", "u1", "--indicator", "i2",
             "--period", "2026")  # fmt: skip
    reason = ("--reason", "督查发现 (inspection finding)")
    out = cli_ok("items", "record", *where, "--quantity", "2", *reason)
    first = int(out.split()[-1])
    out = cli_ok("items", "record", *where, "--quantity", "1", *reason, "--corrects", str(first))
    fixed = int(out.split()[-1])
    listed = json.loads(cli_ok("items", "list", "--bureau", "b1", "--json"))
    assert [(i["seq"], i["quantity"]) for i in listed] == [(fixed, "1")]
    assert scores(client, world)["negatives"] == "20.00"
    with Unchanged(platform):
        out = cli_refused("items", "record", *where, "--quantity", "3", *reason,
                          "--corrects", str(first))  # fmt: skip
        assert "corrects" in out
        assert "withdraws" in cli_refused(
            "items", "withdraw", str(first), "--bureau", "b1", *reason
        )
    out = cli_ok("items", "withdraw", str(fixed), "--bureau", "b1", *reason)
    assert f"item {fixed} withdrawn" in out
    assert json.loads(cli_ok("items", "list", "--bureau", "b1", "--json")) == []
    assert scores(client, world)["negatives"] == "30.00"
    assert ledger.replay_check(system).ok
