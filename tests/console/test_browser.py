"""One quarter walked in a real browser (Debian's Chromium driven by Playwright), as each
person would: the office opens collection; a clerk enters and uploads evidence; a
reviewer flags and decides; an expert scores; the office reads the results and prints
the publication; a unit appeals and the reviewer corrects within the deadline; an
auditor verifies the ledger and downloads the bundle.

Screenshots of every page (1366×768) and the PDFs' pages (pdftoppm) are saved under
``tests/artifacts/console/`` (git-ignored) for a person to look at. With
``JIXIAO_DOC_SCREENSHOTS=1`` the overview is also saved as ``docs/img/console.png``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import threading
import zlib
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.console.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts" / "console"

pytestmark = pytest.mark.slow


def _playwright():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed")
    return sync_playwright, expect


@pytest.fixture
def live(app, demo):
    """The app served on a free loopback port, in a thread, for the browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def _png(width: int, height: int) -> bytes:
    """A small real PNG (a scanned receipt stands in for evidence)."""
    raw = b"".join(b"\x00" + bytes([200, 40, 30]) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class Walk:
    """A browser with one page; shots are numbered in the order taken."""

    def __init__(self, browser, base: str) -> None:
        self.browser = browser
        self.base = base
        self.count = 0
        self.context = None
        self.page = None

    def as_user(self, username: str, keyboard: bool = False) -> None:
        if self.context is not None:
            self.context.close()
        self.context = self.browser.new_context(
            viewport={"width": 1366, "height": 768}, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.page.goto(self.base + "/signin")
        if keyboard:
            # keyboard only: the username field has the focus when the page opens;
            # Shift+Tab and Tab move through the labelled fields, Enter submits
            self.page.wait_for_function("document.activeElement.name === 'username'")
            self.page.keyboard.press("Shift+Tab")
            self.page.keyboard.type("demo")
            self.page.keyboard.press("Tab")
            self.page.keyboard.type(username)
            self.page.keyboard.press("Tab")
            self.page.keyboard.type(PASSWORD)
            self.page.keyboard.press("Enter")
        else:
            self.page.get_by_label("局代码").fill("demo")
            self.page.get_by_label("用户名").fill(username)
            self.page.get_by_label("密码").fill(PASSWORD)
            self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_url("**/bureaus/demo/")

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def shot(self, name: str) -> Path:
        self.count += 1
        path = ARTIFACTS / f"{self.count:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.check_page()
        return path

    def check_page(self) -> None:
        """Usable at 1366×768 (no sideways scrolling) and every control labelled."""
        page = self.page
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1366, f"{page.url} scrolls sideways ({width}px)"
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                .map(e => e.name || e.id)"""
        )
        assert not unlabelled, f"{page.url}: controls without a label: {unlabelled}"
        assert "浏览器" not in page.title()

    def fetch(self, path: str, name: str) -> bytes:
        """A document with the session's cookies; its PDF pages as pictures."""
        answer = self.context.request.get(self.base + path)
        assert answer.ok, (path, answer.status)
        content = answer.body()
        self.count += 1
        target = ARTIFACTS / f"{self.count:02d}-{name}.pdf"
        target.write_bytes(content)
        if shutil.which("pdftoppm") and content.startswith(b"%PDF"):
            subprocess.run(
                ["pdftoppm", "-png", "-r", "70", str(target), str(target.with_suffix(""))],
                check=True,
            )
        return content


def test_one_quarter_as_each_person_would(live, tmp_path):
    sync_playwright, expect = _playwright()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.iterdir():
        old.unlink()
    receipt = tmp_path / "回执.png"
    receipt.write_bytes(_png(160, 90))
    deadline = (dt.date.today() + dt.timedelta(days=7)).isoformat()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        walk = Walk(browser, live)
        page = lambda: walk.page  # noqa: E731

        def see(text: str) -> None:
            """The page (once loaded: a form's redirect may still be under way) says it."""
            expect(page().locator("body")).to_contain_text(text)

        # -- the office opens collection for the quarter -----------------------------
        walk.as_user("demo-admin", keyboard=True)
        walk.shot("office-overview")
        if os.environ.get("JIXIAO_DOC_SCREENSHOTS") == "1":
            page().screenshot(path=str(ROOT / "docs" / "img" / "console.png"))
        walk.go("/bureaus/demo/collection/")
        page().get_by_label("期间").select_option("2026-Q4")
        page().get_by_label("截止时间").fill(deadline)
        page().get_by_role("button", name="开启数据收集").click()
        see("数据收集已开启")
        walk.shot("office-collection-open")

        # -- a clerk enters the figures and uploads evidence -------------------------
        walk.as_user("demo-reporter")
        walk.go("/bureaus/demo/entry/")
        see("待办")
        walk.shot("clerk-todo")
        walk.go("/bureaus/demo/entry/service?cycle=2026&period=2026-Q4")
        page().get_by_label("文件（图片或PDF）").set_input_files(str(receipt))
        page().get_by_role("button", name="上传", exact=True).click()
        see("已上传")
        page().locator("#v-task_completion").fill("九十")
        page().get_by_role("button", name="提交", exact=True).click()
        assert page().locator("#ve-task_completion").is_visible()  # the error beside it
        walk.shot("clerk-form-error")
        page().locator("#v-task_completion").fill("88")
        page().locator("#e-task_completion").select_option(index=0)
        page().get_by_role("button", name="提交", exact=True).click()
        see("已记录 1 项数据")
        walk.shot("clerk-form-recorded")

        # -- a reviewer sees the flagged value and decides ---------------------------
        def flagged():
            return (
                page().locator("tbody tr")
                .filter(has_text="service").filter(has_text="task_completion")
                .filter(has_text="2026-Q4")
            )  # fmt: skip

        walk.as_user("demo-reviewer")
        walk.go("/bureaus/demo/review?cycle=2026")
        row = flagged()
        assert row.count() == 1, "the low value was not flagged"
        walk.shot("reviewer-queue")
        row.get_by_role("link", name="回执.png").click()
        page().wait_for_selector("img.evidence")
        walk.shot("reviewer-evidence")
        page().go_back()
        row = flagged()
        row.get_by_label("备注").fill("已电话核实 (checked by phone)")
        row.get_by_role("button", name="通过").click()
        see("已通过")
        walk.shot("reviewer-decided")

        # -- an expert scores the units drawn for -----------------------------------
        walk.as_user("demo-expert")
        walk.go("/bureaus/demo/scoring/")
        first = page().locator("input[name^=score-]").first
        first.fill("88")
        page().get_by_role("button", name="提交评分").click()
        see("已记录 1 项评分")
        expect(page().locator("body")).not_to_contain_text("demo-expert2")
        walk.shot("expert-scoring")

        # -- the office reads the results and publishes them -------------------------
        walk.as_user("demo-admin")
        walk.go("/bureaus/demo/rankings?cycle=2026")
        walk.shot("office-rankings")
        walk.go("/bureaus/demo/report/unit/service?cycle=2026")
        page().wait_for_selector("[data-chart=radar-data] svg")
        walk.shot("office-health-report")
        publication = walk.fetch(
            "/bureaus/demo/rankings/publication.pdf?cycle=2026&group=B", "publication"
        )
        assert publication.startswith(b"%PDF")
        walk.fetch("/bureaus/demo/notice/unit/service.pdf?cycle=2026", "score-notice")
        walk.fetch("/bureaus/demo/report/unit/service.pdf?cycle=2026", "health-report")

        # -- the unit appeals; the reviewer corrects within the deadline -------------
        walk.as_user("demo-reporter")
        walk.go("/bureaus/demo/appeals/?unit=service")
        page().get_by_label("单位").select_option("service")
        page().get_by_label("指标").select_option("task_completion")
        page().get_by_label("期间").select_option("2026-Q4")
        page().get_by_label("理由").fill("第四季度任务完成率应为97%，附件为系统截图。")
        page().get_by_role("button", name="提交申诉").click()
        see("须在")
        code = page().locator("h1").inner_text().split()[-1]
        walk.shot("unit-appeal-filed")
        walk.as_user("demo-admin")
        walk.go(f"/bureaus/demo/appeals/{code}")
        page().get_by_label("审核员", exact=True).select_option("demo-reviewer")
        page().get_by_role("button", name="指派", exact=True).click()
        walk.as_user("demo-reviewer")
        walk.go("/bureaus/demo/appeals/")
        assert page().locator(".countdown").first.is_visible()
        walk.shot("reviewer-appeals-countdown")
        walk.go(f"/bureaus/demo/appeals/{code}")
        page().get_by_label("更正输入数据").check()
        page().get_by_label("更正后的数值（更正时填写）").fill("97")
        page().locator("#f-dreason").fill("经核实系统截图，更正为97。")
        page().get_by_role("button", name="记录决定").click()
        see("决定已记录在案")
        walk.shot("reviewer-appeal-decided")
        walk.fetch(f"/bureaus/demo/appeals/{code}/letter.pdf", "appeal-letter")

        # -- an auditor verifies the ledger and downloads the bundle -----------------
        walk.as_user("demo-auditor")
        walk.go("/bureaus/demo/ledger/")
        page().get_by_role("button", name="立即校验").click()  # htmx swaps in the verdict
        page().wait_for_selector("#verify-result .flash")
        assert "校验通过" in page().locator("#verify-result").inner_text()
        walk.shot("auditor-verified")
        with page().expect_download() as waiting:
            page().get_by_role("link", name="下载审计包（.zip）").click()
        bundle = waiting.value
        saved = ARTIFACTS / "audit-bundle.zip"
        bundle.save_as(str(saved))
        assert saved.stat().st_size > 1000
        page().get_by_label("查询条目的包含证明").fill("3")
        page().get_by_role("button", name="查看证明").click()
        see("包含证明")
        walk.shot("auditor-proof")
        browser.close()

    shots = sorted(ARTIFACTS.glob("*.png"))
    assert len(shots) >= 18 and any("publication" in s.name for s in shots)
