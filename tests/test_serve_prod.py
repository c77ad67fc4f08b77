"""``jixiao serve --prod``: gunicorn workers in front of the same app, started the way
an operator would after ``make install`` (the ``prod`` extra brings gunicorn; a probe
found it missing). The embedded SQLite instance keeps the test self-contained."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request

from tests.helpers import JIXIAO, ROOT, demo_instance, free_port


def _get(url: str, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as r:
        return r.status, r.read()


def test_serve_prod_runs_gunicorn_workers_that_answer(tmp_path):
    env = demo_instance(tmp_path / "inst")
    port = free_port()
    server = subprocess.Popen(
        [*JIXIAO, "serve", "--prod", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "2", "--threads", "2"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = _get(f"{base}/healthz")
                break
            except OSError as exc:
                if server.poll() is not None or time.monotonic() > deadline:
                    said = server.stdout.read() if server.poll() is not None else ""
                    raise AssertionError(f"not serving: {said}") from exc
                time.sleep(0.2)
        assert status == 200
        assert _get(f"{base}/readyz")[0] == 200
        token = (tmp_path / "inst" / "demo-token.txt").read_text().strip()
        me = json.loads(_get(f"{base}/api/v1/me", token)[1])
        assert me["username"] == "demo-admin"
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "Traceback" not in output, output[-2000:]
