"""Community correction through the real engine (D-10, D-31, D-42): the social-worker
scheme (12 items, 51 rules) with reviewers' deduction and bonus items, the bonus cap,
the grade ceiling after an abscondence, the veto and pay; and the justice offices'
quarterly mediation standing fed by the 苏解纷 export. Numbers by hand in the comments.

Social workers are people; until the engine has ``subject: person`` they stand in as
units of group cc-worker under their justice office (see education_correction_support).
"""

from __future__ import annotations

from pathlib import Path

from core.assessment import reporting
from core.values import record_values
from plugins import community_correction as cc
from plugins.community_correction.mediation_import import parse
from tests.acceptance.conftest import totals
from tests.plugins.education_correction_support import (
    by_subject,
    items,
    outcome_rows,
    people,
    publish_all,
    sector_office,
)

SAMPLES = Path(__file__).resolve().parents[2] / "plugins" / "community_correction" / "samples"
SETTINGS = {"excellent_quota": "0.4", "deductions": {"visit.record": "1"}}


def mediation(office, unit: str, rate: str, days: str, rating: str, visits: str) -> None:
    office.year(
        unit,
        cc_visit_rate=visits,
        cc_mediation_success_rate=rate,
        cc_mediation_duration=days,
        cc_mediation_rating=rating,
    )


def test_social_workers_by_deduction_with_capped_bonus_ceiling_veto_and_pay(platform):
    office = sector_office(platform, "community_correction", cc.library())
    office.units(("sfs-mudu", "木渎司法所", "sfs"), ("sfs-guoxiang", "郭巷司法所", "sfs"))
    people(office, "cc-worker", "sfs-mudu", "w1", "w2", "w3")
    people(office, "cc-worker", "sfs-guoxiang", "w4", "w5")
    publish_all(office, cc.render(SETTINGS))

    mediation(office, "w1", rate="95", days="11", rating="4.8", visits="100")
    items(
        office,
        "w1",
        {
            "cc_bonus_adopted": "1",
            "cc_bonus_publicity": "3",
            "cc_bonus_honour": "2",
            "cc_bonus_case": "1",
            "cc_bonus_dispute": "2",
        },
        "年度加分申报 (bonus claims)",
    )
    mediation(office, "w2", rate="85", days="18", rating="4.2", visits="90")
    items(
        office,
        "w2",
        {"cc_supervision_check": "2", "cc_files_complete": "7", "cc_safety_abscond": "1"},
        "季度督查 (quarterly inspection)",
    )
    items(office, "w2", {"cc_bonus_honour": "1"}, "金牌调解员 (gold mediator)")
    mediation(office, "w3", rate="90", days="15", rating="4.5", visits="100")
    items(
        office,
        "w3",
        {
            "cc_survey_overdue": "1",
            "cc_education_talk": "4",
            "cc_discipline_study": "2",
            "cc_visit_record": "3",
        },
        "季度督查 (quarterly inspection)",
    )
    mediation(office, "w4", rate="100", days="5", rating="5", visits="100")
    office.year("w4", cc_safety_major="1")  # a reoffence with serious consequences
    # w5: nothing recorded at all

    results = office.results()
    # w1: no deduction, every data rule met: 100.00; bonus 1×1 + min(3×0.5, 1) + 2×1
    #     + 1×0.5 + 2×1 = 1 + 1 + 2 + 0.5 + 2 = 6.50, capped at 5 → 105.00
    # w2: visits 4 × 90/100 = 3.60 (−0.40); success 4 × 85/90 = 3.777… → 3.78 (−0.22);
    #     days 3 × 15/18 = 2.50 (−0.50); rating (4.2 − 3)/1.5 = 0.8 → 2.40 (−0.60);
    #     spot checks 2 × 1 (−2); files 7 × 0.5 = 3.5 but the rule has 3 (−3, 扣完为止);
    #     abscondence 1 × 2 (−2) → 100 − 8.72 = 91.28; bonus 1 → 92.28
    # w3: survey 1 × 2 (−2); talks 4 × 1 but the rule has 3 (−3); study 2 × 0.5 (−1);
    #     visit records 3 × 1 (the bureau's price instead of 0.5) but the rule has 2 (−2)
    #     → 92.00
    # w4: veto → 0.00
    # w5: no visits and no platform data: the four data rules score 0 (−4 −4 −3 −3)
    #     → 86.00
    # (the justice offices are units of group sfs: their own mediation scheme finds no
    # figures for them in this test and scores 0)
    assert totals(results) == {
        "w1": "105.00",
        "w2": "92.28",
        "w3": "92.00",
        "w4": "0.00",
        "w5": "86.00",
        "sfs-guoxiang": "0.00",
        "sfs-mudu": "0.00",
    }
    # grades: excellent ≥ 90 for at most 0.4 × 5 = 2 workers: w1 and w2; w3 (92.00) finds
    # the quota full → good; w2 then loses excellent to the ceiling (abscondence) and
    # the freed place is not handed on; the veto puts w4 last
    assert {u: (r["rank"], r["grade"]) for u, r in results.items() if u.startswith("w")} == {
        "w1": (1, "excellent"),
        "w2": (2, "good"),
        "w3": (3, "good"),
        "w4": (5, "unqualified"),
        "w5": (4, "good"),
    }
    adjustments = results["w1"]["explanation"]["adjustments"]
    assert adjustments == [
        {
            "type": "node_cap",
            "node": "bonus",
            "cap": "5",
            "before": "6.50",
            "after": "5.00",
            "label": "加分合计不超过5分",
        }
    ]
    assert results["w1"]["dimensions"]["bonus"] == "5.00"
    ceiling = results["w2"]["explanation"]["adjustments"]
    assert [(a["type"], a["from"], a["to"]) for a in ceiling] == [
        ("grade_ceiling", "excellent", "good")
    ]
    assert results["w2"]["dimensions"]["safety"] == "4.00"

    # pay: 96 000, 80% fixed (76 800) + 20% (19 200) × total ÷ 100, at most in full
    rows = outcome_rows(
        results,
        {
            "w1": "sfs-mudu",
            "w2": "sfs-mudu",
            "w3": "sfs-mudu",
            "w4": "sfs-guoxiang",
            "w5": "sfs-guoxiang",
        },
    )
    (pay,) = cc.OUTCOME_TYPES
    pay.apply(rows, pay.params_schema().load(cc.outcome_params(SETTINGS)[pay.name]), [])
    # w1 105 → in full 19 200; w2 19 200 × 0.9228 = 17 717.76; w3 × 0.92 = 17 664;
    # w5 × 0.86 = 16 512; w4 vetoed: 0
    assert by_subject(rows, "pay_performance", "pay_total") == {
        "w1": ("19200.00", "96000.00"),
        "w2": ("17717.76", "94517.76"),
        "w3": ("17664.00", "94464.00"),
        "w4": ("0.00", "76800.00"),
        "w5": ("16512.00", "93312.00"),
    }


