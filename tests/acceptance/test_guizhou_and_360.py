"""D-12 core 60 + leadership 30 + negative list 10 with a reform bonus beyond 100, and
D-13 360-degree weights (superior 40, service recipients 30, third party 20, peers and
self 10) with trimming."""

from __future__ import annotations

from tests.acceptance.conftest import totals

GUIZHOU = {
    "code": "gz",
    "name": "省直机关绩效考核 (Guizhou provincial organs)",
    "nodes": [
        {
            "code": "core",
            "name": "核心指标 (core indicators)",
            "points": "60",
            "children": [
                {
                    "code": "core.tasks",
                    "name": "重点任务完成率",
                    "points": "40",
                    "indicator": "tasks",
                    "rule": {"type": "target_ratio", "params": {"target": "100"}},
                },
                {
                    "code": "core.eprescription",
                    "name": "电子处方覆盖率 ≥ 80%",
                    "points": "20",
                    "indicator": "eprescription",
                    "rule": {"type": "threshold", "params": {"op": ">=", "value": "80"}},
                },
            ],
        },
        {
            "code": "leaders",
            "name": "领导评价 (leadership evaluation)",
            "points": "30",
            "indicator": "leader_eval",
            "rule": {"type": "multi_rater", "params": {"weights": {"superior": "1"}}},
        },
        {
            "code": "negative",
            "name": "负面清单 (negative list)",
            "points": "10",
            "indicator": "negatives",
            "source": "items",
            "rule": {"type": "deduction", "params": {"per_item": "5"}},
        },
        {
            "code": "reform",
            "name": "改革创新加分 (reform bonus)",
            "points": "5",
            "extra": True,
            "indicator": "reforms",
            "source": "items",
            "rule": {"type": "bonus", "params": {"per_item": "2", "cap": "5"}},
        },
    ],
}


def test_guizhou_60_30_10_with_reform_bonus(office):
    office.units(("g1", "林业局", None), ("g2", "卫健委", None))
    office.indicators(
        ("tasks", "重点任务完成率", "%"),
        ("eprescription", "电子处方覆盖率", "%"),
        ("leader_eval", "领导评价"),
        ("negatives", "负面清单事项"),
        ("reforms", "改革成果"),
    )
    office.scheme(GUIZHOU)
    office.year("g1", tasks="90", eprescription="85")
    office.year("g2", tasks="100", eprescription="60")
    office.ratings(
        [
            {
                "unit": "g1",
                "indicator": "leader_eval",
                "role": "superior",
                "rater": "L1",
                "score": "85",
            },
            {
                "unit": "g1",
                "indicator": "leader_eval",
                "role": "superior",
                "rater": "L2",
                "score": "95",
            },
            {
                "unit": "g2",
                "indicator": "leader_eval",
                "role": "superior",
                "rater": "L1",
                "score": "80",
            },
        ]
    )
    office.items(
        [
            {
                "unit": "g1",
                "indicator": "negatives",
                "quantity": "1",
                "reason": "审计发现问题 (audit)",
            },
            {
                "unit": "g1",
                "indicator": "reforms",
                "quantity": "2",
                "reason": "林业碳汇、首创经验 (forestry carbon sinks)",
            },
            {"unit": "g2", "indicator": "reforms", "quantity": "3", "reason": "医疗电子处方改革"},
        ]
    )
    results = office.results()
    # g1: core 40×0.90 = 36.00 + 20.00 (85 ≥ 80) = 56.00; leaders 30×(85+95)/2/100 = 27.00;
    #     negative list 10 − 5 = 5.00; reform 2×2 = 4.00 (beyond the 100) → 92.00
    # g2: core 40.00 + 0.00 = 40.00; leaders 30×0.80 = 24.00; negative 10.00;
    #     reform 3×2 = 6 capped at 5.00 → 79.00
    assert totals(results) == {"g1": "92.00", "g2": "79.00"}
    nodes = {n["code"]: n["score"] for n in results["g1"]["explanation"]["nodes"]}
    assert nodes == {"core": "56.00", "leaders": "27.00", "negative": "5.00", "reform": "4.00"}
    reform = results["g2"]["explanation"]["nodes"][3]
    assert reform["extra"] is True and len(reform["periods"][0]["seqs"]) == 1


THREE_SIXTY = {
    "code": "360",
    "name": "360度评价 (360-degree evaluation)",
    "nodes": [
        {
            "code": "eval",
            "name": "综合评价",
            "points": "100",
            "indicator": "eval360",
            "rule": {
                "type": "multi_rater",
                "params": {
                    "trim": 1,
                    "weights": {
                        "superior": "0.4",
                        "service_recipient": "0.3",
                        "third_party": "0.2",
                        "peer+self": "0.1",
                    },
                },
            },
        },
    ],
}


def test_360_degree_weights_with_trimming(office):
    office.units(("r1", "税务所一", None), ("r2", "税务所二", None))
    office.indicators(("eval360", "多维评价"))
    office.scheme(THREE_SIXTY)
    rows = [
        ("r1", "superior", "90"),
        ("r1", "service_recipient", "80"),
        ("r1", "service_recipient", "70"),
        ("r1", "service_recipient", "100"),
        ("r1", "service_recipient", "60"),
        ("r1", "third_party", "85"),
        ("r1", "peer", "70"),
        ("r1", "self", "90"),
        ("r2", "superior", "80"),
        ("r2", "service_recipient", "90"),
        ("r2", "self", "100"),
    ]
    office.ratings(
        [
            {"unit": u, "indicator": "eval360", "role": role, "rater": f"{u}-{n}", "score": score}
            for n, (u, role, score) in enumerate(rows)
        ]
    )
    results = office.results()
    # r1: superior 90; service recipients 60 70 80 100, trimmed → (70+80)/2 = 75;
    #     third party 85; peers and self pooled (70, 90) → 80 (two scores: not trimmed)
    #     100 × (0.4×90 + 0.3×75 + 0.2×85 + 0.1×80) / 100 = 36 + 22.5 + 17 + 8 = 83.50
    # r2: no third-party ratings, so the other weights are scaled up (0.4+0.3+0.1 = 0.8):
    #     (0.4×80 + 0.3×90 + 0.1×100) / 0.8 = 69 / 0.8 = 86.25
    assert totals(results) == {"r1": "83.50", "r2": "86.25"}
    assert results["r2"]["rank"] == 1
    period = results["r1"]["explanation"]["nodes"][0]["periods"][0]
    assert len(period["seqs"]) == 8 and {"role": "third_party", "score": "85"} in period["input"]
