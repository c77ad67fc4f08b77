"""The REST API: records, corrections, and RFC 9457 errors that leave the database untouched."""

from __future__ import annotations

import pytest

from tests.helpers import entries, log_size, value_row

PROBLEM = "application/problem+json"


def post_value(client, world, role="bureau_admin", bureau="b1", **row):
    return client.post(
        f"/api/v1/bureaus/{bureau}/values",
        json=value_row(**row),
        headers=world.headers(role, bureau),
    )


def test_record_value_appends_one_entry_and_updates_projection(client, world, platform):
    before = log_size(platform, "b1")
    r = post_value(client, world)
    assert r.status_code == 201, r.json
    assert (
        r.json["entries"][0]["seq"] == before and r.json["entries"][0]["kind"] == "value.recorded"
    )
    assert log_size(platform, "b1") == before + 1
    got = client.get("/api/v1/bureaus/b1/values?unit=u1", headers=world.headers("reviewer")).json
    assert got == [
        {
            "unit": "u1",
            "indicator": "i1",
            "cycle": "2026",
            "period": "2026-Q1",
            "value": "92.50",
            "seq": before,
            "review": "pending",
            "late": False,
        }
    ]
    body = entries(platform, "b1")[-1].body
    assert b'"value":"92.50"' in body and b'"actor":"user:b1-bureau_admin"' in body


def test_correction_is_a_new_entry_pointing_at_the_old(client, world, platform):
    first = post_value(client, world).json["entries"][0]["seq"]
    again = post_value(client, world, value="95")
    assert again.status_code == 409 and again.mimetype == PROBLEM
    assert again.json["errors"][0]["field"] == "corrects"
    fixed = post_value(client, world, value="95", corrects=first)
    assert fixed.status_code == 201
    seq = fixed.json["entries"][0]["seq"]
    stale = post_value(client, world, value="96", corrects=first)
    assert stale.status_code == 409
    stored = entries(platform, "b1")
    assert b'"value":"92.50"' in stored[first].body  # the old entry is untouched
    assert f'"corrects":{first}'.encode() in stored[seq].body
    got = client.get("/api/v1/bureaus/b1/values", headers=world.headers("reviewer")).json
    assert [(v["value"], v["seq"]) for v in got] == [("95", seq)]


@pytest.mark.parametrize(
    ("row", "field", "status"),
    [
        ({"value": "abc"}, "value", 422),
        ({"value": True}, "value", 422),
        ({"unit": "nope"}, "unit", 422),
        ({"indicator": "nope"}, "indicator", 422),
        ({"period": "2027-Q1"}, "period", 422),
        ({"cycle": "1999"}, "cycle", 422),
        ({"corrects": "x"}, "corrects", 422),
        ({"extra": 1}, "extra", 422),
    ],
)
def test_bad_values_get_a_problem_naming_the_field(client, world, platform, row, field, status):
    before = log_size(platform, "b1")
    r = post_value(client, world, **row)
    assert r.status_code == status and r.mimetype == PROBLEM, r.json
    assert r.json["status"] == status and r.json["title"]
    assert field in {e["field"] for e in r.json["errors"]}, r.json
    assert log_size(platform, "b1") == before


def test_missing_field_malformed_json_and_oversized_bodies(client, world, platform, app):
    before = log_size(platform, "b1")
    h = world.headers("bureau_admin")
    r = client.post("/api/v1/bureaus/b1/values", json={"unit": "u1"}, headers=h)
    assert r.status_code == 422 and {"indicator", "value"} <= {e["field"] for e in r.json["errors"]}
    r = client.post(
        "/api/v1/bureaus/b1/values", data="{not json", headers=h, content_type="application/json"
    )
    assert r.status_code == 400 and r.mimetype == PROBLEM
    big = {"rows": [value_row(note="x" * 1000)] * 9000}
    r = client.post("/api/v1/bureaus/b1/values/batch", json=big, headers=h)
    assert r.status_code == 413 and r.mimetype == PROBLEM
    assert log_size(platform, "b1") == before


