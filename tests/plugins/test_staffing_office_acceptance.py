"""Staffing office plugin, end to end on the real engine (Linyi, seed 004): three
supervising departments and eight institutions in all six service-attribute groups —
the four institutions of 市自然资源和规划局 in three of them — scored by the rendered
templates; an expert pool kept as ledger events, a panel drawn from it reproducibly,
a recusal; the recognition coefficient from difficulty and precision; the dual
linkage deciding across groups; quarterly monitoring; the staffing outcome. Every
number is computed by hand in the comments."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

from core import installs
from core.assessment import collection, reporting
from core.ledger.store import Record
from core.projections import record
from core.values import record_values
from plugins.staffing_office import INDICATORS, render
from plugins.staffing_office.experts import (
    ADDED,
    RETIRED,
    ExpertRetiredSchema,
    panel_pool,
    pool_at,
    pool_rows,
    recusals,
)
from plugins.staffing_office.monitoring import (
    PUBLISHED,
    MonitoringParams,
    MonitoringPublishedSchema,
    progress_rows,
    published,
    quarterly_report,
)
from plugins.staffing_office.outcomes import StaffingLinkageParams, staffing_linkage
from tests.acceptance.conftest import Office, totals
from tests.helpers import entries

SEED = "linyi-2026"


@pytest.fixture
def linyi(platform) -> Office:
    office = Office(platform, "linyi")
    with platform.db.transaction() as s:
        installs.install(s, platform, office.bureau(s), "staffing_office", "test")
    office.indicators(*[(i.code, i.name, i.measure) for i in INDICATORS])
    office.units(
        ("d1", "市自然资源和规划局", "department"),
        ("d2", "市卫生健康委员会", "department"),
        ("d3", "市机关事务管理局", "department"),
        ("i1", "市国土空间规划研究中心", "economic", "d1"),
        ("i2", "市土地储备中心", "economic", "d1"),
        ("i3", "市不动产登记中心", "enterprise", "d1"),
        ("i4", "市自然资源综合执法支队", "enforcement", "d1"),
        ("i5", "市卫生健康综合监督执法支队", "enforcement", "d2"),
        ("i6", "市疾病预防控制中心", "social", "d2"),
        ("i7", "市委党校", "party"),
        ("i8", "市机关事务服务中心", "support", "d3"),
    )
    # ⌊0.5 × 2⌋ = 1 一等 by score in the two groups of two, none in groups of one
    for doc in render({"first_quota": "0.5"}):
        office.scheme(doc)
    return office


def _events(office: Office, kinds: tuple[str, ...]) -> list[tuple[str, dict]]:
    found = []
    for entry in entries(office.platform, office.code):
        body = json.loads(entry.body)
        if body["kind"] in kinds:
            found.append((body["kind"], body["data"]))
    return found


def _expert_pool(office: Office) -> list[str]:
    """Six experts join the pool (one recuses from 市不动产登记中心, her former
    employer), one retires mid-year; the panel is drawn from the pool of the day."""
    office.users("expert", "e1", "e2", "e3", "e4", "e5", "e6")
    roster = [
        {
            "expert": "e1",
            "expertise": "organisation",
            "affiliation": "临沂大学",
            "affiliation_kind": "university",
            "since": "2025-01-01",
            "until": "2027-12-31",
        },
        {
            "expert": "e2",
            "expertise": "public_admin",
            "affiliation": "市行政学院",
            "affiliation_kind": "institution",
            "since": "2025-01-01",
        },
        {
            "expert": "e3",
            "expertise": "law",
            "affiliation": "某律师事务所",
            "affiliation_kind": "enterprise",
            "since": "2025-01-01",
            "recuse": "i3",
        },
        {
            "expert": "e4",
            "expertise": "finance",
            "affiliation": "市审计局",
            "affiliation_kind": "government",
            "since": "2025-03-01",
        },
        {
            "expert": "e5",
            "expertise": "economy",
            "affiliation": "市社科院",
            "affiliation_kind": "research",
            "since": "2025-03-01",
            "recuse": "",
        },
        {
            "expert": "e6",
            "expertise": "digital",
            "affiliation": "山东大学",
            "affiliation_kind": "university",
            "since": "2025-03-01",
        },
    ]
    retire = ExpertRetiredSchema()
    retired = retire.dump(
        retire.load({"expert": "e6", "on": "2026-06-30", "reason": "own_request"})
    )
    with office.platform.db.transaction() as s:
        bureau = office.bureau(s)
        records = [Record(ADDED, data, "staffing-office") for data in pool_rows(roster)]
        record(s, bureau.log_id, [*records, Record(RETIRED, retired, "staffing-office")])
    pool = pool_at(_events(office, (ADDED, RETIRED)), dt.date(2027, 1, 10))
    assert panel_pool(pool) == ["e1", "e2", "e3", "e4", "e5"]  # e6 retired
    members = []
    with office.platform.db.transaction() as s:
        for indicator in ("goal_difficulty", "goal_precision"):  # same seed: same experts
            _, members = collection.draw_panel(
                s, office.bureau(s), "2026", indicator, 3, "test", pool=panel_pool(pool), seed=SEED
            )
    ranked = sorted(
        panel_pool(pool), key=lambda m: hashlib.sha256(f"{SEED}:{m}".encode()).hexdigest()
    )
    assert members == sorted(ranked[:3]) == ["e2", "e3", "e4"]
    assert recusals(pool, members) == {"i3": ["e3"]}
    return members


# difficulty and precision by expert e2, e3, e4 (e3 does not rate i3: recused)
GOAL_RATINGS = {
    "i1": ([70, 80, 90], [60, 70, 80]),
    "i2": ([40, 50, 60], [50, 50, 50]),
    "i3": ([88, None, 92], [85, None, 95]),
    "i4": ([60, 60, 60], [80, 80, 80]),
    "i5": ([100, 100, 100], [100, 100, 100]),
    "i6": ([50, 50, 50], [50, 50, 50]),
    "i8": ([80, 80, 80], [80, 80, 80]),
}


def _record(office: Office, members: list[str]) -> list[dict]:
    with office.platform.db.transaction() as s:
        progress = progress_rows(
            [
                {"unit": unit, "quarter": f"2026-Q{q}", "completion": str(v)}
                for unit, by_quarter in [
                    ("i1", {1: 30, 2: 55, 3: 80, 4: 100}),
                    ("i2", {2: 38, 4: 90}),
                    ("i3", {1: 25, 2: 50, 3: 75, 4: 100}),
                    ("i4", {1: 30, 2: 45, 3: 70, 4: 95}),
                    ("i5", {1: 25, 2: 50, 3: 75, 4: 100}),
                    ("i6", {1: 15, 3: 60, 4: 80}),
                    ("i7", {1: 25, 2: 50, 3: 75, 4: 100}),
                    ("i8", {1: 25, 2: 50, 3: 75, 4: 100}),
                ]
                for q, v in by_quarter.items()
            ],
            "2026",
        )
        warnings = record_values(s, office.platform, office.bureau(s), progress, None, "t").warnings
    for unit, label in (("d1", "优秀"), ("d2", "较差"), ("d3", "良好")):
        office.year(unit, dept_rating=label)
    office.year("i1", projects_served="12", enterprise_satisfaction="90", annual_report="1")
    office.year("i2", projects_served="8", enterprise_satisfaction="95", annual_report="1")
    office.year("i3", one_visit_rate="98", time_compression="40", annual_report="1")
    office.year("i4", case_closure="100", correction_rate="1", random_checks="100")
    office.year("i5", case_closure="100", correction_rate="0", random_checks="100")
    office.year("i6", hotline_closure="96", risk_resolved="95", annual_report="0")
    office.year("i7", assigned_closure="100", info_adopted="4", annual_report="1")
    office.year("i8", support_timeliness="100", budget_execution="95", annual_report="1")
    office.year("i4", annual_report="1")
    office.year("i5", annual_report="1")
    office.year("i8", staffing_violation="1")  # 超编进人: veto
    for unit in ("i1", "i2", "i3", "i4", "i5", "i6", "i7"):
        office.year(unit, staffing_violation="0")
    office.items(
        [
            {
                "unit": "i2",
                "indicator": "inspection_issues",
                "quantity": "1",
                "reason": "“双随机一公开”抽查：财务报销手续不全",
            },
        ]
    )
    rows = []
    for unit, (difficulty, precision) in GOAL_RATINGS.items():
        for indicator, scores in (("goal_difficulty", difficulty), ("goal_precision", precision)):
            for expert, score in zip(members, scores, strict=True):
                if score is not None:
                    rows.append(
                        {
                            "unit": unit,
                            "indicator": indicator,
                            "role": "expert",
                            "rater": expert,
                            "score": str(score),
                        }
                    )
    service = {
        "i1": {"service_recipient": [90], "superior": [80], "third_party": [85]},
        "i2": {"service_recipient": [80], "superior": [80], "third_party": [80]},
        "i3": {"service_recipient": [95, 85, 90], "superior": [90]},
        "i4": {"service_recipient": [85], "superior": [85], "third_party": [85]},
        "i5": {"service_recipient": [90], "superior": [90], "third_party": [90]},
        "i6": {"public": [80, 70, 90], "superior": [80], "third_party": [80]},
        "i7": {"superior": [90], "service_recipient": [80]},
        "i8": {"service_recipient": [90], "superior": [90]},
    }
    for unit, by_role in service.items():
        for role, scores in by_role.items():
            for n, score in enumerate(scores):
                rows.append(
                    {
                        "unit": unit,
                        "indicator": "service_rating",
                        "role": role,
                        "rater": f"{unit}-{role}-{n}",
                        "score": str(score),
                    }
                )
    office.ratings(rows)
    return warnings


def test_a_year_of_linyi(linyi):
    members = _expert_pool(linyi)
    warnings = _record(linyi, members)
    # progress behind the time progress by more than 10 points: i2 at Q2 (38 < 40), i6 at
    # Q3 (60 < 65) and Q4 (80 < 90); i6's Q1 15 is exactly 25 − 10, not behind
    assert [
        (w["row"], w["message"][:10]) for w in warnings if w["check"] == "quarterly-progress"
    ] == [
        (5, "进度滞后：累计完成3"),
        (20, "进度滞后：累计完成6"),
        (21, "进度滞后：累计完成8"),
    ]

    results = linyi.results()
    # i1 economic: task Q4 100 → 50.00; experts difficulty 70 80 90 → 80, precision
    #    60 70 80 → 70; 0.5×80 + 0.5×70 = 75 → 0.8 + 0.4×0.75 = 1.1 → 55.00;
    #    projects 12 of 10 → 10.00; satisfaction 90 between 80 (0.6) and 95 (1):
    #    0.6 + 0.4×10/15 = 0.8667 × 15 → 13.00; service 15×(0.5×90 + 0.3×80 + 0.2×85)/100
    #    = 15×0.86 = 12.90; report 4 + no issue 6                        → 100.90
    # i2 economic: 45.00 × (experts 50, 50 → 1.0) = 45.00; 8 of 10 → 8.00; 95 → 15.00;
    #    service 12.00; report 4 + one issue 6 − 2 = 4                    →  88.00
    # i3 enterprise: 45.00; e3 recused, so two ratings each, not trimmed: difficulty
    #    (88+92)/2 = 90, precision (85+95)/2 = 90 → 1.16 → 52.20; one visit 98/95 capped
    #    15.00; time limits cut 40%: 0.5 + 0.5×10/20 = 0.75 → 7.50; service recipients
    #    85 90 95 → 90, superior 90 → 18.00; management 10                 → 102.70
    # i4 enforcement: 45×0.95 = 42.75 × (60, 80 → 70 → 1.08) = 46.17; cases 10.00,
    #    corrections 2/1 capped 8.00, random checks 7.00; service 17.00; 10 →  98.17
    # i5 enforcement: 45 × 1.2 = 54.00; 10 + 8 (0% corrected) + 7; 18.00; 10 → 107.00
    # i6 social: 45×0.80 = 36.00 × 1.0; hotline 15×0.96 = 14.40, risks 10.00; public
    #    70 80 90 → 80, superior 80, third party 80 → 16.00; no report 0 + 6 →  82.40
    # i7 party: 50.00, no ratings → coefficient 1, flagged; assigned 12.00, reports 4
    #    of 6 → 5.33; service 20×(0.7×90 + 0.3×80)/100 = 17.40; 10        →  94.73
    # i8 support: breach of staffing discipline → vetoed                  →   0.00
    # departments: 优秀 100, 较差 50, 良好 85
    assert totals(results) == {
        "d1": "100.00",
        "d2": "50.00",
        "d3": "85.00",
        "i1": "100.90",
        "i2": "88.00",
        "i3": "102.70",
        "i4": "98.17",
        "i5": "107.00",
        "i6": "82.40",
        "i7": "94.73",
        "i8": "0.00",
    }
    # grades: one 一等 by score in economic (i1) and enforcement (i5), none in groups of
    # one. Dual linkage: d1 优秀 → its most contributing institution across its three
    # groups, i3 (102.70), is 一等 — and only i3: i4, the best of d1 in enforcement,
    # stays 二等; d2 较差 → i5 loses its 一等. i8 was vetoed: 三等.
    assert {u: r["grade"] for u, r in results.items()} == {
        "d1": "excellent",
        "d2": "poor",
        "d3": "good",
        "i1": "first",
        "i2": "second",
        "i3": "first",
        "i4": "second",
        "i5": "second",
        "i6": "second",
        "i7": "second",
        "i8": "third",
    }
    assert [a["reason"] for a in results["i3"]["explanation"]["adjustments"][1:]] == [
        "department d1 rated excellent"
    ]
    assert results["i5"]["explanation"]["adjustments"][-1] == {
        "type": "linkage",
        "from": "first",
        "to": "second",
        "reason": "department d2 rated poor",
    }
    coefficient = results["i1"]["explanation"]["adjustments"][0]
    assert {k: coefficient[k] for k in ("type", "coefficient", "difficulty", "precision")} == {
        "type": "recognition",
        "coefficient": "1.1000",
        "difficulty": "80.00",
        "precision": "70.00",
    }
    assert (coefficient["before"], coefficient["after"], len(coefficient["seqs"])) == (
        "50.00",
        "55.00",
        6,
    )
    assert len(results["i3"]["explanation"]["adjustments"][0]["seqs"]) == 4  # recused
    assert results["i7"]["flags"] == ["no_coefficient"]
    assert results["i8"]["flags"] == ["veto"]
    assert "adjustments" not in results["i8"]["explanation"]  # the veto stays at 0

    rows = list(results.values())
    outcome = staffing_linkage("2026", rows, StaffingLinkageParams().load({}), [])
    assert {o["unit"]: o["staffing"] for o in outcome} == {
        "i1": "priority",
        "i2": "keep",
        "i3": "priority",
        "i4": "keep",
        "i5": "keep",
        "i6": "keep",
        "i7": "keep",
        "i8": "review",
    }


def test_quarterly_monitoring_report(linyi):
    _record(linyi, _expert_pool(linyi))
    with linyi.platform.db.transaction() as s:
        q1 = reporting.compute(s, linyi.platform, linyi.bureau(s), "2026", "2026-Q1").rows()
        q2 = reporting.compute(s, linyi.platform, linyi.bureau(s), "2026", "2026-Q2").rows()
    report = quarterly_report("2026", q2, MonitoringParams().load({}), previous=q1)
    # within Q2 only the quarterly task leaf counts (points × reported %, no coefficient:
    # the experts rated the year): i1 50×0.55 = 27.50, i2 50×0.38 = 19.00, i3 45×0.50 =
    # 22.50, i4 45×0.45 = 20.25, i5 22.50, i6 nothing reported 0.00, i7 25.00, i8 22.50.
    # Q1: i4 45×0.30 = 13.50 led i5 11.25; in Q2 i5 leads: i5 +1, i4 −1.
    # Lights against 50% ± 10: 55 50 50 50 50 green; 45 yellow; 38 red; i6 missing.
    assert report["expected"] == "50" and report["tolerance"] == "10"
    assert report["summary"] == {"green": 5, "yellow": 1, "red": 1, "missing": 1}
    assert [g["scheme"] for g in report["groups"]] == [
        "staffing-economic",
        "staffing-enforcement",
        "staffing-enterprise",
        "staffing-party",
        "staffing-social",
        "staffing-support",
    ]  # the departments have no task leaf: not monitored
    enforcement = report["groups"][1]
    assert (enforcement["size"], enforcement["mean"]) == (2, "21.38")  # 42.75 / 2 = 21.375
    assert [
        (u["unit"], u["rank"], u["rank_change"], u["total"], u["progress"], u["status"])
        for u in enforcement["units"]
    ] == [("i5", 1, 1, "22.50", "50", "green"), ("i4", 2, -1, "20.25", "45", "yellow")]
    assert [(a["unit"], a["status"]) for a in report["attention"]] == [
        ("i2", "red"),
        ("i6", "missing"),
    ]
    social = report["groups"][4]["units"][0]
    assert (social["total"], social["progress"], social["seqs"]) == ("0.00", None, [])
    i2 = report["groups"][0]["units"][1]
    progress_entry = next(e for e in entries(linyi.platform, "linyi") if e.seq == i2["seqs"][0])
    assert json.loads(progress_entry.body)["data"]["value"] == "38"

    data = published(report)
    schema = MonitoringPublishedSchema()
    assert schema.dump(schema.load(data)) == data
    with linyi.platform.db.transaction() as s:
        record(s, linyi.bureau(s).log_id, [Record(PUBLISHED, data, "staffing-office")])
    ((_, recorded),) = _events(linyi, (PUBLISHED,))
    text = json.dumps(report, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert recorded["digest"] == hashlib.sha256(text.encode()).hexdigest()
    assert recorded["attention"] == ["i2", "i6"]
