"""The `jixiao` command line, end to end, and the served app over real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from core.cli import main
from tests.conftest import ON_POSTGRES
from tests.helpers import JIXIAO, demo_instance, free_port

ROOT = Path(__file__).parents[1]


def cli(*args: str, ok: bool = True):
    result = CliRunner().invoke(main, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_init_from_nothing_is_idempotent(tmp_path, monkeypatch):
    monkeypatch.setenv("JIXIAO_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.delenv("JIXIAO_DATABASE_URL", raising=False)
    first = cli("init", "--demo")
    assert "demo bureau demo created" in first.output
    assert (tmp_path / "inst" / "jixiao.sqlite3").exists()
    assert (tmp_path / "inst" / "demo-token.txt").read_text().startswith("jx_")
    second = cli("init", "--demo")
    assert "already exists" in second.output
    bureaus = json.loads(cli("bureaus", "list", "--json").output)
    assert [b["code"] for b in bureaus] == ["demo"] and bureaus[0]["entries"] >= 40
    assert cli("ledger", "verify").exit_code == 0
    assert "match a rebuild" in cli("ledger", "replay", "--check").output
    results = json.loads(
        cli("results", "compute", "--bureau", "demo", "--cycle", "2026", "--json").output
    )
    assert len(results) == 6 and all(r["grade"] for r in results)
    assert {r["scheme"] for r in results} == {"five-dimension", "service-institutions"}


def test_empty_platform_init(instance):
    out = cli("init").output
    assert "ledger verifier key: jixiao-test+" in out
    assert json.loads(cli("bureaus", "list", "--json").output) == []


def test_organisation_commands(instance):
    cli("init")
    cli("bureaus", "create", "tax", "税务局", "--name-en", "Tax Bureau")
    cli("units", "create", "--bureau", "tax", "collect", "征收科", "--group", "A")
    cli("units", "create", "--bureau", "tax", "hall", "办税服务厅", "--parent", "collect")
    assert "now in group B" in cli("units", "regroup", "--bureau", "tax", "hall", "B").output
    units = json.loads(cli("units", "list", "--bureau", "tax", "--json").output)
    assert [(u["code"], u["parent"], u["group"]) for u in units] == [
        ("collect", None, "A"),
        ("hall", "collect", "B"),
    ]
    cli(
        "cycles",
        "create",
        "--bureau",
        "tax",
        "2026",
        "2026年度",
        "--start",
        "2026-01-01",
        "--end",
        "2026-12-31",
        "--periods",
        "month,quarter",
    )
    cycles = json.loads(cli("cycles", "list", "--bureau", "tax", "--json").output)
    assert len(cycles[0]["periods"]) == 16
    cli("indicators", "create", "--bureau", "tax", "arrears", "欠税清缴率", "--measure", "%")
    cli(
        "values",
        "record",
        "--bureau",
        "tax",
        "--unit",
        "hall",
        "--indicator",
        "arrears",
        "--cycle",
        "2026",
        "--period",
        "2026-03",
        "97.5",
    )
    values = json.loads(cli("values", "list", "--bureau", "tax", "--json").output)
    assert values[0]["value"] == "97.5"
    listed = cli("values", "list", "--bureau", "tax", "--unit", "hall", "--indicator", "arrears",
                 "--json")  # fmt: skip
    assert json.loads(listed.output) == values
    other = cli("values", "list", "--bureau", "tax", "--unit", "nosuch", "--json")
    assert json.loads(other.output) == []
    people = cli(
        "people",
        "create",
        "--bureau",
        "tax",
        "p1",
        "赵六",
        "--unit",
        "hall",
        "--phone",
        "13800000000",
    )
    assert "created person" in people.output
    cli("users", "create", "clerk", "--role", "reporter", "--bureau", "tax", "--unit", "hall")
    token = cli("tokens", "create", "clerk", "--bureau", "tax").output.strip()
    assert token.startswith("jx_")
    assert json.loads(cli("bureaus", "list", "--json").output)[0]["code"] == "tax"


def test_cli_errors_name_row_and_field_and_write_nothing(instance, tmp_path):
    cli("init")
    cli("bureaus", "create", "tax", "税务局")
    cli("units", "create", "--bureau", "tax", "hall", "办税服务厅")
    cli("indicators", "create", "--bureau", "tax", "arrears", "欠税清缴率")
    cli(
        "cycles",
        "create",
        "--bureau",
        "tax",
        "2026",
        "2026",
        "--start",
        "2026-01-01",
        "--end",
        "2026-12-31",
    )
    rows = [
        {
            "unit": "hall",
            "indicator": "arrears",
            "cycle": "2026",
            "period": "2026-Q1",
            "value": "90",
        },
        {
            "unit": "hall",
            "indicator": "arrears",
            "cycle": "2026",
            "period": "2026-Q9",
            "value": "91",
        },
    ]
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(rows))
    before = json.loads(cli("bureaus", "list", "--json").output)[0]["entries"]
    bad = cli("values", "import", "--bureau", "tax", str(path), ok=False)
    assert bad.exit_code == 1
    assert "row 2, period: 周期 2026 没有期间 '2026-Q9' (not a period of the cycle" in bad.output
    assert json.loads(cli("bureaus", "list", "--json").output)[0]["entries"] == before
    dup = cli("bureaus", "create", "tax", "again", ok=False)
    assert dup.exit_code == 1 and "code: 已存在 (already exists)" in dup.output
    for args in (("bureaus", "create", "TAX", "again"), ("units", "create", "--bureau", "tax",
                 "HALL", "again")):  # fmt: skip
        cased = cli(*args, ok=False)
        assert cased.exit_code == 1 and "only in case" in cased.output, cased.output
    assert json.loads(cli("bureaus", "list", "--json").output)[0]["entries"] == before
    missing = cli("units", "list", "--bureau", "nope", ok=False)
    assert missing.exit_code == 1 and "no bureau 'nope'" in missing.output


def test_replay_detects_a_projection_that_drifted(instance, platform, world):
    assert "match a rebuild" in cli("ledger", "replay", "--check").output
    with platform.db.engine.begin() as conn:
        conn.execute(text("UPDATE units SET name = 'tampered' WHERE code = 'u1'"))
    result = cli("ledger", "replay", "--check", "--json", ok=False)
    assert result.exit_code == 1
    diff = json.loads(result.output)["differences"]["units"]
    assert any("tampered" in row for row in diff["not_in_ledger"])


def test_checkpoint_and_proof_commands(instance, world):
    out = json.loads(cli("ledger", "checkpoint", "--json").output)
    assert {r["origin"] for r in out} == {"jixiao/b1", "jixiao/b2"}
    assert "nothing new" in cli("ledger", "checkpoint").output
    proof = json.loads(cli("ledger", "proof", "--bureau", "b1", "--seq", "0").output)
    assert proof["seq"] == 0 and '"kind":"bureau.created"' in proof["body"]


@pytest.mark.skipif(ON_POSTGRES, reason="the embedded SQLite path is what `make run` serves")
def test_make_run_path_serves_the_demo_over_http(tmp_path):
    env = demo_instance(tmp_path / "inst", JIXIAO_WEBHOOK_ALLOW="127.0.0.1")
    port = free_port()
    server = subprocess.Popen(
        [*JIXIAO, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = [server.stdout.readline() for _ in range(3)]
        token = (tmp_path / "inst" / "demo-token.txt").read_text().strip()
        assert not any(token in line for line in banner)  # never printed into logs
        assert any("demo-token.txt" in line for line in banner)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                req = urllib.request.Request(
                    f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                )
                me = json.load(urllib.request.urlopen(req, timeout=5))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert me["username"] == "demo-admin" and me["bureau"] == "demo"
        req = urllib.request.Request(
            f"{base}/api/v1/bureaus/demo/values", headers={"Authorization": f"Bearer {token}"}
        )
        assert len(json.load(urllib.request.urlopen(req, timeout=5))) >= 30
        docs = urllib.request.urlopen(f"{base}/api/docs", timeout=5).read().decode()
        assert "/api/v1/bureaus/{code}/values" in docs
        _webhook_through_the_served_app(base, token)
        # a service manager's SIGTERM ends it as Ctrl-C does: connections closed, so
        # SQLite folded its write-ahead log back into the database file
        server.terminate()
        assert server.wait(timeout=30) == 0
        assert sorted((tmp_path / "inst").glob("*-wal")) == []
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=30)


def test_an_unreachable_database_is_a_message_not_a_traceback(tmp_path):
    env = {
        **os.environ,
        "JIXIAO_INSTANCE_PATH": str(tmp_path / "inst"),
        "JIXIAO_DATABASE_URL": f"sqlite:///{tmp_path / 'jixiao.db'}",
    }
    subprocess.run([*JIXIAO, "init"], env=env, cwd=ROOT, capture_output=True, check=True)
    env["JIXIAO_DATABASE_URL"] = f"sqlite:///{tmp_path / 'no' / 'such' / 'folder.db'}"
    done = subprocess.run(
        [*JIXIAO, "bureaus", "list"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "无法连接数据库 (cannot connect to the database" in done.stderr
    assert "Traceback" not in done.stderr


def test_tables_align_chinese_names(instance, world):
    from core.cli.common import cells

    lines = cli("units", "list", "--bureau", "b1").output.splitlines()
    # Names of different lengths (办公室, 服务中心): the group column must still line up.
    starts = {cells(line[: line.rindex(" ") + 1]) for line in lines}
    assert len(lines) == 4 and len(starts) == 1, lines


def test_commands_before_init_say_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("JIXIAO_INSTANCE_PATH", str(tmp_path / "fresh"))
    monkeypatch.delenv("JIXIAO_DATABASE_URL", raising=False)
    result = cli("bureaus", "list", ok=False)
    assert result.exit_code == 1 and "run `jixiao init`" in result.output
    result = cli("ledger", "public-key", ok=False)
    assert result.exit_code == 1 and "run `jixiao init`" in result.output


def _post(url: str, token: str, body: dict) -> dict:
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        return json.load(urllib.request.urlopen(req, timeout=10))
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"{url}: {exc.code} {exc.read().decode()}") from exc


def _webhook_through_the_served_app(base: str, token: str) -> None:
    """The in-process delivery thread of `jixiao serve` delivers a recorded value."""
    from standardwebhooks.webhooks import Webhook

    from tests.webhooks.conftest import start_receiver

    receiver = start_receiver()
    try:
        hook = _post(
            f"{base}/api/v1/bureaus/demo/webhooks",
            token,
            {"url": receiver.url, "events": ["value.recorded"]},
        )
        _post(
            f"{base}/api/v1/bureaus/demo/values",
            token,
            {
                "unit": "law",
                "indicator": "efficiency",
                "cycle": "2026",
                "period": "2026-Q4",
                "value": "77.7",
            },
        )
        deadline = time.monotonic() + 30
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        [req] = receiver.requests
        event = Webhook(hook["secret"]).verify(req.body, req.headers)
        assert event["data"]["value"] == "77.7" and event["data"]["unit"] == "law"
    finally:
        receiver.server.shutdown()


def test_make_run_takes_a_port():
    """`make run PORT=5050` serves on that port (a dry run shows the command)."""
    root = Path(__file__).resolve().parents[1]
    plan = subprocess.run(
        ["make", "-n", "-C", str(root), "run", "PORT=5050", "HOST=127.0.0.1"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "jixiao serve --host 127.0.0.1 --port 5050" in plan
