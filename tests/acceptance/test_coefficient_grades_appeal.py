"""D-14 recognition coefficient from a randomly drawn expert panel, D-30 grades with a
quota and D-31 outcomes, D-33 an appeal whose correction changes the ranking."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from core.domain.assessment import appeals
from core.domain.models import Bureau
from core.kernel.errors import Forbidden
from core.services import appeals as app_service
from tests.acceptance.conftest import totals
from tests.helpers import entries

LINYI = {
    "code": "linyi",
    "name": "事业单位绩效考核 (Linyi institutions)",
    "nodes": [
        {
            "code": "task",
            "name": "目标任务 (task completion)",
            "points": "60",
            "indicator": "completion",
            "rule": {"type": "target_ratio", "params": {"target": "100"}},
        },
        {
            "code": "basics",
            "name": "基础工作 (basic work)",
            "points": "40",
            "indicator": "basics",
            "rule": {"type": "threshold", "params": {"op": ">=", "value": "1"}},
        },
    ],
    "post": [
        {
            "type": "coefficient",
            "params": {
                "node": "task",
                "indicator": "goals",
                "low": "0.8",
                "high": "1.2",
                "trim": 1,
            },
        }
    ],
}


def test_recognition_coefficient_from_a_reproducible_expert_draw(office):
    office.units(("small", "小型事业单位", None), ("large", "大型事业单位", None))
    office.indicators(
        ("completion", "目标完成率", "%"), ("basics", "基础工作达标"), ("goals", "目标认定评分")
    )
    office.users("expert", "e1", "e2", "e3", "e4", "e5")
    office.scheme(LINYI)
    members = office.draw("goals", 3, seed="d14-seed")
    # the draw anyone can redo from the ledger: rank the pool by SHA-256(seed:member)
    ranked = sorted(
        ["e1", "e2", "e3", "e4", "e5"],
        key=lambda m: hashlib.sha256(f"d14-seed:{m}".encode()).hexdigest(),
    )
    assert members == sorted(ranked[:3])
    outsider = ranked[3]
    with pytest.raises(Forbidden):
        office.ratings(
            [
                {
                    "unit": "small",
                    "indicator": "goals",
                    "role": "expert",
                    "rater": outsider,
                    "score": "100",
                }
            ]
        )
    scores = {"small": ["90", "95", "80"], "large": ["50", "60", "40"]}
    office.ratings(
        [
            {"unit": unit, "indicator": "goals", "role": "expert", "rater": expert, "score": score}
            for unit, given in scores.items()
            for expert, score in zip(members, given, strict=True)
        ]
    )
    office.year("small", completion="100", basics="1")
    office.year("large", completion="95", basics="1")
    results = office.results()
    # small: task 60 × 100/100 = 60.00; experts 80 90 95, trimmed → 90;
    #        coefficient 0.8 + 0.4 × 90/100 = 1.16 → 60 × 1.16 = 69.60; + 40 = 109.60
    # large: task 60 × 95/100 = 57.00; experts 40 50 60 → 50; coefficient 1.00 → 57.00;
    #        + 40 = 97.00. The small unit with sound, fully met goals comes first.
    assert totals(results) == {"small": "109.60", "large": "97.00"}
    assert results["small"]["rank"] == 1
    (adjustment,) = results["small"]["explanation"]["adjustments"]
    assert adjustment["coefficient"] == "1.1600" and adjustment["after"] == "69.60"
    assert len(adjustment["seqs"]) == 3


def _one_leaf_scheme(code: str) -> dict:
    return {
        "code": code,
        "name": "综合考核",
        "nodes": [
            {
                "code": "score",
                "name": "综合得分",
                "points": "100",
                "indicator": "score",
                "rule": {"type": "target_ratio", "params": {"target": "100"}},
            }
        ],
        "grades": [
            {"code": "excellent", "name": "优秀", "min": "90", "quota": "0.2"},
            {"code": "good", "name": "良好", "min": "80"},
            {"code": "qualified", "name": "合格", "min": "60"},
            {"code": "unqualified", "name": "不合格"},
        ],
        "outcomes": {
            "pay": {
                "pool": "10000",
                "coefficients": {
                    "excellent": "1.5",
                    "good": "1.2",
                    "qualified": "1.0",
                    "unqualified": "0",
                },
            },
            "promotion": {"grade": "excellent", "years": 2},
            "training": {"bottom": 1},
        },
    }


def test_grades_with_a_quota_and_their_outcomes(office, platform):
    units = [f"u{n:02d}" for n in range(1, 11)]
    office.units(*[(u, f"单位{u}", "G") for u in units])
    office.indicators(("score", "综合得分"))
    office.cycle("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31), ["year"])
    office.scheme(_one_leaf_scheme("grading"), cycle="2025")
    office.values(
        [
            {"unit": "u01", "indicator": "score", "period": "2025", "value": "97"},
            {"unit": "u02", "indicator": "score", "period": "2025", "value": "80"},
        ],
        cycle="2025",
    )
    office.scheme(_one_leaf_scheme("grading"))
    given = ["96", "95", "95", "88", "85", "82", "75", "66", "59", "40"]
    for unit, value in zip(units, given, strict=True):
        office.year(unit, score=value)
    results = office.results()
    # at most 20% of 10 = 2 excellent; 96 qualifies, but the tie at 95 would make 3, so
    # both 95s drop to good (a quota is never exceeded); then by thresholds.
    assert [results[u]["grade"] for u in units] == [
        "excellent",
        "good",
        "good",
        "good",
        "good",
        "good",
        "qualified",
        "qualified",
        "unqualified",
        "unqualified",
    ]
    assert [results[u]["rank"] for u in units] == [1, 2, 2, 4, 5, 6, 7, 8, 9, 10]
    assert results["u01"]["grade_name"] == "优秀"

    outcomes = office.outcomes()
    # coefficients add up to 1.5 + 5×1.2 + 2×1.0 = 9.5; excellent 10000×1.5/9.5 =
    # 1578.947… → 1578.94, good 1263.157… → 1263.15, qualified 1052.631… → 1052.63;
    # the 5 fen left go to the largest remainders (.00789 of each good unit) → 1263.16
    bonus = {u: outcomes[u]["bonus"] for u in units}
    assert bonus == {
        "u01": "1578.94",
        **{u: "1263.16" for u in units[1:6]},
        "u07": "1052.63",
        "u08": "1052.63",
        "u09": "0.00",
        "u10": "0.00",
    }
    assert sum(float(v) for v in bonus.values()) == pytest.approx(10000)
    # excellent in 2025 (97) and 2026 (96): priority for promotion; u02 was good in 2025
    assert [u for u in units if outcomes[u]["promotion_eligible"]] == ["u01"]
    assert [u for u in units if outcomes[u]["training"]] == ["u10"]


def test_an_appeal_corrects_a_value_and_changes_the_rank(office, platform):
    office.units(("p1", "第一所", "G"), ("p2", "第二所", "G"))
    office.indicators(("score", "综合得分"))
    office.users("reviewer", "rev")
    office.scheme(_one_leaf_scheme("appeal"))
    office.year("p1", score="90")
    (wrong,) = office.year("p2", score="88")
    assert [office.results()[u]["rank"] for u in ("p1", "p2")] == [1, 2]

    code = office.appeal(unit="p2", indicator="score", reason="录入错误，实为95 (typo: 95)")
    office.assign(code, "rev")
    with platform.db.transaction() as s:
        bureau = s.scalar(select(Bureau.id).where(Bureau.code == "acc"))
        late = dt.datetime.now(dt.UTC) + dt.timedelta(hours=49)
        (listed,) = appeals.listing(s, bureau, None, overdue_only=True, at=late)
        assert listed["code"] == code and listed["value_seq"] == wrong
        assert appeals.listing(s, bureau, None, overdue_only=True) == []
    office.decide(code, "corrected", "核实原始台账 (checked the source ledger)", value="95")

    results = office.results()
    assert totals(results) == {"p1": "90.00", "p2": "95.00"}
    assert [results[u]["rank"] for u in ("p1", "p2")] == [2, 1]
    (appeal,) = app_service.listing(office.ctx, "acc")
    assert appeal["status"] == "decided" and appeal["decision"] == "corrected"
    leaf = results["p2"]["explanation"]["nodes"][0]["periods"][0]
    assert leaf["seqs"] == [appeal["correction_seq"]]
    correction = next(e for e in entries(platform, "acc") if e.seq == appeal["correction_seq"])
    assert f'"corrects":{wrong}' in correction.body.decode()
    assert f'"note":"appeal {code}"' in correction.body.decode()
