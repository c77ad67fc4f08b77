"""JSON bodies are read strictly (issue 8, "JSON"): a key given twice is refused (the
standard library silently keeps the last), nesting thousands deep is a 400 (it used to
exhaust the recursion limit: a 500), and ``/values/batch`` reads the plain array
``values import`` reads, or says what it expects."""

from __future__ import annotations

import json

from tests.hardening.refusals import Unchanged, cli_refused, refused, said
from tests.helpers import value_row

B1 = "/api/v1/bureaus/b1"


def post_raw(client, headers, path: str, body: str | bytes):
    data = body.encode() if isinstance(body, str) else body
    return client.post(path, data=data, content_type="application/json", headers=headers)


def test_duplicate_keys_and_deep_nesting_are_refused(on_shared, tmp_path):
    client, admin = on_shared.client, on_shared.world.headers("bureau_admin")
    row = json.dumps(value_row(unit="u2", period="2026-Q4"))
    with Unchanged(on_shared.platform):
        twice = row[:-1] + ',"value":"10"}'
        problem = refused(post_raw(client, admin, f"{B1}/values", twice), 400, "body")
        assert "'value' appears twice" in said(problem)
        nested = '{"rows":[' + row[:-1] + ',"unit":"u2"}]}'
        problem = refused(post_raw(client, admin, f"{B1}/values/batch", nested), 400, "rows[0]")
        assert "'unit' appears twice" in said(problem)
        for deep in (
            "[" * 5000 + "]" * 5000,
            '{"a":' * 5000 + "1" + "}" * 5000,
            "[" * 40 + "]" * 40,
        ):
            problem = refused(post_raw(client, admin, f"{B1}/values", deep), 400)
            assert "nested more than" in said(problem)
        # the command line reads JSON files through the same reader
        path = tmp_path / "rows.json"
        path.write_text("[" + twice + "]", encoding="utf-8")
        out = cli_refused("values", "import", "--bureau", "b1", str(path))
        assert "'value' appears twice" in out
        path.write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
        assert "nested more than" in cli_refused("values", "import", "--bureau", "b1", str(path))


def test_a_plain_array_is_read_by_values_batch(on_shared):
    client, admin = on_shared.client, on_shared.world.headers("bureau_admin")
    with Unchanged(on_shared.platform):
        # the array is read as rows: its errors name the row, like {"rows": [...]}
        rows = [
            value_row(unit="u2", period="2026-Q4"),
            value_row(unit="u3", period="2026-Q4", value="x"),
        ]
        problem = refused(client.post(f"{B1}/values/batch", json=rows, headers=admin), 422)
        assert {(e.get("row"), e["field"]) for e in problem["errors"]} == {(2, "value")}
        # anything else is answered with the shape expected
        for body in ({"row": rows}, "rows", [], {"rows": []}, 42):
            problem = refused(client.post(f"{B1}/values/batch", json=body, headers=admin), 422,
                              "rows")  # fmt: skip
            assert '{"rows": [' in said(problem), body


def test_a_plain_array_is_recorded_by_values_batch(client, world, platform):
    rows = [value_row(period=f"2026-Q{q}", value=str(80 + q)) for q in (1, 2)]
    r = client.post(f"{B1}/values/batch", json=rows, headers=world.headers("bureau_admin"))
    assert r.status_code == 201, r.json
    assert len(r.json["entries"]) == 2


def test_a_body_that_is_not_json_is_415_not_missing_fields(on_shared):
    """JSON sent as text/plain, a form or no type at all: the endpoint reads JSON only,
    and says so (it answered "missing data for required field" for every field sent)."""
    client, admin = on_shared.client, on_shared.world.headers("bureau_admin")
    row = json.dumps(value_row(unit="u2", period="2026-Q4"))
    with Unchanged(on_shared.platform):
        for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
            headers = {**admin, **({"Content-Type": content_type} if content_type else {})}
            r = client.post(f"{B1}/values", data=row, headers=headers)
            assert r.status_code == 415, (content_type, r.json)
            assert r.mimetype == "application/problem+json"
            assert "application/json" in r.json["detail"]
        r = client.post(f"{B1}/values", data={"unit": "u2"}, headers=admin)  # a real form
        assert r.status_code == 415
        empty = client.post(f"{B1}/values", headers=admin)  # no body: the fields are missing
        assert empty.status_code == 422
