"""Collection rounds end to end over the API: open, submit, status and to-do, reminders,
late marking, extensions, closing with a signed checkpoint, refusal after the close,
appeals after it, and replay of everything."""

from __future__ import annotations

import hashlib
import io

from core.services import ledger
from tests.helpers import log_size, value_row

BASE = "/api/v1/bureaus/b1"
ROUND = f"{BASE}/cycles/2026/periods/2026-Q1/collection"


def submit(client, headers, unit, rows, **extra):
    body = {"cycle": "2026", "period": "2026-Q1", "unit": unit, "rows": rows, **extra}
    return client.post(f"{BASE}/submissions", json=body, headers=headers)


def status(client, headers, **query):
    r = client.get(ROUND, query_string=query, headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def test_a_round_from_opening_to_close(client, scheme_world, moving_clock, platform, system):
    world = scheme_world
    admin, reporter = world.headers("bureau_admin"), world.headers("reporter")

    r = client.post(ROUND, json={"deadline": "2026-04-15"}, headers=admin)
    assert r.status_code == 201, r.json
    opened = r.json
    # by default, the units the published scheme asks figures of (u3 is in group B)
    assert opened["units"] == ["u1", "u2"]
    assert opened["deadline"] == "2026-04-15T23:59:59+08:00"
    assert opened["state"] == "open"
    assert (opened["remind_before"], opened["remind_overdue"]) == ([3, 1], [0, 3, 7])
    again = client.post(ROUND, json={"deadline": "2026-04-20"}, headers=admin)
    assert again.status_code == 409

    first = status(client, admin)
    assert first["summary"] == {
        "units": 2,
        "complete": 0,
        "partial": 0,
        "not_started": 2,
        "overdue": 0,
        "expected": 4,
        "submitted": 0,
        "missing": 4,
        "returned": 0,
        "warning": 0,
        "late": 0,
    }

    # the reporter of u1 submits its form on time
    r = submit(
        client,
        reporter,
        "u1",
        [{"indicator": "i1", "value": "95"}, {"indicator": "i2", "value": 1}],
    )
    assert r.status_code == 201, r.json
    assert len(r.json["entries"]) == 2
    assert submit(client, reporter, "u2", [{"indicator": "i1", "value": 1}]).status_code == 403
    mine = status(client, reporter)
    assert [u["unit"] for u in mine["units"]] == ["u1"]
    assert mine["units"][0]["state"] == "complete"
    r = client.get(f"{BASE}/todo", headers=reporter)
    assert r.status_code == 200 and r.json == []
    todo = client.get(f"{BASE}/todo", headers=admin).json
    assert [(t["unit"], [i["indicator"] for i in t["items"]]) for t in todo] == [
        ("u2", ["i1", "i2"])
    ]

    # three days before the deadline (Beijing time) the first reminder falls due, once
    moving_clock.set("2026-04-12T16:00:00+00:00")
    r = client.post(f"{BASE}/collection/reminders", headers=admin)
    assert r.status_code == 201, r.json
    assert [(x["when"], x["days"], x["keys"]) for x in r.json] == [("before", 3, ["before:3"])]
    assert r.json[0]["units"] == [{"unit": "u2", "missing": ["i1", "i2"]}]
    assert client.post(f"{BASE}/collection/reminders", headers=admin).json == []

    # after the deadline: accepted, marked late; the overdue reminder names what is owed
    moving_clock.set("2026-04-16T01:00:00+00:00")
    r = client.post(
        f"{BASE}/values/batch", json={"rows": [value_row(unit="u2", value="80")]}, headers=admin
    )
    assert r.status_code == 201, r.json
    late = status(client, admin, unit="u2")["units"][0]
    assert late["overdue"] and late["late"] == 1 and late["missing"] == 1
    assert [(i["indicator"], i["state"], i["late"]) for i in late["indicators"]] == [
        ("i1", "submitted", True),
        ("i2", "missing", False),
    ]
    reminded = client.post(f"{BASE}/collection/reminders", headers=admin).json
    assert [(x["when"], x["keys"]) for x in reminded] == [("overdue", ["overdue:0"])]
    assert reminded[0]["units"] == [{"unit": "u2", "missing": ["i2"]}]

    # an extension for u2, with its reason, then the close
    r = client.post(
        f"{ROUND}/extensions",
        headers=admin,
        json={"unit": "u2", "deadline": "2026-04-30", "reason": "系统故障 (outage)"},
    )
    assert r.status_code == 201, r.json
    r = client.post(f"{ROUND}/close", json={"reason": "一季度收数结束"}, headers=admin)
    assert r.status_code == 201, r.json
    closed = r.json
    assert closed["outstanding"] == [{"unit": "u2", "missing": ["i2"]}]
    assert closed["checkpoint"]["size"] == log_size(platform, "b1")
    assert closed["checkpoint"]["size"] == closed["seq"] + 1  # the checkpoint covers the close
    assert client.post(f"{ROUND}/close", json={}, headers=admin).status_code == 409
    assert status(client, admin)["state"] == "closed"

    # closed: u1's correction is refused, naming the period, and writes nothing
    size = log_size(platform, "b1")
    r = submit(client, reporter, "u1", [{"indicator": "i1", "value": "99"}])
    assert r.status_code == 409, r.json
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert r.json["errors"][0]["field"] == "period"
    assert "填报已截止" in r.json["errors"][0]["reason"]
    # a clerk who forgot corrects hears that the period is closed, not "send corrects"
    r = client.post(f"{BASE}/values", json=value_row(unit="u1", value="99"), headers=reporter)
    assert r.status_code == 409 and r.json["errors"][0]["field"] == "period"
    seq = status(client, admin, unit="u1")["units"][0]["indicators"][0]["seq"]
    target = {k: v for k, v in value_row(unit="u1").items() if k != "value"}
    withdrawal = {**target, "withdraws": seq, "reason": "撤回 (withdrawn)"}
    r = client.post(f"{BASE}/values/withdraw", headers=admin, json=withdrawal)
    assert r.status_code == 409
    assert log_size(platform, "b1") == size

    # u2 holds an extension: its figure is accepted after the close, and not late
    r = submit(client, admin, "u2", [{"indicator": "i2", "value": 0}])
    assert r.status_code == 201, r.json
    assert status(client, admin, unit="u2")["units"][0]["indicators"][1]["late"] is False

    # once the extension ends, the period is shut for u2 as well
    moving_clock.set("2026-05-01T00:00:00+00:00")
    r = submit(client, admin, "u2", [{"indicator": "i2", "value": 2}])
    assert r.status_code == 409
    assert "extension ended" in r.json["errors"][0]["reason"]

    # an appeal still corrects a closed period's figure
    r = client.post(
        f"{BASE}/appeals",
        headers=reporter,
        json={
            "unit": "u1",
            "indicator": "i1",
            "cycle": "2026",
            "period": "2026-Q1",
            "reason": "数据录入错误 (typo)",
        },
    )
    assert r.status_code == 201, r.json
    appeal = r.json["code"]
    r = client.post(
        f"{BASE}/appeals/{appeal}/assign", json={"reviewer": "b1-reviewer"}, headers=admin
    )
    assert r.status_code == 200, r.json
    r = client.post(
        f"{BASE}/appeals/{appeal}/decide",
        headers=world.headers("reviewer"),
        json={"decision": "corrected", "reason": "核实", "value": "98"},
    )
    assert r.status_code == 200, r.json
    assert status(client, admin, unit="u1")["units"][0]["indicators"][0]["value"] == "98"

    report = ledger.replay_check(system)
    assert report.ok, report


def test_round_settings_are_checked_and_refusals_write_nothing(
    client, scheme_world, moving_clock, platform
):
    admin = scheme_world.headers("bureau_admin")
    size = log_size(platform, "b1")
    bad = [
        ({}, "deadline"),
        ({"deadline": "2026-03-31"}, "deadline"),  # already passed
        ({"deadline": "tomorrow"}, "deadline"),
        ({"deadline": "2026-13-01"}, "deadline"),
        ({"deadline": "2026-04-15", "units": ["nope"]}, "units"),
        ({"deadline": "2026-04-15", "units": []}, "units"),
        ({"deadline": "2026-04-15", "groups": ["Z"]}, "groups"),
        ({"deadline": "2026-04-15", "indicators": ["nope"]}, "indicators"),
        ({"deadline": "2026-04-15", "indicators": []}, "indicators"),
        ({"deadline": "2026-04-15", "evidence": ["nope"]}, "evidence"),
        ({"deadline": "2026-04-15", "evidence": 5}, "evidence"),
        ({"deadline": "2026-04-15", "remind_before": [0]}, "remind_before"),
        ({"deadline": "2026-04-15", "remind_before": [True]}, "remind_before"),
        ({"deadline": "2026-04-15", "remind_overdue": [-1]}, "remind_overdue"),
        ({"deadline": "2026-04-15", "remind_overdue": [10**6]}, "remind_overdue"),
        ({"deadline": "2026-04-15", "colour": "red"}, "colour"),
        ({"deadline": "2026-04-15", "note": "a\x00b"}, "note"),
    ]
    for body, field in bad:
        r = client.post(ROUND, json=body, headers=admin)
        assert r.status_code in (400, 422), (body, r.status_code, r.json)
        assert any(e["field"].startswith(field) for e in r.json["errors"]), (body, r.json)
    assert (
        client.post(
            ROUND, json={"deadline": "2026-04-15"}, headers=scheme_world.headers("reporter")
        ).status_code
        == 403
    )
    other = scheme_world.headers("bureau_admin", "b2")
    assert client.post(ROUND, json={"deadline": "2026-04-15"}, headers=other).status_code == 404
    assert client.get(ROUND, headers=admin).status_code == 404  # no round yet
    missing = f"{BASE}/cycles/2026/periods/2026-Q9/collection"
    assert client.post(missing, json={"deadline": "2026-04-15"}, headers=admin).status_code == 422
    r = client.post(
        f"{ROUND}/extensions",
        headers=admin,
        json={"unit": "u1", "deadline": "2026-04-30", "reason": "x"},
    )
    assert r.status_code == 409  # no round to extend
    assert log_size(platform, "b1") == size


def test_a_round_can_ask_for_its_own_indicators_and_evidence(
    client, scheme_world, moving_clock, platform
):
    admin = scheme_world.headers("bureau_admin")
    body = {"deadline": "2026-04-15", "groups": ["A"], "indicators": ["i2"], "evidence": ["i2"]}
    r = client.post(ROUND, json=body, headers=admin)
    assert r.status_code == 201, r.json
    assert r.json["units"] == ["u1", "u2"] and r.json["indicators"] == ["i2"]
    form = client.get(
        f"{BASE}/cycles/2026/periods/2026-Q1/form", query_string={"unit": "u1"}, headers=admin
    ).json
    assert [(row["indicator"], row["evidence"]) for row in form["rows"]] == [("i2", True)]
    assert form["deadline"] == "2026-04-15T23:59:59+08:00"

    size = log_size(platform, "b1")
    r = submit(client, admin, "u1", [{"indicator": "i2", "value": 1}])
    assert r.status_code == 422, r.json
    assert r.json["errors"][0]["field"] == "evidence" and r.json["errors"][0]["row"] == 1
    # the same rule holds on every entry path, not only the form's
    r = client.post(f"{BASE}/values", json=value_row(indicator="i2", value="1"), headers=admin)
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "evidence"
    # every mistake of a row at once: the missing file does not hide the bad figure
    r = submit(client, admin, "u1", [{"indicator": "i2", "value": True}])
    assert r.status_code == 422, r.json
    assert {(e["field"], e["row"]) for e in r.json["errors"]} == {("value", 1), ("evidence", 1)}
    assert log_size(platform, "b1") == size

    content = "整改报告 (report)".encode()
    r = client.post(
        f"{BASE}/evidence",
        headers=admin,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(content), "report.txt"), "unit": "u1"},
    )
    assert r.status_code == 201, r.json
    digest = hashlib.sha256(content).hexdigest()
    # evidence of another unit does not count
    r = submit(client, admin, "u2", [{"indicator": "i2", "value": 1, "evidence": [digest]}])
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "evidence"
    r = submit(client, admin, "u1", [{"indicator": "i2", "value": 1, "evidence": [digest]}])
    assert r.status_code == 201, r.json
    values = client.get(f"{BASE}/values", query_string={"unit": "u1"}, headers=admin).json
    assert [v["indicator"] for v in values] == ["i2"]


