"""A platform admin's way into the console: ``jixiao users password USERNAME``.

``jixiao users create padmin --role platform_admin`` printed no password, and no command
or endpoint set one, so a platform admin could never sign in to the console (bureau
users get one through their bureau admin's reset). The operator now prints a one-time
password through the same reset, which the first sign-in must replace.
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from core.cli import main
from core.services import sessions
from tests.console.conftest import csrf, quick_hashes, sign_in  # noqa: F401
from tests.helpers import entries, log_size

NEW = "a passphrase of my own choosing"


def cli(*args: str, code: int = 0):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


def one_time_password(username: str, *bureau: str) -> str:
    """The password ``jixiao users password`` prints, alone on its last line."""
    out = cli("users", "password", username, *bureau).output
    assert "一次性密码" in out and "one-time password" in out
    return out.strip().splitlines()[-1]


def test_the_printed_password_signs_in_and_must_be_changed(app, instance):
    created = cli("users", "create", "padmin", "--role", "platform_admin").output
    assert "jixiao users password padmin" in created  # the way to a password is named
    password = one_time_password("padmin")

    client = app.test_client()
    assert sign_in(client, "", "padmin", password).status_code == 302
    # nothing but the password change until it is changed
    assert client.get("/").headers["Location"].endswith("/account/password")
    changed = client.post(
        "/account/password",
        data={
            "csrf_token": csrf(client, "/account/password"),
            "current": password,
            "password": NEW,
            "password_again": NEW,
        },
    )
    assert changed.status_code == 302
    assert client.get("/").status_code == 200  # the platform admin's bureau list
    assert sign_in(app.test_client(), "", "padmin", password).status_code == 401
    assert sign_in(app.test_client(), "", "padmin", NEW).status_code == 302


def test_a_new_password_ends_sessions_and_unlocks_the_account(app, instance):
    cli("users", "create", "padmin", "--role", "platform_admin")
    first = one_time_password("padmin")
    earlier = app.test_client()
    sign_in(earlier, "", "padmin", first)
    for _ in range(sessions.MAX_FAILURES):
        assert sign_in(app.test_client(), "", "padmin", "guess guess guess").status_code == 401
    assert sign_in(app.test_client(), "", "padmin", first).status_code == 401  # locked

    second = one_time_password("padmin")
    assert second != first
    assert earlier.get("/account/password").headers["Location"].startswith("/signin")
    assert sign_in(app.test_client(), "", "padmin", second).status_code == 302


def test_json_for_scripts_and_bureau_users_with_bureau(app, world, instance):
    done = json.loads(cli("users", "password", "root", "--json").output)
    assert done["username"] == "root" and done["must_change"] is True
    assert sign_in(app.test_client(), "", "root", done["password"]).status_code == 302

    platform = app.extensions["jixiao"]
    password = one_time_password("b1-reviewer", "--bureau", "b1")
    assert sign_in(app.test_client(), "b1", "b1-reviewer", password).status_code == 302
    reset = [e.body for e in entries(platform, "b1") if e.kind == "user.updated"]
    assert reset and b'"password_reset":true' in reset[-1]


def test_refusals_exit_1_and_change_nothing(app, world, instance, system):
    platform = app.extensions["jixiao"]
    before = log_size(platform, "b1")
    unknown = cli("users", "password", "nobody", code=1).output
    assert "没有用户 'nobody' (no user 'nobody')" in unknown
    # a bureau user is not a platform admin: without --bureau there is no such user
    assert "no user 'b1-reviewer'" in cli("users", "password", "b1-reviewer", code=1).output
    assert "no bureau 'nope'" in cli("users", "password", "x", "--bureau", "nope", code=1).output
    # a bureau admin may not reset a platform admin's password
    refused = cli("--as", "b1-bureau_admin@b1", "users", "password", "root", code=1).output
    assert "只有平台管理员" in refused and "only a platform admin" in refused
    # another bureau's admin does not even see b1
    other = cli("--as", "b2-bureau_admin@b2", "users", "password", "b1-reviewer", "--bureau", "b1",
                code=1).output  # fmt: skip
    assert "no bureau 'b1'" in other
    assert log_size(platform, "b1") == before
    untouched = {"password": False, "must_change": False, "locked": False, "sessions": 0}
    assert sessions.account_state(system, "b1")["b1-reviewer"] == untouched
