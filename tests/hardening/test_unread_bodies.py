"""A body sent to an endpoint that reads none: invalid JSON or ``{"dry_run": true}``
sent to ``POST …/collection/reminders`` answered 201 and acted. Such a body must be
empty (nothing, ``{}``, ``[]``, ``null``); anything else is refused and nothing is done."""

from __future__ import annotations

from tests.hardening.refusals import Unchanged, refused

B1 = "/api/v1/bureaus/b1"


def test_a_body_where_none_is_read_is_refused(client, world, platform):
    admin = world.headers("bureau_admin")
    path = f"{B1}/ledger/checkpoints"
    with Unchanged(platform):
        bad = client.post(path, data="{not json", content_type="application/json", headers=admin)
        refused(bad, 400, "body")
        for body in ({"dry_run": True}, [1], "x"):
            refused(client.post(path, json=body, headers=admin), 422, "body")
        form = "application/x-www-form-urlencoded"
        r = client.post(path, data="dry_run=1", headers=admin, content_type=form)
        refused(r, 422, "body")
        refused(client.post(f"{B1}/collection/reminders", json={"x": 1}, headers=admin), 422)
    for body in ({}, [], None):
        r = client.post(path, json=body, headers=admin)
        assert r.status_code in (200, 201), (body, r.json)
    assert client.post(path, headers=admin).status_code in (200, 201)


def test_endpoints_reading_json_themselves_answer_as_the_others_do(client, world, platform):
    """A scheme, a batch, plugin settings: a body that is not JSON is 415 there too (it
    was 422), and an empty body typed application/json is no body (it was a 400 "not
    valid JSON" where the body is optional, and accepted where none is read)."""
    admin = world.headers("bureau_admin")
    with Unchanged(platform):
        for method, path in (
            ("post", f"{B1}/cycles/2026/schemes"),
            ("post", f"{B1}/values/batch"),
            ("put", f"{B1}/plugins/rules/settings"),
            ("post", f"{B1}/values"),
        ):
            r = getattr(client, method)(path, data="{}", content_type="text/plain", headers=admin)
            assert r.status_code == 415, (path, r.json)
        empty = client.post(f"{B1}/values", data="", content_type="application/json",
                            headers=admin)  # fmt: skip
        refused(empty, 422, "indicator")  # the fields are missing, not the JSON malformed
        template = client.post(f"{B1}/cycles/2026/templates/nope", json={"publish": True},
                               headers=admin)  # fmt: skip
        refused(template, 422, "body")  # a query-only endpoint reads no body
