"""What a fresh-eyes probe of the console found: pages that failed once data existed,
forms that could not round-trip their own values, and inputs that were recorded
somewhere other than where the form said."""

from __future__ import annotations

import html
import re

from werkzeug.datastructures import MultiDict

from tests.console.conftest import csrf, signed_in
from tests.helpers import log_size


def test_the_webhooks_page_lists_endpoints_and_their_actions_work(app, demo):
    admin = signed_in(app, "demo", "demo-admin")
    path = "/bureaus/demo/webhooks/"
    added = admin.post(
        path,
        data={"csrf_token": csrf(admin, path), "url": "https://93.184.216.34/hook",
              "events": "value.recorded"},
    )  # fmt: skip
    assert added.status_code == 200, added.get_data(as_text=True)[:300]
    assert "whsec_" in added.get_data(as_text=True)  # the secret, shown once
    listed = admin.get(path)
    assert listed.status_code == 200 and "93.184.216.34" in listed.get_data(as_text=True)
    hook = re.search(r"/webhooks/(\d+)/redeliver", listed.get_data(as_text=True)).group(1)
    chosen = admin.get(f"{path}?hook={hook}")
    assert chosen.status_code == 200
    again = admin.post(f"{path}{hook}/redeliver", data={"csrf_token": csrf(admin, path)})
    assert again.status_code == 302 and f"hook={hook}" in again.headers["Location"]
    off = admin.post(
        f"{path}{hook}/enabled", data={"csrf_token": csrf(admin, path), "enabled": "0"}
    )
    assert off.status_code == 302
    assert admin.get(path).status_code == 200


def _settings_form(page: str) -> dict[str, str]:
    return {
        name: html.unescape(value)
        for name, value in re.findall(r'name="(setting-[^"]+)" value="([^"]*)"', page)
    }


def test_plugin_settings_round_trip_through_their_own_form(app, demo):
    admin = signed_in(app, "demo", "demo-admin")
    path = "/bureaus/demo/plugins/"
    installed = admin.post(path + "install", data={"csrf_token": csrf(admin, path), "name": "tax"})
    assert installed.status_code in (200, 302)
    page = admin.get(path).get_data(as_text=True)
    form = _settings_form(page)
    assert any(v.startswith(("{", "[")) and len(v) > 2 for v in form.values()), form
    saved = admin.post(path + "tax/settings", data={"csrf_token": csrf(admin, path), **form})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:500]


def test_deeply_nested_settings_are_a_form_error(app, demo):
    admin = signed_in(app, "demo", "demo-admin")
    path = "/bureaus/demo/plugins/"
    admin.post(path + "install", data={"csrf_token": csrf(admin, path), "name": "tax"})
    form = _settings_form(admin.get(path).get_data(as_text=True))
    key = next(k for k, v in form.items() if v.startswith(("{", "[")))
    platform = app.extensions["jixiao"]
    before = log_size(platform, "demo")
    deep = admin.post(
        path + "tax/settings",
        data={"csrf_token": csrf(admin, path), **form, key: "[" * 10000 + "]" * 10000},
    )
    assert deep.status_code == 422
    assert log_size(platform, "demo") == before


def test_entry_for_an_unknown_cycle_or_period_is_refused_not_redirected(app, demo):
    platform = app.extensions["jixiao"]
    reporter = signed_in(app, "demo", "demo-reporter")
    before = log_size(platform, "demo")
    for query in ("cycle=nope&period=2026-Q4", "cycle=2026&period=2026-02-30"):
        path = f"/bureaus/demo/entry/service?{query}"
        token = csrf(reporter, "/bureaus/demo/entry/service?cycle=2026&period=2026-Q2")
        answer = reporter.post(path, data={"csrf_token": token, "value-task_completion": "91.2"})
        assert answer.status_code in (404, 422), (query, answer.status_code)
        assert reporter.get(path).status_code in (404, 422)
    assert log_size(platform, "demo") == before


def test_an_unknown_address_is_a_page_for_a_browser_and_a_problem_for_the_api(app, demo):
    reporter = signed_in(app, "demo", "demo-reporter")
    browser = {"Accept": "text/html,application/xhtml+xml"}
    for path in ("/bureaus/demo/nonexistent", "/bureaus/demo/review/-1", "/no/such/page"):
        page = reporter.get(path, headers=browser)
        assert page.status_code == 404 and page.mimetype == "text/html", path
        assert "页面不存在" in page.get_data(as_text=True)
    api = reporter.get("/api/v1/no-such-thing", headers=browser)
    assert api.status_code == 404 and api.mimetype == "application/problem+json"