def test_batch_is_all_or_nothing_and_names_rows(client, world, platform):
    before = log_size(platform, "b1")
    rows = [
        value_row(period="2026-Q1"),
        value_row(period="2026-Q2", value="x"),
        value_row(period="2026-Q3", unit="zz"),
        value_row(period="2026-Q1"),
    ]
    r = client.post(
        "/api/v1/bureaus/b1/values/batch",
        json={"rows": rows},
        headers=world.headers("bureau_admin"),
    )
    assert r.status_code == 422
    assert {(e["row"], e["field"]) for e in r.json["errors"]} == {
        (2, "value"),
        (3, "unit"),
        (4, "unit"),
    }
    assert log_size(platform, "b1") == before
    good = [value_row(period=f"2026-Q{q}", value=str(90 + q)) for q in (1, 2, 3, 4)]
    r = client.post(
        "/api/v1/bureaus/b1/values/batch",
        json={"rows": good},
        headers=world.headers("bureau_admin"),
    )
    assert r.status_code == 201 and len(r.json["entries"]) == 4
    assert log_size(platform, "b1") == before + 4


def test_schema_errors_in_batches_name_rows(client, world):
    rows = [value_row(), {**value_row(), "value": None}]
    r = client.post(
        "/api/v1/bureaus/b1/values/batch",
        json={"rows": rows},
        headers=world.headers("bureau_admin"),
    )
    assert r.status_code == 422
    assert any(e.get("row") == 2 and e["field"] == "value" for e in r.json["errors"]), r.json


def test_plugin_value_check_warns_without_blocking(client, world, platform):
    r = post_value(client, world, value="120")
    assert r.status_code == 201
    [warning] = r.json["warnings"]
    assert warning["check"] == "percentage-range"
    value_seq = r.json["entries"][0]["seq"]
    recorded = entries(platform, "b1")[warning["seq"]]  # on the record, not only in the reply
    assert recorded.kind == "warning.raised"
    assert f'"value_seq":{value_seq}'.encode() in recorded.body


def test_units_cycles_indicators(client, world):
    h = world.headers("bureau_admin")
    r = client.post(
        "/api/v1/bureaus/b1/units",
        headers=h,
        json={"code": "u9", "name": "档案馆", "parent": "u1", "group": "B"},
    )
    assert r.status_code == 201 and r.json["parent"] == "u1" and r.json["group"] == "B"
    r = client.post(
        "/api/v1/bureaus/b1/units",
        headers=h,
        json={"code": "u10", "name": "x", "parent": "missing"},
    )
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "parent"
    r = client.post(
        "/api/v1/bureaus/b1/cycles",
        headers=h,
        json={
            "code": "2027",
            "name": "2027年度",
            "start": "2027-01-01",
            "end": "2027-12-31",
            "periods": ["half", "month"],
        },
    )
    assert r.status_code == 201
    assert [p["code"] for p in r.json["periods"]][:3] == ["2027-H1", "2027-H2", "2027-01"]
    assert r.json["name"] == "2027年度"  # every cycle had been named "end" (a loop variable)
    listed = client.get("/api/v1/bureaus/b1/cycles", headers=h).json
    assert next(c["name"] for c in listed if c["code"] == "2027") == "2027年度"
    r = client.post(
        "/api/v1/bureaus/b1/cycles",
        headers=h,
        json={"code": "bad", "name": "x", "start": "2027-12-31", "end": "2027-01-01"},
    )
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "end"
    r = client.post(
        "/api/v1/bureaus/b1/indicators",
        headers=h,
        json={"code": "i9", "name": "满意度", "name_en": "Satisfaction", "measure": "%"},
    )
    assert r.status_code == 201
    codes = [i["code"] for i in client.get("/api/v1/bureaus/b1/indicators", headers=h).json]
    assert codes == ["i1", "i2", "i9"]


def test_openapi_and_docs_page(client):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    assert "/api/v1/bureaus/{code}/values" in spec["paths"]
    page = client.get("/api/docs")
    assert page.status_code == 200 and "/api/v1/bureaus/{code}/values" in page.text


def test_every_reference_in_the_openapi_document_resolves(client):
    """A client generator (or schemathesis) skips what a dangling $ref names: the
    batch body had pointed at a schema the document did not hold."""
    spec = client.get("/api/openapi.json").json

    def refs(node):
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    found = sorted(set(refs(spec)))
    assert "#/components/schemas/ValueBatchIn" in found
    dangling = []
    for ref in found:
        node = spec
        for part in ref.removeprefix("#/").split("/"):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            dangling.append(ref)
    assert dangling == []


