"""What an endpoint subscribes to, on every channel that adds one (API, CLI, console).

A blank pattern or an empty list had been read as ``*``: ``{"events": [""]}`` answered
201 with ``events: ["*"]``, quietly sending the receiver every event of the bureau. Now
only leaving ``events`` out means all (the documented default); a blank pattern is
refused at its index, an empty list as a whole, nothing is written, and a pattern given
twice is stored once.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from core.cli import main
from tests.console.conftest import csrf, quick_hashes, set_passwords, signed_in  # noqa: F401
from tests.helpers import log_size

HOOKS = "/api/v1/bureaus/b1/webhooks"
URL = "https://93.184.216.34/hook"
BLANK = "事件类型不能为空"
NONE_CHOSEN = "至少订阅一种事件 (subscribe to at least one event kind"


def _hooks(client, world) -> list[dict]:
    return client.get(HOOKS, headers=world.headers("bureau_admin")).json


@pytest.mark.parametrize(
    ("events", "field", "reason"),
    [
        ([""], "events[0]", BLANK),
        (["   "], "events[0]", BLANK),
        (["value.recorded", ""], "events[1]", BLANK),
        ([], "events", NONE_CHOSEN),
    ],
    ids=["empty-pattern", "blank-pattern", "second-blank", "empty-list"],
)
def test_api_refuses_blank_patterns_and_an_empty_list(
    client, world, platform, events, field, reason
):
    before = log_size(platform, "b1")
    r = client.post(
        HOOKS, headers=world.headers("bureau_admin"), json={"url": URL, "events": events}
    )
    assert r.status_code == 422, r.json
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json["errors"]] == [field]
    assert reason in r.json["errors"][0]["reason"]
    assert _hooks(client, world) == [] and log_size(platform, "b1") == before


def test_api_names_every_bad_pattern_at_its_index(client, world):
    r = client.post(
        HOOKS,
        headers=world.headers("bureau_admin"),
        json={"url": URL, "events": ["value.recorded", " ", "nosuch.event", ""]},
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json["errors"]] == ["events[1]", "events[2]", "events[3]"]
    assert _hooks(client, world) == []


def test_api_stores_a_repeated_pattern_once_and_omission_still_means_all(client, world):
    h = world.headers("bureau_admin")
    events = ["value.recorded", " value.recorded ", "appeal.*", "appeal.*"]
    r = client.post(HOOKS, headers=h, json={"url": URL, "events": events})
    assert r.status_code == 201 and r.json["events"] == ["value.recorded", "appeal.*"]
    everything = client.post(HOOKS, headers=h, json={"url": URL})
    assert everything.status_code == 201 and everything.json["events"] == ["*"]
    assert [e["events"] for e in _hooks(client, world)] == [["value.recorded", "appeal.*"], ["*"]]


@pytest.mark.parametrize(
    ("flag", "shown"),
    [
        ("", f"events: {NONE_CHOSEN}"),
        (" ", f"events: {NONE_CHOSEN}"),
        ("value.recorded,", f"events[1]: {BLANK}"),
        (",value.recorded", f"events[0]: {BLANK}"),
    ],
    ids=["empty", "blank", "trailing-comma", "leading-comma"],
)
def test_cli_refuses_blank_events(client, world, platform, instance, flag, shown):
    before = log_size(platform, "b1")
    out = CliRunner().invoke(main, ["webhooks", "add", URL, "--bureau", "b1", "--events", flag])
    assert out.exit_code == 1, out.output
    assert shown in out.output and "Traceback" not in out.output
    assert _hooks(client, world) == [] and log_size(platform, "b1") == before


def test_cli_stores_a_repeated_pattern_once(client, world, instance):
    run = CliRunner().invoke
    flag = "value.recorded, value.recorded,appeal.*"
    assert run(main, ["webhooks", "add", URL, "--bureau", "b1", "--events", flag]).exit_code == 0
    assert run(main, ["webhooks", "add", URL, "--bureau", "b1"]).exit_code == 0  # default *
    assert [e["events"] for e in _hooks(client, world)] == [["value.recorded", "appeal.*"], ["*"]]


def test_the_console_form_is_refused_by_the_same_service(app, client, world):
    set_passwords(app.extensions["jixiao"], "b1")
    admin = signed_in(app, "b1", "b1-bureau_admin")
    page = "/bureaus/b1/webhooks/"
    answer = admin.post(page, data={"csrf_token": csrf(admin, page), "url": URL, "events": " , "})
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert BLANK in text and 'id="e-events"' in text  # beside the field
    emptied = admin.post(page, data={"csrf_token": csrf(admin, page), "url": URL, "events": ""})
    assert emptied.status_code == 422 and NONE_CHOSEN in emptied.get_data(as_text=True)
    assert _hooks(client, world) == []
