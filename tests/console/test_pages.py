"""Every page, for every role, on the demo bureau: shown when the services let that role
see it and refused (as the API would) when not; documents are PDFs whose Chinese is
text and which cite the ledger."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.console.conftest import csrf, form_fields, signed_in

PAGES = {
    # path: roles that may see it (the services' matrix; the rest are refused)
    "/bureaus/demo/": {"bureau_admin", "reporter", "reviewer", "expert", "auditor"},
    "/bureaus/demo/collection/": {"bureau_admin", "reporter", "reviewer", "auditor"},
    "/bureaus/demo/rankings": {"bureau_admin", "reporter", "reviewer", "auditor"},
    "/bureaus/demo/report/unit/service": {"bureau_admin", "reporter", "reviewer", "auditor"},
    "/bureaus/demo/entry/": {"bureau_admin", "reporter", "reviewer", "auditor"},
    "/bureaus/demo/entry/service": {"bureau_admin", "reporter", "reviewer", "auditor"},
    "/bureaus/demo/review": {"bureau_admin", "reporter", "reviewer", "auditor"},
    "/bureaus/demo/scoring/": {"bureau_admin", "reviewer", "expert"},
    "/bureaus/demo/appeals/": {"bureau_admin", "reporter", "reviewer", "auditor"},
    "/bureaus/demo/ledger/": {"bureau_admin", "reviewer", "auditor"},
    "/bureaus/demo/ledger/proof/3": {"bureau_admin", "reviewer", "auditor"},
    "/bureaus/demo/plugins/": {"bureau_admin", "reporter", "reviewer", "expert", "auditor"},
    "/bureaus/demo/webhooks/": {"bureau_admin"},
    "/bureaus/demo/users/": {"bureau_admin"},
}
USERS = {
    "bureau_admin": "demo-admin",
    "reporter": "demo-reporter",
    "reviewer": "demo-reviewer",
    "expert": "demo-expert",
    "auditor": "demo-auditor",
}


def test_every_page_for_every_role(app, demo):
    for role, username in USERS.items():
        client = signed_in(app, "demo", username)
        for path, allowed in PAGES.items():
            answer = client.get(path)
            if role in allowed:
                assert answer.status_code == 200, (role, path, answer.get_data(as_text=True)[:800])
                text = answer.get_data(as_text=True)
                assert 'lang="zh-CN"' in text and "csrf_token" in text
            else:
                assert answer.status_code in (403, 404), (role, path, answer.status_code)


def _pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_documents_are_pdfs_with_chinese_text_citing_the_ledger(app, demo, tmp_path):
    admin = signed_in(app, "demo", "demo-admin")
    notice = admin.get("/bureaus/demo/notice/unit/service.pdf")
    assert notice.status_code == 200 and notice.mimetype == "application/pdf"
    text = _pdf_text(notice.data, tmp_path)
    assert "成绩通知书" in text and "政务服务中心" in text and "目标任务" in text
    assert "demo" in text and "检查点" in text  # the ledger and checkpoint it reflects
    report = _pdf_text(admin.get("/bureaus/demo/report/unit/service.pdf").data, tmp_path)
    assert "绩效体检报告" in report and "分期趋势" in report
    public = _pdf_text(admin.get("/bureaus/demo/rankings/publication.pdf?group=B").data, tmp_path)
    assert "考核结果公示" in public and "政务服务中心" in public
    # no personal identifiers: neither codes nor the staff's ID numbers or phones
    assert "110105" not in public and "1380000" not in public and "service" not in public


def test_a_reporter_gets_its_own_units_notice_but_no_publication(app, demo):
    reporter = signed_in(app, "demo", "demo-reporter")
    assert reporter.get("/bureaus/demo/notice/unit/service.pdf").status_code == 200
    assert reporter.get("/bureaus/demo/notice/unit/law.pdf").status_code == 404
    assert reporter.get("/bureaus/demo/rankings/publication.pdf?group=B").status_code == 403
    page = reporter.get("/bureaus/demo/rankings").get_data(as_text=True)
    assert "政务服务中心" in page and "法规科" not in page


def test_the_entry_form_shows_errors_beside_the_field_and_writes_nothing(app, demo):
    from tests.helpers import log_size

    platform = app.extensions["jixiao"]
    reporter = signed_in(app, "demo", "demo-reporter")
    path = "/bureaus/demo/entry/service?cycle=2026&period=2026-Q2"
    form = reporter.get(path).get_data(as_text=True)
    assert 'name="value-task_completion"' in form
    before = log_size(platform, "demo")
    bad = reporter.post(
        path, data={"csrf_token": csrf(reporter, path), "value-task_completion": "九十"}
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert 'aria-invalid="true"' in text and "ve-task_completion" in text
    assert log_size(platform, "demo") == before
    loaded = form_fields(reporter, path)  # the hidden fields a browser sends
    good = reporter.post(path, data={**loaded, "value-task_completion": "97.5"})
    assert good.status_code == 302
    assert log_size(platform, "demo") == before + 1


def test_the_expert_sees_only_their_own_ratings(app, demo):
    expert = signed_in(app, "demo", "demo-expert")
    # the demo draws its three experts onto the panel, and each has rated already
    page = expert.get("/bureaus/demo/scoring/").get_data(as_text=True)
    assert "目标认定评分" in page
    for other in ("demo-expert2", "demo-expert3"):
        assert other not in page


def test_verify_now_answers_htmx_with_a_fragment_and_forms_with_a_page(app, demo):
    auditor = signed_in(app, "demo", "demo-auditor")
    token = csrf(auditor, "/bureaus/demo/ledger/")
    fragment = auditor.post(
        "/bureaus/demo/ledger/verify", headers={"HX-Request": "true", "X-CSRF-Token": token}
    )
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text and "校验通过" in text
    whole = auditor.post("/bureaus/demo/ledger/verify", data={"csrf_token": token})
    assert "<html" in whole.get_data(as_text=True) and "校验通过" in whole.get_data(as_text=True)
    assert (
        auditor.post("/bureaus/demo/ledger/verify", headers={"HX-Request": "true"}).status_code
        == 400
    )  # no token
