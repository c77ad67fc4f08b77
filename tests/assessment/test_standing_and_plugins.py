"""The standing within one period (D-11), developmental outcomes (D-32), experts and
evidence over the API, and a cross-source check contributed by a plugin (D-23)."""

from __future__ import annotations

import datetime as dt
import io

from click.testing import CliRunner

from core.cli import main
from core.plugin_api import ValueCheck, hookimpl
from core.services import plugins
from tests.acceptance.conftest import Office
from tests.assessment.test_results_api import setup_cycle
from tests.helpers import log_size, value_row


def test_quarterly_standing_scores_only_the_quarter(client, world):
    setup_cycle(client, world)
    rows = client.get(
        "/api/v1/bureaus/b1/cycles/2026/results?period=2026-Q2&explain=false",
        headers=world.headers("auditor"),
    ).json
    # Q2 only: u1 60 × 90/100 = 54.00, u2 60.00; the annual complaints leaf lies outside
    # Q2 and scores nothing in this standing.
    assert {r["subject"]: (r["total"], r["rank"], r["period"]) for r in rows} == {
        "u1": ("54.00", 2, "2026-Q2"),
        "u2": ("60.00", 1, "2026-Q2"),
    }
    assert rows[0]["dimensions"] == {"q": "60.00", "c": "0.00"}
    out = CliRunner().invoke(
        main, ["results", "compute", "--bureau", "b1", "--cycle", "2026", "--period", "2026-Q5"]
    )
    assert out.exit_code == 1 and "period" in out.output


