"""Nobody reaches another bureau's pages, or another unit's, by typing the URL: the
console asks the same services with the signed-in user's principal (issue 12)."""

from __future__ import annotations

import pytest

from tests.console.conftest import set_passwords, signed_in

BUREAU_PAGES = [
    "/bureaus/{b}/",
    "/bureaus/{b}/rankings",
    "/bureaus/{b}/report/unit/u1",
    "/bureaus/{b}/notice/unit/u1.pdf",
    "/bureaus/{b}/entry/",
    "/bureaus/{b}/entry/u1",
    "/bureaus/{b}/review",
    "/bureaus/{b}/scoring/",
    "/bureaus/{b}/appeals/",
    "/bureaus/{b}/appeals/A00001",
    "/bureaus/{b}/ledger/",
    "/bureaus/{b}/ledger/proof/1",
    "/bureaus/{b}/ledger/bundle.zip",
    "/bureaus/{b}/plugins/",
    "/bureaus/{b}/webhooks/",
    "/bureaus/{b}/users/",
    "/bureaus/{b}/evidence/" + "0" * 64,
]


@pytest.mark.parametrize("role", ["bureau_admin", "reporter", "auditor"])
def test_a_user_of_one_bureau_cannot_open_another_bureaus_pages(app, world, role):
    set_passwords(app.extensions["jixiao"])
    client = signed_in(app, "b1", f"b1-{role}")
    for path in BUREAU_PAGES:
        answer = client.get(path.format(b="b2"))
        assert answer.status_code == 404, (path, answer.status_code)
        text = answer.get_data(as_text=True)
        assert "测试局b2" not in text and "b2-" not in text
    posted = client.post(
        "/bureaus/b2/users/",
        data={"username": "x", "role": "auditor"},
        headers={"X-CSRF-Token": _token(client)},
    )
    assert posted.status_code == 404


def _token(client) -> str:
    from tests.console.conftest import csrf

    return csrf(client, "/bureaus/b1/")


def test_a_reporter_cannot_open_another_units_pages(app, world):
    platform = app.extensions["jixiao"]
    set_passwords(platform)
    from core.services import values
    from tests.helpers import as_user, value_row

    # b1-reporter is assigned u1 only; u3 has a value of its own
    values.record(as_user(platform, "b1-bureau_admin"), "b1", [value_row(unit="u3")])
    client = signed_in(app, "b1", "b1-reporter")
    assert client.get("/bureaus/b1/entry/u1").status_code == 200
    for path in ["/bureaus/b1/entry/u3", "/bureaus/b1/report/unit/u3"]:
        assert client.get(path).status_code in (403, 404), path
    listing = client.get("/bureaus/b1/entry/").get_data(as_text=True)
    assert "u3" not in listing
    token = _token(client)
    refused = client.post(
        "/bureaus/b1/entry/u3?cycle=2026&period=2026-Q1",
        data={"csrf_token": token, "value-i1": "50"},
    )
    assert refused.status_code in (403, 404)


def test_pages_need_a_session(app, world):
    client = app.test_client()
    for path in BUREAU_PAGES:
        answer = client.get(path.format(b="b1"))
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/signin")
    assert client.get("/").headers["Location"].startswith("/signin")


def test_sign_in_never_redirects_to_another_site(app, world):
    set_passwords(app.extensions["jixiao"])
    from tests.console.conftest import csrf

    for target in (
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/\r\nSet-Cookie: a=b",  # a header injection: werkzeug had refused it with a 500
        "/x\ny",
    ):
        client = app.test_client()
        answer = client.post(
            "/signin",
            data={
                "csrf_token": csrf(client),
                "bureau": "b1",
                "username": "b1-auditor",
                "password": "correct horse battery staple",
                "next": target,
            },
        )
        assert answer.status_code == 302 and answer.headers["Location"] == "/", target


def test_the_language_switch_never_redirects_off_the_site(app, world):
    from tests.console.conftest import csrf

    client = app.test_client()
    for target in ("//evil.example/", "/\r\nSet-Cookie: a=b", "/ok"):
        answer = client.post(
            "/lang", data={"csrf_token": csrf(client), "lang": "en", "next": target}
        )
        assert answer.status_code == 302
        assert answer.headers["Location"] == ("/ok" if target == "/ok" else "/"), target
