"""Collection rounds from the command line, and a unit's form submitted from a file."""

from __future__ import annotations

import json

from tests.assessment.test_cli_assessment import cli
from tests.helpers import log_size


def test_the_office_runs_a_round_from_the_terminal(scheme_world, moving_clock, platform, tmp_path):
    out = cli(
        "collection",
        "open",
        "--bureau",
        "b1",
        "--cycle",
        "2026",
        "--period",
        "2026-Q1",
        "--deadline",
        "2026-04-15",
        "--units",
        "u1,u2",
        "--remind-before",
        "2",
    )
    assert "opened collection for 2026/2026-Q1: 2 units, due 2026-04-15T23:59:59+08:00" in out
    listed = json.loads(cli("collection", "list", "--bureau", "b1", "--json"))
    assert [(r["period"], r["state"], r["remind_before"]) for r in listed] == [
        ("2026-Q1", "open", [2])
    ]

    # a clerk's form as a file (GB18030, as Windows tools in Chinese offices save it)
    form = {
        "cycle": "2026",
        "period": "2026-Q1",
        "unit": "u1",
        "scheme_version": 1,
        "rows": [
            {"indicator": "i1", "value": "９５"},
            {"indicator": "i2", "value": 0, "note": "无投诉"},
        ],
    }
    path = tmp_path / "u1.json"
    path.write_bytes(json.dumps(form, ensure_ascii=False).encode("gb18030"))
    out = cli("values", "submit", "--bureau", "b1", str(path), acting="b1-reporter@b1")
    assert "recorded 2 values" in out

    out = cli("collection", "status", "--bureau", "b1", "--cycle", "2026", "--period", "2026-Q1")
    assert "1/2 units complete, 0 overdue; 2/4 figures in" in out
    out = cli(
        "collection",
        "status",
        "--bureau",
        "b1",
        "--cycle",
        "2026",
        "--period",
        "2026-Q1",
        "--unit",
        "u1",
        "--json",
    )
    lines = json.loads(out)["units"][0]["indicators"]
    assert [(x["indicator"], x["value"]) for x in lines] == [("i1", "95"), ("i2", "0")]
    assert "(none)" in cli("collection", "todo", "--bureau", "b1", acting="b1-reporter@b1")

    assert "no reminders due" in cli("collection", "remind")
    moving_clock.set("2026-04-14T00:00:00+00:00")
    out = cli("collection", "remind")
    assert "reminded 1 units of 2026/2026-Q1 (before 2 days" in out

    out = cli(
        "collection",
        "extend",
        "--bureau",
        "b1",
        "--cycle",
        "2026",
        "--period",
        "2026-Q1",
        "--unit",
        "u2",
        "--deadline",
        "2026-04-20",
        "--reason",
        "人员变动",
    )
    assert "u2 may report 2026/2026-Q1 until 2026-04-20T23:59:59+08:00" in out
    out = cli("collection", "close", "--bureau", "b1", "--cycle", "2026", "--period", "2026-Q1")
    assert f"checkpoint at size {log_size(platform, 'b1')}" in out
    assert "1 units still owed figures" in out

    size = log_size(platform, "b1")
    out = cli("values", "submit", "--bureau", "b1", str(path), ok=False)
    assert "填报已截止" in out and "period" in out
    out = cli(
        "collection",
        "open",
        "--bureau",
        "b1",
        "--cycle",
        "2026",
        "--period",
        "2026-Q2",
        "--deadline",
        "someday",
        ok=False,
    )
    assert "deadline" in out and "2026-04-15" in out
    path.write_bytes(b"[1, 2]")
    assert "a JSON object" in cli("values", "submit", "--bureau", "b1", str(path), ok=False)
    assert log_size(platform, "b1") == size
