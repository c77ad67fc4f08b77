"""The Office.js task pane and custom functions, in headless Chromium against a stub
Excel host (no Excel runs here), talking to the real app over HTTP."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from core.services import results
from tests.excel.conftest import EVIDENCE, current_values

CHROMIUM = "/usr/bin/chromium"
STUB = (Path(__file__).parent / "office_stub.js").read_text(encoding="utf-8")
SHEET = "u1 办公室"


@pytest.fixture
def server(app):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    http = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    http.shutdown()


@pytest.fixture
def page(server):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium") and not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        page.route("**/excel/office.js", lambda route: route.fulfill(
            status=200, content_type="text/javascript", body=STUB))  # fmt: skip
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{server}/excel/taskpane.html")
        yield page
        browser.close()
        assert not errors, errors


def _status(page, text: str) -> str:
    page.wait_for_function(
        "t => document.getElementById('status').textContent.includes(t) || "
        "document.getElementById('status').className === 'error'",
        arg=text,
    )
    return page.inner_text("#status")


def test_pane_signs_in_gets_the_form_submits_and_marks(entry, page, platform):
    token = entry.world.tokens[("b1", "reporter")]
    page.fill("#bureau", "b1")
    page.fill("#token", token)
    page.click("#save")
    assert page.evaluate("localStorage.getItem('jixiao.token')") == token
    page.fill("#cycle", "2026")
    page.fill("#period", "2026-Q1")
    page.fill("#unit", "u1")
    page.click("#form")
    assert "form laid out" in _status(page, "form laid out")
    cell = lambda address: page.evaluate("([s, a]) => __cell(s, a)", [SHEET, address])  # noqa: E731
    assert cell("A5")["value"] == "i1" and cell("F4")["value"] == "本期值 (Value)"
    assert cell("F5")["colour"] == "#FFF2CC"
    assert page.evaluate("__book.sheets[__book.active].name") == SHEET
    assert page.evaluate("__book.sheets[1].frozen") == "C5"
    # a wrong value: refused, marked in red with a note, nothing recorded
    for address, value in (("F5", 92.5), ("F6", "abc"), ("H6", EVIDENCE), ("F7", "优")):
        page.evaluate("([s, a, v]) => __type(s, a, v)", [SHEET, address, value])
    page.click("#submit")
    _status(page, "submitted")
    assert cell("J6")["value"].startswith("✗") and cell("F6")["colour"] == "#FFC7CE"
    assert "不是有效数字" in cell("F6")["note"]
    assert ("u1", "i1", "2026-Q1") not in current_values(platform)
    page.evaluate("([s, a, v]) => __type(s, a, v)", [SHEET, "F6", 3])
    page.click("#submit")
    _status(page, "submitted")
    assert cell("J6")["value"] == "✓ 已记录 (recorded)" and cell("F6")["colour"] == "#C6EFCE"
    assert current_values(platform)[("u1", "i2", "2026-Q1")] == "3"
    # custom functions read the figures back, scoped by the token
    stored = results.subject_result(entry.admin(), "b1", "2026", "u1")
    assert page.evaluate("jixiaoFunctions.SCORE('u1', '2026')") == float(Decimal(stored["total"]))
    assert page.evaluate("jixiaoFunctions.RANK('u1', '2026')") == stored["rank"]
    assert page.evaluate("jixiaoFunctions.VALUE('u1', 'i1', '2026-Q1')") == 92.5
    assert page.evaluate("jixiaoFunctions.VALUE('u1', 'i3', '2026-Q1')") == "优"
    ranking = page.evaluate("jixiaoFunctions.RANKING('2026', 'A')")
    assert ranking[0][0] == "名次 (Rank)" and [r[1] for r in ranking[1:]] == ["u1"]  # own unit only
    denied = page.evaluate("jixiaoFunctions.SCORE('u2', '2026').catch(e => 'error: ' + e.message)")
    assert denied.startswith("error:")


def test_pane_shows_refusals(entry, page):
    page.click("#form")
    assert "sign in" in page.inner_text("#status")
    page.fill("#bureau", "b1")
    page.fill("#token", entry.world.tokens[("b1", "reporter")])
    page.click("#save")
    page.fill("#cycle", "2026")
    page.fill("#period", "2026-Q1")
    page.fill("#unit", "u2")
    page.click("#form")
    page.wait_for_function("document.getElementById('status').className === 'error'")


def test_manifest_and_files_are_served(client, entry):
    manifest = client.get("/excel/manifest.xml", base_url="https://jixiao.example.gov.cn")
    assert manifest.status_code == 200 and manifest.mimetype == "application/xml"
    text = manifest.get_data(as_text=True)
    assert "https://jixiao.example.gov.cn/excel/taskpane.html" in text and "{BASE}" not in text
    assert "CustomFunctions" in text and "JIXIAO" in text
    for name in ("taskpane.html", "taskpane.js", "functions.js", "functions.json", "icon-32.png"):
        assert client.get(f"/excel/{name}").status_code == 200
    assert "appsforoffice" not in client.get("/excel/taskpane.html").get_data(as_text=True)
    assert client.get("/excel/office.js").status_code == 404  # until the admin installs it
    assert client.get("/excel/../setup.cfg").status_code == 404
    functions = client.get("/excel/functions.json").json["functions"]
    assert {f["id"] for f in functions} == {"SCORE", "RANK", "GRADE", "VALUE", "RANKING"}
