"""Accounts: passwords, throttling and locks, session cookies, CSRF, sign-out, password
change and reset (issue 12)."""

from __future__ import annotations

from sqlalchemy import select

from core.services import sessions
from tests.console.conftest import PASSWORD, csrf, set_passwords, sign_in, signed_in


def _cookie_header(answer, name: str) -> str:
    found = [h for h in answer.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    assert found, f"no {name} cookie set"
    return found[-1]


def test_sign_in_opens_a_session_in_an_httponly_samesite_cookie(app, world):
    set_passwords(app.extensions["jixiao"])
    client = app.test_client()
    answer = sign_in(client, "b1", "b1-reviewer")
    assert answer.status_code == 302
    cookie = _cookie_header(answer, "jixiao_session")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = client.get("/bureaus/b1/")
    assert page.status_code == 200 and "b1-reviewer" in page.get_data(as_text=True)


def test_the_cookie_is_secure_over_https(app, world):
    set_passwords(app.extensions["jixiao"])
    client = app.test_client()
    token = csrf(client)
    answer = client.post(
        "/signin",
        data={"csrf_token": token, "bureau": "b1", "username": "b1-reviewer", "password": PASSWORD},
        base_url="https://localhost",
    )
    assert "Secure" in _cookie_header(answer, "jixiao_session")


def test_user_at_bureau_in_the_username_field(app, world):
    set_passwords(app.extensions["jixiao"])
    client = app.test_client()
    answer = sign_in(client, "", "b2-auditor@b2")
    assert answer.status_code == 302
    assert client.get("/bureaus/b2/ledger/").status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_answer(app, world):
    set_passwords(app.extensions["jixiao"])
    wrong = sign_in(app.test_client(), "b1", "b1-reviewer", "not the password at all")
    unknown = sign_in(app.test_client(), "b1", "nobody-here", "not the password at all")
    other_bureau = sign_in(app.test_client(), "b9", "b1-reviewer", PASSWORD)
    assert wrong.status_code == unknown.status_code == other_bureau.status_code == 401
    text = wrong.get_data(as_text=True)
    assert "jixiao_session" not in "".join(wrong.headers.getlist("Set-Cookie"))
    assert text.count("flash error") == unknown.get_data(as_text=True).count("flash error") == 1


def test_the_account_locks_after_repeated_failures_and_a_reset_unlocks_it(app, world):
    platform = app.extensions["jixiao"]
    set_passwords(platform)
    for _ in range(sessions.MAX_FAILURES):
        assert sign_in(app.test_client(), "b1", "b1-expert", "guess guess guess").status_code == 401
    # locked: even the right password is refused now, from any address
    locked = sign_in(app.test_client(), "b1", "b1-expert", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert locked.status_code == 401
    assert "locked" in locked.get_data(as_text=True) or "锁定" in locked.get_data(as_text=True)
    admin = signed_in(app, "b1", "b1-bureau_admin")
    token = csrf(admin, "/bureaus/b1/users/")
    reset = admin.post(
        "/bureaus/b1/users/b1-expert/password",
        data={"csrf_token": token, "password": "a brand new passphrase"},
    )
    assert reset.status_code == 200
    again = sign_in(app.test_client(), "b1", "b1-expert", "a brand new passphrase")
    assert again.status_code == 302
    # a reset password must be changed before anything else
    client = app.test_client()
    sign_in(client, "b1", "b1-expert", "a brand new passphrase")
    assert client.get("/bureaus/b1/scoring/").headers["Location"].endswith("/account/password")


def test_one_address_is_throttled_across_accounts(app, world):
    set_passwords(app.extensions["jixiao"])
    here = {"REMOTE_ADDR": "192.0.2.7"}
    for n in range(sessions.ADDRESS_LIMIT):
        user = f"b1-{['reviewer', 'expert', 'auditor', 'reporter'][n % 4]}"
        sign_in(app.test_client(), "b1", user, f"wrong password {n}", environ_base=here)
    throttled = sign_in(app.test_client(), "b2", "b2-reviewer", environ_base=here)
    assert throttled.status_code == 429
    elsewhere = sign_in(
        app.test_client(), "b2", "b2-reviewer", environ_base={"REMOTE_ADDR": "192.0.2.8"}
    )
    assert elsewhere.status_code == 302


def test_sign_out_ends_the_session(app, world):
    set_passwords(app.extensions["jixiao"])
    client = signed_in(app, "b1", "b1-auditor")
    cookie = client.get_cookie("jixiao_session").value
    out = client.post("/signout", data={"csrf_token": csrf(client, "/bureaus/b1/")})
    assert out.status_code == 302
    replay = app.test_client()
    replay.set_cookie("jixiao_session", cookie)
    assert replay.get("/bureaus/b1/ledger/").headers["Location"].startswith("/signin")


def test_password_change_needs_the_current_one_and_ends_other_sessions(app, world):
    platform = app.extensions["jixiao"]
    set_passwords(platform)
    other = signed_in(app, "b1", "b1-reviewer")
    client = signed_in(app, "b1", "b1-reviewer")
    token = csrf(client, "/account/password")
    bad = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current": "wrong",
            "password": "another good phrase",
            "password_again": "another good phrase",
        },
    )
    assert bad.status_code == 422
    good = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current": PASSWORD,
            "password": "another good phrase",
            "password_again": "another good phrase",
        },
    )
    assert good.status_code == 302
    assert client.get("/bureaus/b1/review").status_code == 200  # this browser stays in
    assert other.get("/bureaus/b1/review").status_code == 302  # the other one is out
    assert sign_in(app.test_client(), "b1", "b1-reviewer", PASSWORD).status_code == 401
    from tests.helpers import entries

    kinds = [(e.kind, e.body) for e in entries(platform, "b1") if e.kind == "user.updated"]
    assert kinds and b'"password_reset":false' in kinds[-1][1]


