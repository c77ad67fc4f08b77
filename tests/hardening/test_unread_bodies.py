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
