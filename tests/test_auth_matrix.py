"""Each role can do what it should and nothing else; no bureau reaches another's data."""

from __future__ import annotations

import itertools

import pytest

from core.domain.access import ROLES
from tests.helpers import log_size, value_row

_n = itertools.count()

# action → (method, path, body factory, roles allowed in their own bureau)
ACTIONS = {
    "read units": ("get", "/units", None, set(ROLES)),
    "read people": ("get", "/people", None, set(ROLES)),
    "create unit": (
        "post",
        "/units",
        lambda: {"code": f"x{next(_n)}", "name": "新单位"},
        {"platform_admin", "bureau_admin"},
    ),
    "create cycle": (
        "post",
        "/cycles",
        lambda: {
            "code": f"c{next(_n)}",
            "name": "周期",
            "start": "2027-01-01",
            "end": "2027-12-31",
        },
        {"platform_admin", "bureau_admin"},
    ),
    "create person": (
        "post",
        "/people",
        lambda: {"code": f"p{next(_n)}", "name": "张三"},
        {"platform_admin", "bureau_admin"},
    ),
    "create user": (
        "post",
        "/users",
        lambda: {"username": f"n{next(_n)}", "role": "expert"},
        {"platform_admin", "bureau_admin"},
    ),
    "record own unit": (
        "post",
        "/values",
        lambda: value_row(period=f"2026-Q{next(_n) % 4 + 1}", indicator=f"i{next(_n) % 2 + 1}"),
        {"platform_admin", "bureau_admin", "reporter"},
    ),
    "record other unit": (
        "post",
        "/values",
        lambda: value_row(unit="u3"),
        {"platform_admin", "bureau_admin"},
    ),
    "read values": (
        "get",
        "/values",
        None,
        {"platform_admin", "bureau_admin", "reporter", "reviewer", "auditor"},
    ),
    "read ledger": (
        "get",
        "/ledger/entries",
        None,
        {"platform_admin", "bureau_admin", "reviewer", "auditor"},
    ),
    "verify ledger": ("get", "/ledger/verify", None, {"platform_admin", "bureau_admin", "auditor"}),
    "checkpoint": ("post", "/ledger/checkpoints", None, {"platform_admin", "bureau_admin"}),
    "install plugin": ("delete", "/plugins/rules", None, {"platform_admin", "bureau_admin"}),
    "list webhooks": ("get", "/webhooks", None, {"platform_admin", "bureau_admin"}),
}


def call(client, headers, action, bureau="b1"):
    method, path, body, _ = ACTIONS[action]
    kwargs = {"headers": headers}
    if body is not None:
        kwargs["json"] = body()
    return getattr(client, method)(f"/api/v1/bureaus/{bureau}{path}", **kwargs)


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_in_own_bureau(client, world, role):
    for action, (_, _, _, allowed) in ACTIONS.items():
        r = call(client, world.headers(role), action)
        if role in allowed:
            assert r.status_code in (200, 201, 204), (role, action, r.json)
            if action == "install plugin":  # put it back for the next role
                client.put("/api/v1/bureaus/b1/plugins/rules", headers=world.headers(role))
        else:
            assert r.status_code == 403, (role, action, r.status_code, r.json)
            assert r.mimetype == "application/problem+json"


@pytest.mark.parametrize("role", ROLES[1:])
def test_no_bureau_reaches_another(client, world, platform, role):
    before = log_size(platform, "b1")
    for action in ACTIONS:
        r = call(client, world.headers(role, "b2"), action, bureau="b1")
        assert r.status_code == 404, (role, action, r.status_code)
    listed = client.get("/api/v1/bureaus", headers=world.headers(role, "b2")).json
    assert [b["code"] for b in listed] == ["b2"]
    assert log_size(platform, "b1") == before


def test_only_platform_admins_create_bureaus(client, world):
    body = {"code": "b3", "name": "新局"}
    assert (
        client.post("/api/v1/bureaus", json=body, headers=world.headers("bureau_admin")).status_code
        == 403
    )
    r = client.post("/api/v1/bureaus", json=body, headers=world.headers("platform_admin"))
    assert r.status_code == 201 and r.json["code"] == "b3"
    listed = client.get("/api/v1/bureaus", headers=world.headers("platform_admin")).json
    assert [b["code"] for b in listed] == ["b1", "b2", "b3"]


def test_missing_or_wrong_token_is_401(client, world):
    assert client.get("/api/v1/bureaus").status_code == 401
    r = client.get("/api/v1/bureaus", headers={"Authorization": "Bearer jx_wrong"})
    assert r.status_code == 401 and r.mimetype == "application/problem+json"
    me = client.get("/api/v1/me", headers=world.headers("reporter")).json
    assert me == {
        "username": "b1-reporter",
        "role": "reporter",
        "bureau": "b1",
        "actor": "user:b1-reporter",
    }


def test_tokens_are_stored_hashed(platform, world):
    from sqlalchemy import select

    from core.domain.models import ApiToken

    with platform.db.transaction() as s:
        stored = set(s.scalars(select(ApiToken.token_hash)))
    assert not set(world.tokens.values()) & stored
    assert all(len(h) == 64 for h in stored)