def test_developmental_outcomes_and_health_report(platform):
    office = Office(platform)
    office.units(("h1", "甲", None), ("h2", "乙", None), ("h3", "丙", None))
    office.indicators(("work", "工作完成率", "%"), ("service", "服务满意度", "%"))
    office.cycle("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31), ["year"])
    scheme = {
        "code": "dev",
        "name": "发展性评价",
        "nodes": [
            {
                "code": "work",
                "name": "工作",
                "points": "60",
                "indicator": "work",
                "rule": {"type": "target_ratio", "params": {"target": "100"}},
            },
            {
                "code": "service",
                "name": "服务",
                "points": "40",
                "indicator": "service",
                "rule": {"type": "target_ratio", "params": {"target": "100"}},
            },
        ],
        "grades": [
            {"code": "a", "name": "优秀", "min": "90"},
            {"code": "b", "min": "70"},
            {"code": "c", "name": "较差"},
        ],
        "outcomes": {
            "development": {
                "pilot": ["a"],
                "assistance": ["b"],
                "diagnosis": {"grade": "c", "years": 2},
            }
        },
    }
    office.scheme(scheme, cycle="2025")
    office.scheme(scheme)
    office.values(
        [
            {"unit": "h3", "indicator": i, "period": "2025", "value": "50"}
            for i in ("work", "service")
        ],
        cycle="2025",
    )
    office.year("h1", work="95", service="95")
    office.year("h2", work="80", service="75")
    office.year("h3", work="60", service="30")
    outcomes = office.outcomes()
    # h1 57.00 + 38.00 = 95 → a; h2 48 + 30 = 78 → b; h3 36 + 12 = 48 → c (c in 2025 too)
    assert {u: r["development"] for u, r in outcomes.items()} == {
        "h1": "reform_pilot",
        "h2": "partner_assistance",
        "h3": "health_diagnosis",
    }
    # the health report: each dimension's share of its points (radar of capability gaps)
    assert outcomes["h3"]["health"] == {"work": "0.6000", "service": "0.3000"}


def test_an_expert_rates_over_the_api_once_drawn(client, world):
    admin, expert = world.headers("bureau_admin"), world.headers("expert")
    drawn = client.post(
        "/api/v1/bureaus/b1/panels",
        headers=admin,
        json={"cycle": "2026", "indicator": "i1", "size": 1},
    )
    assert drawn.status_code == 201 and drawn.json["members"] == ["b1-expert"]
    assert len(drawn.json["seed"]) == 32
    rating = {
        "unit": "u3",
        "indicator": "i1",
        "cycle": "2026",
        "period": "2026",
        "role": "expert",
        "score": "88",
    }
    ok = client.post("/api/v1/bureaus/b1/ratings", headers=expert, json={"rows": [rating]})
    assert ok.status_code == 201
    as_other = client.post(
        "/api/v1/bureaus/b1/ratings",
        headers=expert,
        json={"rows": [{**rating, "role": "superior"}]},
    )
    assert as_other.status_code == 403 and as_other.json["errors"][0]["field"] == "role"
    too_many = client.post(
        "/api/v1/bureaus/b1/panels",
        headers=admin,
        json={"cycle": "2026", "indicator": "i1", "size": 2},
    )
    assert too_many.status_code == 422 and too_many.json["errors"][0]["field"] == "size"


def test_appeals_and_items_cite_only_attached_evidence(client, world):
    reporter = world.headers("reporter")
    unknown = "ab" * 32
    body = {
        "unit": "u1",
        "indicator": "i1",
        "cycle": "2026",
        "period": "2026",
        "reason": "数据有误",
        "evidence": [unknown],
    }
    refused = client.post("/api/v1/bureaus/b1/appeals", json=body, headers=reporter)
    assert refused.status_code == 422 and unknown in refused.json["errors"][0]["reason"]
    up = client.post(
        "/api/v1/bureaus/b1/evidence",
        headers=reporter,
        data={"unit": "u1", "file": (io.BytesIO(b"scan"), "scan.pdf")},
    )
    body["evidence"] = [up.json["sha256"]]
    filed = client.post("/api/v1/bureaus/b1/appeals", json=body, headers=reporter)
    assert filed.status_code == 201 and filed.json["evidence"] == [up.json["sha256"]]


class CrossSource:
    """财政效率与满意度背离 (D-23): a high completion rate with many complaints."""

    @hookimpl
    def jixiao_value_checks(self):
        def diverging(ctx):
            if ctx.indicator != "i1":
                return []
            complaints = ctx.lookup("i2", ctx.period)
            if complaints is not None and ctx.value >= 95 and complaints > 10:
                return [f"完成率与投诉数背离 (completion {ctx.value} but {complaints} complaints)"]
            return []

        return [ValueCheck(name="completion-vs-complaints", check=diverging)]


def test_a_plugin_adds_a_cross_source_check_for_its_bureau(client, world, platform, system):
    platform.plugins.register(CrossSource(), name="crosscheck")
    plugins.install(system, "b1", "crosscheck")
    admin = world.headers("bureau_admin")
    rows = [
        value_row(indicator="i2", period="2026-Q1", value="12"),
        value_row(indicator="i1", period="2026-Q1", value="96"),
    ]
    r = client.post("/api/v1/bureaus/b1/values/batch", json={"rows": rows}, headers=admin)
    assert [w["check"] for w in r.json["warnings"]] == ["completion-vs-complaints"]
    other = client.post(
        "/api/v1/bureaus/b2/values/batch",
        json={"rows": rows},
        headers=world.headers("bureau_admin", "b2"),
    )
    assert other.json["warnings"] == []  # b2 did not install the plugin


def test_bad_items_reviews_and_panels_are_refused_and_write_nothing(client, world, platform):
    admin = world.headers("bureau_admin")
    before = log_size(platform, "b1")
    items = client.post(
        "/api/v1/bureaus/b1/items",
        headers=admin,
        json={
            "rows": [
                {
                    "unit": "u1",
                    "indicator": "i2",
                    "cycle": "2026",
                    "period": "2026",
                    "quantity": "1",
                    "reason": "迟报",
                },
                {
                    "unit": "u1",
                    "indicator": "i2",
                    "cycle": "2026",
                    "period": "2026",
                    "quantity": "-1",
                },
            ]
        },
    )
    assert items.status_code == 422 and items.content_type == "application/problem+json"
    assert {(e["row"], e["field"]) for e in items.json["errors"]} == {(2, "reason")}
    review = client.post(
        "/api/v1/bureaus/b1/reviews", headers=admin, json={"seq": 1, "decision": "maybe"}
    )
    assert review.status_code == 422 and review.json["errors"][0]["field"] == "decision"
    missing = client.post(
        "/api/v1/bureaus/b1/reviews", headers=admin, json={"seq": 999999, "decision": "approved"}
    )
    assert missing.status_code == 404 and missing.json["errors"][0]["field"] == "seq"
    panel = client.post(
        "/api/v1/bureaus/b1/panels",
        headers=admin,
        json={"cycle": "2026", "indicator": "nope", "size": 1},
    )
    assert panel.status_code == 422 and panel.json["errors"][0]["field"] == "indicator"
    assert (
        client.post(
            "/api/v1/bureaus/b1/items",
            headers=world.headers("reporter"),
            json={
                "rows": [
                    {
                        "unit": "u1",
                        "indicator": "i2",
                        "cycle": "2026",
                        "period": "2026",
                        "quantity": "1",
                        "reason": "迟报",
                    }
                ]
            },
        ).status_code
        == 403
    )
    assert log_size(platform, "b1") == before
