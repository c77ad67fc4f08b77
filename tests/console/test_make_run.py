"""`make run`: `jixiao init --demo` writes the demo users' passwords to the instance
folder (owner-only, never printed), and the server opens on the console's sign-in page
where those passwords work."""

from __future__ import annotations

import stat

from click.testing import CliRunner

from core.cli import main
from tests.console.conftest import csrf


def test_demo_passwords_are_written_not_printed_and_sign_in_works(instance):
    result = CliRunner().invoke(main, ["init", "--demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    path = instance / "demo-passwords.txt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = [line.split("\t") for line in path.read_text().splitlines() if "\t" in line]
    found = {who: password for who, password in lines}
    assert {"demo-admin@demo", "demo-reporter@demo", "demo-expert@demo"} <= set(found)
    for password in found.values():
        assert password not in result.output
    from core.app import create_app

    app = create_app()
    client = app.test_client()
    assert client.get("/").headers["Location"].startswith("/signin")
    page = client.get("/signin").get_data(as_text=True)
    assert "登录" in page and 'name="password"' in page
    answer = client.post("/signin", data={
        "csrf_token": csrf(client), "username": "demo-reporter@demo",
        "password": found["demo-reporter@demo"]})  # fmt: skip
    assert answer.status_code == 302
    assert client.get("/").headers["Location"] == "/bureaus/demo/"
    assert "政务服务中心" in client.get("/bureaus/demo/entry/").get_data(as_text=True)
    app.extensions["jixiao"].db.dispose()