def test_ledger_endpoints(client, world):
    h = world.headers("auditor")
    head = client.get("/api/v1/bureaus/b1/ledger", headers=h).json
    assert head["origin"] == "jixiao/b1" and head["size"] > 0
    first = client.get("/api/v1/bureaus/b1/ledger/entries?limit=2", headers=h).json
    assert [e["seq"] for e in first] == [0, 1] and '"kind":"bureau.created"' in first[0]["body"]
    proof = client.get("/api/v1/bureaus/b1/ledger/proof?seq=1", headers=h)
    assert proof.status_code == 200 and proof.json["tree_size"] >= 2
    verify = client.get("/api/v1/bureaus/b1/ledger/verify", headers=h).json
    assert verify["ok"] is True
    cons = client.get(f"/api/v1/bureaus/b1/ledger/consistency?from=1&to={head['size']}", headers=h)
    assert cons.status_code == 200 and cons.json["proof"]
    key = client.get("/api/v1/ledger/public-key")
    assert key.status_code == 200 and key.text.startswith("jixiao-test+")


def test_units_move_between_groups_on_the_record(client, world, platform):
    h = world.headers("bureau_admin")
    r = client.put("/api/v1/bureaus/b1/units/u3/group", json={"group": "A"}, headers=h)
    assert r.status_code == 200 and r.json["group"] == "A"
    last = entries(platform, "b1")[-1]
    assert last.kind == "unit.regrouped" and b'"previous":"B"' in last.body
    bad = client.put("/api/v1/bureaus/b1/units/u3/group", json={"group": "no group!"}, headers=h)
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "group"
    assert (
        client.put(
            "/api/v1/bureaus/b1/units/u3/group",
            json={"group": None},
            headers=world.headers("reviewer"),
        ).status_code
        == 403
    )
    from core.services import ledger
    from core.services.context import Context

    assert ledger.replay_check(Context.system(platform, "system:test")).ok


def test_a_batch_envelope_takes_rows_only_and_at_most_batch_max(client, world, platform):
    """A key the batch does not have (a "dry_run" a client hoped for) is refused, not
    ignored while the rows are written; a batch over the limit is one error, not one per
    row; and no answer lists more than ERRORS_SHOWN errors."""
    from core.api.problems import ERRORS_SHOWN
    from core.api.schemas import BATCH_MAX

    h = world.headers("bureau_admin")
    before = log_size(platform, "b1")
    path = "/api/v1/bureaus/b1/values/batch"
    r = client.post(path, json={"rows": [value_row()], "dry_run": True}, headers=h)
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "dry_run"
    row = {"unit": "u1", "indicator": "i1", "cycle": "2026", "period": "2026-Q1", "value": "x"}
    r = client.post(path, json=[row] * (BATCH_MAX + 1), headers=h)
    assert r.status_code == 422 and len(r.json["errors"]) == 1
    assert r.json["errors"][0]["field"] == "rows"
    r = client.post(path, json=[{"value": "1"}] * (ERRORS_SHOWN + 500), headers=h)
    assert r.status_code == 422 and len(r.json["errors"]) == ERRORS_SHOWN + 1
    assert "more errors not listed" in r.json["errors"][-1]["reason"]
    assert log_size(platform, "b1") == before


def test_withdrawing_a_value_withdrawn_meanwhile_is_a_409(client, world, platform):
    """The loser of two withdrawals of one value hears what the loser of two corrections
    hears (409: the value named is no longer current), not a 404."""
    h = world.headers("bureau_admin")
    r = client.post("/api/v1/bureaus/b1/values", json=value_row(), headers=h)
    assert r.status_code == 201, r.json
    seq = r.json["entries"][0]["seq"]
    target = {k: v for k, v in value_row().items() if k != "value"}
    body = {**target, "withdraws": seq, "reason": "录错了 (entered by mistake)"}
    first = client.post("/api/v1/bureaus/b1/values/withdraw", json=body, headers=h)
    assert first.status_code == 201, first.json
    size = log_size(platform, "b1")
    again = client.post("/api/v1/bureaus/b1/values/withdraw", json=body, headers=h)
    assert again.status_code == 409 and again.json["errors"][0]["field"] == "withdraws"
    assert log_size(platform, "b1") == size