def test_a_garbled_scheme_version_is_refused_not_ignored(app, demo):
    platform = app.extensions["jixiao"]
    reporter = signed_in(app, "demo", "demo-reporter")
    path = "/bureaus/demo/entry/service?cycle=2026&period=2026-Q2"
    before = log_size(platform, "demo")
    for version in ("abc", "-1", "１"):
        answer = reporter.post(path, data={"csrf_token": csrf(reporter, path),
                                           "value-task_completion": "91.2",
                                           "scheme_version": version})  # fmt: skip
        assert answer.status_code == 422, (version, answer.status_code)
    assert log_size(platform, "demo") == before


ITEM = {"cycle": "2026", "unit": "office", "indicator": "management", "period": "2026",
        "quantity": "1", "reason": "迟报 (late)"}  # fmt: skip


def test_numbers_in_paths_are_ascii_digits(app, client, demo):
    """Werkzeug's ``int`` converter matched every Unicode digit: ``/review/４２`` recorded
    a review of seq 42."""
    platform = app.extensions["jixiao"]
    reviewer = signed_in(app, "demo", "demo-reviewer")
    token = csrf(reviewer, "/bureaus/demo/review")
    from core.services import users
    from core.services.context import Context

    system = Context.system(platform, "system:test")
    bearer = users.create_token(system, "demo", "demo-auditor", "t")["token"]
    before = log_size(platform, "demo")
    for seq in ("４２", "٤٢", "²"):
        form = {"csrf_token": token, "decision": "approved", "note": "n"}
        answer = reviewer.post(f"/bureaus/demo/review/{seq}", data=form)
        assert answer.status_code == 404, seq
        assert reviewer.get(f"/bureaus/demo/ledger/proof/{seq}").status_code == 404
    api = client.get("/api/v1/bureaus/demo/ledger/entries/１",
                     headers={"Authorization": f"Bearer {bearer}"})  # fmt: skip
    assert api.status_code == 404 and api.mimetype == "application/problem+json"
    assert log_size(platform, "demo") == before


def test_a_field_sent_twice_is_a_form_error_beside_it(app, demo):
    platform = app.extensions["jixiao"]
    admin = signed_in(app, "demo", "demo-admin")
    before = log_size(platform, "demo")
    body = [*{**ITEM, "csrf_token": csrf(admin, "/bureaus/demo/review")}.items(),
            ("quantity", "5")]  # fmt: skip
    answer = admin.post("/bureaus/demo/items", data=MultiDict(body))
    assert answer.status_code == 422
    assert "one value expected" in answer.get_data(as_text=True)
    assert log_size(platform, "demo") == before
    # the same form with each field once is recorded, and its errors carry no "row 1:"
    form = {**ITEM, "quantity": "-3", "csrf_token": csrf(admin, "/bureaus/demo/review")}
    once = admin.post("/bureaus/demo/items", data=form)
    text = once.get_data(as_text=True)
    assert once.status_code == 422 and "must be more than 0" in text and "row 1:" not in text
    # sign-in with two usernames signs nobody in
    client = app.test_client()
    token = csrf(client)
    twice = client.post("/signin", data=MultiDict([("csrf_token", token), ("bureau", "demo"),
                                         ("username", "demo-admin"), ("username", "demo-auditor"),
                                         ("password", "x")]))  # fmt: skip
    assert twice.status_code == 422 and "one value expected" in twice.get_data(as_text=True)


def test_a_score_for_a_unit_not_on_the_panel_is_refused_not_dropped(app, demo):
    platform = app.extensions["jixiao"]  # the demo drew its three experts onto the panel
    expert = signed_in(app, "demo", "demo-expert")
    before = log_size(platform, "demo")
    path = "/bureaus/demo/scoring/2026/goal_review"
    answer = expert.post(path, data={"csrf_token": csrf(expert, "/bureaus/demo/scoring/"),
                                     "score-nosuchunit-2026": "50"})  # fmt: skip
    assert answer.status_code == 422
    assert "score-nosuchunit-2026" in answer.get_data(as_text=True)
    assert log_size(platform, "demo") == before


def test_a_wrong_method_says_so(app, demo):
    admin = signed_in(app, "demo", "demo-admin")
    answer = admin.get("/bureaus/demo/items", headers={"Accept": "text/html"})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 405 and "不支持的请求方式" in text and "无权访问" not in text