def test_deadlines_are_days_in_beijing_time():
    import datetime as dt

    import pytest

    from core.kernel.clock import parse_deadline

    end_of_day = dt.datetime(2027, 1, 15, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    for text in ("2027-01-15", "20270115", " 2027-01-15 "):
        assert parse_deadline(text) == end_of_day
    assert parse_deadline("2027-01-15T17:00").utcoffset() == dt.timedelta(hours=8)
    assert parse_deadline("2027-01-15T17:00+00:00").utcoffset() == dt.timedelta(0)
    for bad in ("2027-W02", "2027-W02-3", "2027-13-01", "15/01/2027", "", "1999-01-01", 5):
        with pytest.raises(ValueError):
            parse_deadline(bad)


def test_a_round_must_ask_something_and_a_close_needs_a_round(
    client, world, platform, moving_clock
):
    admin = world.headers("bureau_admin")  # no scheme published: nothing is asked
    size = log_size(platform, "b1")
    r = client.post(ROUND, json={"deadline": "2026-04-15", "units": ["u1"]}, headers=admin)
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "indicators"
    r = client.post(f"{ROUND}/close", json={}, headers=admin)
    assert r.status_code == 409 and "未开始收数" in r.json["errors"][0]["reason"]
    assert log_size(platform, "b1") == size
    # naming indicators makes a round of its own, scheme or not
    body = {"deadline": "2026-04-15", "units": ["u1"], "indicators": ["i1"]}
    assert client.post(ROUND, json=body, headers=admin).status_code == 201
