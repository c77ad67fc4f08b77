"""D-02 five-dimension scheme for two groups (D-03): each group its own indicators and
rules, units ranked only within their group, every number traced to its ledger seq."""

from __future__ import annotations

from tests.acceptance.conftest import totals


def dimension(code: str, name: str, points: str, indicator: str, rule: dict, **meta) -> dict:
    leaf = {"code": f"{code}.1", "name": name, "points": points, "indicator": indicator}
    return {
        "code": code,
        "name": name,
        "points": points,
        "children": [leaf | {"rule": rule} | meta],
    }


def ratio(target: str, **more) -> dict:
    return {"type": "target_ratio", "params": {"target": target, **more}}


GROUP_A = {
    "code": "five-A",
    "name": "审批服务类五维考核 (class A)",
    "group": "A",
    "nodes": [
        dimension("task", "任务完成 (task completion)", "30", "key_work", ratio("100")),
        dimension(
            "quality",
            "质量效果 (quality and effect)",
            "30",
            "digital",
            {
                "type": "ladder",
                "params": {
                    "mode": "linear",
                    "steps": [
                        {"at": "60", "score": "0.6"},
                        {"at": "80", "score": "0.8"},
                        {"at": "100", "score": "1"},
                    ],
                },
            },
        ),
        dimension(
            "service", "服务满意 (service and satisfaction)", "20", "satisfaction", ratio("90")
        ),
        dimension(
            "manage",
            "绩效管理 (performance management)",
            "10",
            "mgmt_faults",
            {"type": "deduction", "params": {"per_item": "2"}},
            source="items",
        ),
        dimension("resource", "资源效率 (resource efficiency)", "10", "budget_exec", ratio("100")),
    ],
}

GROUP_B = {
    "code": "five-B",
    "name": "综合管理类五维考核 (class B)",
    "group": "B",
    "nodes": [
        dimension("task", "任务完成 (task completion)", "30", "key_work", ratio("100")),
        dimension(
            "quality",
            "政策协同 (policy coordination)",
            "30",
            "joint_docs",
            {"type": "count_vs_target", "params": {"target": 4}},
        ),
        dimension(
            "service",
            "服务满意 (service and satisfaction)",
            "20",
            "satisfaction",
            {"type": "threshold", "params": {"op": ">=", "value": "90"}},
        ),
        dimension(
            "manage",
            "绩效管理 (performance management)",
            "10",
            "mgmt_grade",
            {
                "type": "grade_points",
                "params": {"grades": {"优": "1", "良": "0.8", "中": "0.6", "差": "0"}},
            },
        ),
        dimension(
            "resource",
            "资源效率 (resource efficiency)",
            "10",
            "subsidy",
            ratio("330", direction="lower"),
        ),
    ],
}


def test_two_groups_each_with_its_own_five_dimension_scheme(office):
    office.units(
        ("a1", "政务服务局", "A"),
        ("a2", "行政审批局", "A"),
        ("b1", "发改委", "B"),
        ("b2", "财政局", "B"),
    )
    office.indicators(
        ("key_work", "重点工作完成率", "%"),
        ("digital", "数字化转型进度", "%"),
        ("satisfaction", "群众满意度", "%"),
        ("mgmt_faults", "管理扣分项", "项"),
        ("budget_exec", "预算执行率", "%"),
        ("joint_docs", "联合发文数", "件"),
        ("mgmt_grade", "绩效管理评级", "grade"),
        ("subsidy", "轮换补贴(万元)", "万元"),
    )
    office.scheme(GROUP_A)
    office.scheme(GROUP_B)
    seqs = office.year("a1", key_work="96", digital="90", satisfaction="93", budget_exec="85")
    office.year("a2", key_work="100", digital="70", satisfaction="81", budget_exec="99")
    office.items(
        [
            {
                "unit": "a1",
                "indicator": "mgmt_faults",
                "quantity": "1",
                "reason": "未按时报送季度材料 (late quarterly report)",
            }
        ]
    )
    office.year(
        "b1", key_work="90", joint_docs="3", satisfaction="92", mgmt_grade="良", subsidy="300"
    )
    office.year(
        "b2", key_work="100", joint_docs="5", satisfaction="88", mgmt_grade="优", subsidy="366"
    )

    results = office.results()

    # a1: 30×96/100 = 28.80; digital 90 lies halfway 80→100, share 0.9: 27.00;
    #     93/90 capped at 1: 20.00; one fault: 10 − 2 = 8.00; 10×85/100 = 8.50 → 92.30
    # a2: 30.00; digital 70 halfway 60→80, share 0.7: 21.00; 20×81/90 = 18.00;
    #     no faults: 10.00; 9.90 → 88.90
    # b1: 27.00; 3 of 4 documents: 22.50; 92 ≥ 90: 20.00; 良 = 0.8: 8.00;
    #     330/300 capped at 1: 10.00 → 87.50
    # b2: 30.00; 5 of 4 capped: 30.00; 88 < 90: 0.00; 优: 10.00;
    #     10×330/366 = 9.0163… → 9.02 → 79.02
    assert totals(results) == {"a1": "92.30", "a2": "88.90", "b1": "87.50", "b2": "79.02"}
    # ranked within the group: b1 is first in B although a2 (88.90) scored more
    assert {u: (r["group"], r["rank"]) for u, r in results.items()} == {
        "a1": ("A", 1),
        "a2": ("A", 2),
        "b1": ("B", 1),
        "b2": ("B", 2),
    }
    assert results["a1"]["scheme"] == "five-A" and results["b1"]["scheme"] == "five-B"

    task = results["a1"]["explanation"]["nodes"][0]
    assert task["score"] == "28.80"
    leaf = task["children"][0]
    assert leaf["periods"] == [
        {"period": "2026", "input": "96", "seqs": [seqs[0]], "score": "28.80"}
    ]
    assert results["a1"]["explanation"]["scheme"]["published_seq"] > 0
