"""An appeal decided "corrected" corrects the input that feeds the appealed leaf (issue 8,
"Appeals must correct what they name"): the item of a ``source: items`` leaf, the rating
of a ratings leaf, the value of a value leaf; each correction a new entry pointing at
the old one and naming the appeal. A decision that would change nothing — the same
value, quantity or score, however written — or that names an input the leaf does not
read, is refused saying why, and writes nothing."""

from __future__ import annotations

import json

from core.services import ledger
from tests.hardening.every_input import B1, TARGET, publish, scores
from tests.hardening.refusals import Unchanged, cli_ok, cli_refused, refused, said
from tests.helpers import entries, value_row


def _inputs(client, world) -> dict[str, int]:
    """u1's value of i1 (80), an item on i2 (2 deductions), a superior's rating on i3 (70)."""
    admin, reviewer = world.headers("bureau_admin"), world.headers("reviewer")
    value = client.post(f"{B1}/values", json=value_row(period="2026", value="80"), headers=admin)
    item = {**TARGET, "indicator": "i2", "quantity": "2", "reason": "投诉 (complaints)"}
    item = client.post(f"{B1}/items", json={"rows": [item]}, headers=reviewer)
    rating = {**TARGET, "indicator": "i3", "role": "superior", "rater": "boss-1", "score": "70"}
    rating = client.post(f"{B1}/ratings", json={"rows": [rating]}, headers=reviewer)
    assert {value.status_code, item.status_code, rating.status_code} == {201}
    return {
        "i1": value.json["entries"][0]["seq"],
        "i2": item.json["seqs"][0],
        "i3": rating.json["seqs"][0],
    }


def _appeal(client, world, indicator: str) -> str:
    appeal = {**TARGET, "indicator": indicator, "reason": "请复核 (please review)"}
    filed = client.post(f"{B1}/appeals", json=appeal, headers=world.headers("reporter"))
    assert filed.status_code == 201, filed.json
    code = filed.json["code"]
    assign = client.post(f"{B1}/appeals/{code}/assign", json={"reviewer": "b1-reviewer"},
                         headers=world.headers("bureau_admin"))  # fmt: skip
    assert assign.status_code == 200, assign.json
    return code


def test_a_correction_applies_to_the_input_that_feeds_the_leaf(client, world, platform, system):
    publish(client, world)
    seqs = _inputs(client, world)
    assert scores(client, world) == {"tasks": "32.00", "negatives": "10.00", "leaders": "21.00"}
    reviewer = world.headers("reviewer")

    def decide(code: str, **body):
        body = {"decision": "corrected", "reason": "核实 (checked)", **body}
        return client.post(f"{B1}/appeals/{code}/decide", json=body, headers=reviewer)

    cases = [  # indicator, node, kind, unchanged spellings, new value, score after
        ("i2", "negatives", "item.recorded", ("2", "2.0", "２"), "1", "20.00"),
        ("i3", "leaders", "rating.submitted", ("70", "70.00"), "90", "27.00"),
        ("i1", "tasks", "value.recorded", ("80", "80.0", "８０"), "100", "40.00"),
    ]
    for indicator, node, kind, same, new, after in cases:
        code = _appeal(client, world, indicator)
        seq = seqs[indicator]
        other = next(s for i, s in seqs.items() if i != indicator)
        with Unchanged(platform):
            for value in same:
                problem = refused(decide(code, value=value, target=seq), 422, "value")
                assert "change nothing" in said(problem), (indicator, value, problem)
            # an input the leaf does not read: correcting it would change no score
            problem = refused(decide(code, value=new, target=other), 422, "target")
            assert "change nothing" in said(problem)
            refused(decide(code, value=new, target=10**6), 422, "target")
        assert client.get(f"{B1}/appeals/{code}", headers=reviewer).json["status"] == "assigned"

        done = decide(code, value=new, target=seq)
        assert done.status_code == 200, (indicator, done.json)
        correction = done.json["correction_seq"]
        body = json.loads(entries(platform, "b1")[correction].body)
        assert body["kind"] == kind
        assert body["data"]["corrects"] == seq and body["data"]["appeal"] == code
        assert scores(client, world)[node] == after, indicator
        seqs[indicator] = correction
    items = client.get(f"{B1}/items", headers=reviewer).json
    assert [(i["seq"], i["quantity"]) for i in items] == [(seqs["i2"], "1")]

    # the command line decides the same way: the corrected item, now 1, is withdrawn
    code = _appeal(client, world, "i2")
    decide = ("appeals", "decide", code, "--bureau", "b1", "--decision", "corrected",
              "--reason", "核实 (checked)", "--target", str(seqs["i2"]))  # fmt: skip
    with Unchanged(platform):
        out = cli_refused(*decide, "--value", "1.00", acting="b1-reviewer@b1")
        assert "change nothing" in out
    out = cli_ok(*decide, "--withdraw", acting="b1-reviewer@b1")
    assert f"appeal {code} corrected" in out
    assert client.get(f"{B1}/items", headers=reviewer).json == []
    assert scores(client, world)["negatives"] == "30.00"
    assert ledger.replay_check(system).ok
