"""What the console's forms accept: stale forms, unreadable or unprintable text, and
actions a role cannot take.

A probe found that two clerks who loaded the same entry form could silently revert each
other's figure, that text the API refuses (control and bidirectional characters,
encoded surrogates, invalid UTF-8, noncharacters) either reached the ledger or ended in
a bare error page with the input lost, and that pages offered buttons answering 403.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from core.console.inputs import NOT_UTF8
from core.console.views.entry import STALE
from core.console.views.review import DECIDED_MEANWHILE
from tests.console.conftest import csrf, form_fields, signed_in
from tests.console.test_pages import USERS
from tests.helpers import log_size

FORM = "/bureaus/demo/entry/service?cycle=2026&period=2026-Q2"


def _post_raw(client, path: str, body: str):
    """A form body exactly as given (percent-escapes the test client would not make)."""
    return client.post(path, data=body, content_type="application/x-www-form-urlencoded")


def test_a_stale_entry_form_is_refused_beside_its_row(app, demo):
    platform = app.extensions["jixiao"]
    first, second = (signed_in(app, "demo", "demo-reporter") for _ in range(2))
    loaded_first, loaded_second = form_fields(first, FORM), form_fields(second, FORM)
    assert loaded_first["corrects-task_completion"]  # the form names the value it showed

    done = first.post(FORM, data={**loaded_first, "value-task_completion": "97.5"})
    assert done.status_code == 302
    before = log_size(platform, "demo")
    stale = second.post(FORM, data={**loaded_second, "value-task_completion": "80"})
    assert stale.status_code == 409
    text = stale.get_data(as_text=True)
    assert STALE in text and 'id="ve-task_completion"' in text
    assert 'value="80"' in text  # what was typed is shown again
    assert log_size(platform, "demo") == before
    # reloaded, the form carries the new value and the same figure goes through
    again = second.post(FORM, data={**form_fields(second, FORM), "value-task_completion": "80"})
    assert again.status_code == 302 and log_size(platform, "demo") > before
    assert 'value="80"' in second.get(FORM).get_data(as_text=True)


def test_a_forged_corrects_is_refused_not_taken_as_none(app, demo):
    reporter = signed_in(app, "demo", "demo-reporter")
    platform = app.extensions["jixiao"]
    before = log_size(platform, "demo")
    for forged in ("abc", "-1", "1"):
        data = {**form_fields(reporter, FORM), "value-task_completion": "81",
                "corrects-task_completion": forged}  # fmt: skip
        answer = reporter.post(FORM, data=data)
        assert answer.status_code in (409, 422), forged
        assert 'id="ve-task_completion"' in answer.get_data(as_text=True)
    assert log_size(platform, "demo") == before


@pytest.mark.parametrize(
    ("escaped", "reason"),
    [
        ("%ED%A0%80abc", "surrogate"),  # an encoded lone surrogate
        ("%FF%FE", NOT_UTF8),  # not UTF-8 at all
        ("ok%EF%BF%BF", "U+FFFF"),  # a noncharacter
        ("a%07b", "control"),  # BEL
        ("%E2%80%AEevil", "bidirectional"),  # RIGHT-TO-LEFT OVERRIDE
    ],
    ids=["surrogate", "invalid-utf8", "noncharacter", "control", "bidi"],
)
def test_unreadable_text_is_refused_beside_its_field(app, demo, escaped, reason):
    platform = app.extensions["jixiao"]
    reporter = signed_in(app, "demo", "demo-reporter")
    before = log_size(platform, "demo")
    fields = form_fields(reporter, FORM)
    fields.pop("note-task_completion", None)
    typed = urlencode({**fields, "value-task_completion": "88"})
    body = f"{typed}&note-task_completion={escaped}"
    answer = _post_raw(reporter, FORM, body)
    assert answer.status_code == 422, answer.get_data(as_text=True)[:400]
    text = answer.get_data(as_text=True)
    assert 'id="ne-task_completion"' in text  # beside the note, not a bare error page
    assert reason.lower() in text.lower() or reason in text
    assert 'value="88"' in text  # the rest of the input survives
    assert log_size(platform, "demo") == before


def test_unreadable_sign_in_name_is_a_form_error_not_a_failed_attempt(app, demo):
    client = app.test_client()
    body = f"csrf_token={csrf(client)}&bureau=demo&username=demo-%ED%A0%80&password=x"
    answer = _post_raw(client, "/signin", body)
    assert answer.status_code == 422
    assert 'id="e-username"' in answer.get_data(as_text=True)
    # no failure was counted against the real account: it still signs in
    signed_in(app, "demo", "demo-reporter")


def test_an_unreadable_field_a_view_does_not_show_is_refused_not_recorded(app, demo):
    """A form whose view reads no field beside which to show it (ledger verify) is
    still refused (422 page), never acted on with the field garbled."""
    admin = signed_in(app, "demo", "demo-admin")
    body = f"csrf_token={csrf(admin, '/bureaus/demo/ledger/')}&x=%ED%A0%80"
    answer = _post_raw(admin, "/bureaus/demo/ledger/verify", body)
    assert answer.status_code == 422


OFFERED_ONLY_TO = {
    # form action fragment: roles whose pages offer it
    "/plugins/install": {"bureau_admin"},
    "/plugins/uninstall": {"bureau_admin"},
    "/review/": {"bureau_admin", "reviewer"},
    "/ledger/verify": {"bureau_admin", "auditor"},  # a reviewer reads, does not verify
}
PAGES_WITH_ACTIONS = ("/bureaus/demo/plugins/", "/bureaus/demo/review", "/bureaus/demo/ledger/")


def _actions(client) -> str:
    return "".join(
        client.get(path).get_data(as_text=True)
        for path in PAGES_WITH_ACTIONS
        if client.get(path).status_code == 200
    )


@pytest.mark.parametrize("role", sorted(USERS))
def test_no_button_that_would_answer_403(app, demo, role):
    client = signed_in(app, "demo", USERS[role])
    text = _actions(client)
    for fragment, roles in OFFERED_ONLY_TO.items():
        shown = f"/bureaus/demo{fragment}" in text
        assert shown == (role in roles), (role, fragment)
    if role == "reporter":  # entry numbers without links to the ledger it may not read
        assert "/ledger/proof/" not in client.get(FORM).get_data(as_text=True)


def test_a_value_decided_meanwhile_is_refused_beside_its_row(app, demo):
    platform = app.extensions["jixiao"]
    reviewer, admin = signed_in(app, "demo", "demo-reviewer"), signed_in(app, "demo", "demo-admin")
    queue = reviewer.get("/bureaus/demo/review").get_data(as_text=True)
    seq = int(re.search(r'action="/bureaus/demo/review/(\d+)', queue).group(1))
    action = f"/bureaus/demo/review/{seq}"
    token = csrf(reviewer, "/bureaus/demo/review")  # loaded before the admin decides
    first = admin.post(action, data={"csrf_token": csrf(admin, "/bureaus/demo/review"),
                                     "decision": "approved"})  # fmt: skip
    assert first.status_code == 302
    before = log_size(platform, "demo")
    late = reviewer.post(action, data={"csrf_token": token, "decision": "rejected", "note": "B"})
    assert late.status_code == 409
    text = late.get_data(as_text=True)
    assert DECIDED_MEANWHILE in text and f'id="ne-{seq}"' in text
    assert log_size(platform, "demo") == before


def test_an_unknown_reviewer_is_refused_beside_the_select(app, demo):
    reporter = signed_in(app, "demo", "demo-reporter")
    page = "/bureaus/demo/appeals/"
    filed = reporter.post(page, data={**form_fields(reporter, page), "unit": "service",
                                      "indicator": "task_completion", "period": "2026-Q1",
                                      "reason": "请复核 (please review)"})  # fmt: skip
    assert filed.status_code == 302, filed.get_data(as_text=True)[:600]
    code = filed.headers["Location"].rstrip("/").split("/")[-1]
    admin = signed_in(app, "demo", "demo-admin")
    detail = f"/bureaus/demo/appeals/{code}"
    answer = admin.post(f"{detail}/assign",
                        data={"csrf_token": csrf(admin, detail), "reviewer": "nobody"})  # fmt: skip
    assert answer.status_code == 422
    assert 'id="e-reviewer"' in answer.get_data(as_text=True)


def test_an_empty_evidence_choice_is_no_evidence(app, demo):
    reporter = signed_in(app, "demo", "demo-reporter")
    data = {**form_fields(reporter, FORM), "value-task_completion": "abc",
            "evidence-task_completion": ""}  # fmt: skip
    answer = reporter.post(FORM, data=data)
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert 'id="ve-task_completion"' in text and "SHA-256" not in text


def test_a_closed_period_shows_the_form_for_reading_only(app, demo):
    from core.services import collection
    from core.services.context import Context

    platform = app.extensions["jixiao"]
    system = Context.system(platform, "system:test")
    if not any(r["period"] == "2026-Q2" and r["state"] == "open"
               for r in collection.listing(system, "demo")):  # fmt: skip
        collection.open_round(system, "demo", "2026", "2026-Q2", {"deadline": "2099-01-01"})
    reporter = signed_in(app, "demo", "demo-reporter")
    assert 'name="value-task_completion"' in reporter.get(FORM).get_data(as_text=True)
    collection.close(system, "demo", "2026", "2026-Q2", "季度结束 (quarter over)")
    text = reporter.get(FORM).get_data(as_text=True)
    assert "本期收数已截止" in text
    table = text.split('id="h-evidence"')[0]
    assert 'name="value-task_completion"' not in table
    assert '<button type="submit" class="primary">' not in table  # no Submit


def test_a_refused_workbook_upload_is_a_form_error_beside_the_file(app, demo):
    """No file, or a file that is not a workbook the template made: 422 with the reason
    beside the file field (not a flash message after a redirect), and nothing written."""
    import io

    platform = app.extensions["jixiao"]
    reporter = signed_in(app, "demo", "demo-reporter")
    index = "/bureaus/demo/entry/"
    token = csrf(reporter, index)
    before = log_size(platform, "demo")
    upload = index + "upload"
    empty = reporter.post(upload, data={"csrf_token": token}, content_type="multipart/form-data")
    assert empty.status_code == 422
    assert 'id="e-xlsx"' in empty.get_data(as_text=True)
    junk = reporter.post(
        upload,
        data={"csrf_token": token, "file": (io.BytesIO(b"not a workbook"), "figures.xlsx")},
        content_type="multipart/form-data",
    )
    text = junk.get_data(as_text=True)
    assert junk.status_code == 422 and 'id="e-xlsx"' in text and 'aria-invalid="true"' in text
    assert log_size(platform, "demo") == before


def test_a_download_named_after_an_upload_carries_the_name_safely(app, demo):
    """The annotated copy is named after the file the clerk uploaded, which may hold
    Chinese, quotes or a line break: the header carries it percent-encoded (RFC 6266) with
    an ASCII fallback, never as it is (a raw name could not be sent, or split the header)."""
    import io
    from urllib.parse import quote

    from openpyxl import load_workbook

    reporter = signed_in(app, "demo", "demo-reporter")
    template = reporter.get("/bureaus/demo/entry/service/template.xlsx?cycle=2026&period=2026-Q2")
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.data))
    book.worksheets[0]["F5"] = "不是数字 (not a number)"
    filled = io.BytesIO()
    book.save(filled)
    name = '三季度"数据"\r\n.xlsx'
    answer = reporter.post(
        "/bureaus/demo/entry/upload",
        data={"csrf_token": csrf(reporter, "/bureaus/demo/entry/"),
              "file": (io.BytesIO(filled.getvalue()), name)},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    header = answer.headers["Content-Disposition"]
    assert header.startswith('attachment; filename="problems-')
    assert header.isascii() and "\n" not in header and header.count('"') == 2
    assert "filename*=UTF-8''" + quote("problems-三季度", safe="") in header