def test_forms_without_the_csrf_token_are_refused(app, world):
    platform = app.extensions["jixiao"]
    set_passwords(platform)
    from tests.helpers import log_size

    anonymous = app.test_client()
    anonymous.get("/signin")
    refused = anonymous.post(
        "/signin", data={"bureau": "b1", "username": "b1-reviewer", "password": PASSWORD}
    )
    assert refused.status_code == 400
    admin = signed_in(app, "b1", "b1-bureau_admin")
    before = log_size(platform, "b1")
    for path, data in [
        ("/bureaus/b1/users/", {"username": "mallory", "role": "bureau_admin"}),
        ("/bureaus/b1/users/b1-reviewer/password", {"password": "chosen by attacker"}),
        ("/bureaus/b1/plugins/uninstall", {"name": "rules"}),
        ("/signout", {}),
    ]:
        assert admin.post(path, data=data).status_code == 400, path
        forged = {**data, "csrf_token": "0" * 64}
        assert admin.post(path, data=forged).status_code == 400, path
    assert log_size(platform, "b1") == before
    # the token of another session does not pass either
    other = signed_in(app, "b1", "b1-bureau_admin")
    stolen = csrf(other, "/bureaus/b1/users/")
    answer = admin.post(
        "/bureaus/b1/users/",
        data={"csrf_token": stolen, "username": "mallory", "role": "bureau_admin"},
    )
    assert answer.status_code == 400


def test_every_grant_change_is_on_the_record(app, world):
    platform = app.extensions["jixiao"]
    set_passwords(platform)
    admin = signed_in(app, "b1", "b1-bureau_admin")
    token = csrf(admin, "/bureaus/b1/users/")
    made = admin.post(
        "/bureaus/b1/users/",
        data={
            "csrf_token": token,
            "username": "clerk2",
            "name": "张三",
            "role": "reporter",
            "units": ["u2"],
            "password": "initial passphrase",
        },
    )
    assert made.status_code == 200 and "clerk2" in made.get_data(as_text=True)
    moved = admin.post(
        "/bureaus/b1/users/clerk2/grant",
        data={"csrf_token": token, "role": "reporter", "units": ["u1", "u2"]},
    )
    assert moved.status_code == 200
    issued = admin.post("/bureaus/b1/users/clerk2/tokens", data={"csrf_token": token, "label": "x"})
    assert "jx_" in issued.get_data(as_text=True)
    from core.domain.models import ApiToken, User

    with platform.db.transaction() as session:
        user = session.scalar(select(User).where(User.username == "clerk2"))
        row = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    revoked = admin.post(
        f"/bureaus/b1/users/clerk2/tokens/{row.id}/revoke", data={"csrf_token": token}
    )
    assert revoked.status_code == 200
    from tests.helpers import entries

    kinds = [e.kind for e in entries(platform, "b1")][-4:]
    assert kinds == ["user.created", "user.updated", "token.created", "token.revoked"]
    clerk = app.test_client()
    sign_in(clerk, "b1", "clerk2", "initial passphrase")
    assert clerk.get("/bureaus/b1/entry/").headers["Location"].endswith("/account/password")