def test_justice_offices_quarterly_mediation_standing_from_the_platform_export(platform):
    office = sector_office(platform, "community_correction", cc.library())
    office.units(
        ("sfs-changqiao", "长桥司法所", "sfs"),
        ("sfs-mudu", "木渎司法所", "sfs"),
        ("sfs-guoxiang", "郭巷司法所", "sfs"),
    )
    publish_all(office, cc.render())
    data = (SAMPLES / "sujiefen-2026Q1.json").read_bytes()
    rows, errors = parse(data, "sujiefen-2026Q1.json")
    assert errors == []
    office_rows = [r for r in rows if "person" not in r]  # the offices' own totals
    assert len(office_rows) == 12
    with platform.db.transaction() as s:
        done = record_values(s, platform, office.bureau(s), office_rows, None, "test")
    # the scheme's targets flow into the entry warnings: 木渎 85% < 90%, 18 days > 15
    assert [(office_rows[w["row"] - 1]["unit"], w["check"]) for w in done.warnings] == [
        ("sfs-mudu", "threshold-breach"),
        ("sfs-mudu", "threshold-breach"),
        ("sfs-guoxiang", "threshold-breach"),
    ]
    assert [office_rows[w["row"] - 1]["indicator"] for w in done.warnings] == [
        "cc_mediation_success_rate",
        "cc_mediation_duration",
        "cc_mediation_success_rate",
    ]
    with platform.db.transaction() as s:
        standing = reporting.compute(s, platform, office.bureau(s), "2026", "2026-Q1")
        found = {r["unit"]: r for r in standing.rows(with_explanation=False)}
    # 长桥: 93.75% ≥ 90 → 40.00; 12.5 days ≤ 15 → 30.00; rating 4.6 ≥ 4.5 → 30.00: 100.00
    # 木渎: 40 × 85/90 = 37.777… → 37.78; 30 × 15/18 = 25.00; (4.2 − 3)/1.5 = 0.8 → 24.00
    #       → 86.78
    # 郭巷: 40 × 80/90 = 35.555… → 35.56; 9 days → 30.00; (3.9 − 3)/1.5 = 0.6 → 18.00
    #       → 83.56
    assert {u: (r["total"], r["rank"], r["grade"]) for u, r in found.items()} == {
        "sfs-changqiao": ("100.00", 1, "excellent"),
        "sfs-mudu": ("86.78", 2, "good"),
        "sfs-guoxiang": ("83.56", 3, "good"),
    }
