"""Veto, threshold gate, department linkage (D-15, D-17); the entry warnings (D-22,
D-23); scheme validation of the new sections."""

from __future__ import annotations

import datetime as dt

import pytest

from core.kernel.errors import InvalidInput
from core.services import schemes, values
from tests.acceptance.conftest import Office, totals


def _scheme(**more) -> dict:
    return {
        "code": more.pop("code", "s"),
        "name": "考核",
        "nodes": [
            {
                "code": "work",
                "name": "工作",
                "points": "100",
                "indicator": "work",
                "rule": {"type": "target_ratio", "params": {"target": "100"}},
            },
            {
                "code": "safety",
                "name": "安全生产一票否决",
                "points": "0",
                "indicator": "accidents",
                "rule": {"type": "veto", "params": {"op": ">=", "value": "1"}},
            },
        ],
        "grades": [
            {"code": "first", "name": "一等", "min": "90"},
            {"code": "second", "name": "二等", "min": "70"},
            {"code": "third", "name": "三等"},
        ],
        **more,
    }


@pytest.fixture
def office(platform) -> Office:
    found = Office(platform)
    found.indicators(("work", "工作完成率", "%"), ("accidents", "重大安全事故"))
    return found


def test_veto_zeroes_the_total_and_gives_the_last_grade(office):
    office.units(("v1", "甲", None), ("v2", "乙", None))
    office.scheme(_scheme())
    office.year("v1", work="98", accidents="1")
    office.year("v2", work="75", accidents="0")
    results = office.results()
    assert totals(results) == {"v1": "0.00", "v2": "75.00"}
    assert results["v1"]["grade"] == "third" and results["v1"]["flags"] == ["veto"]
    assert results["v1"]["explanation"]["veto"] == ["safety"]
    assert results["v2"]["grade"] == "second"


def test_gate_flags_totals_below_the_line(office):
    office.units(("f1", "项目一", None), ("f2", "项目二", None))
    office.scheme(
        _scheme(
            post=[
                {
                    "type": "gate",
                    "params": {
                        "below": "85",
                        "flag": "funding_suspended",
                        "label": "中期得分低于85分暂停拨款",
                    },
                }
            ]
        )
    )
    office.year("f1", work="84.99", accidents="0")
    office.year("f2", work="85", accidents="0")
    results = office.results()
    assert results["f1"]["flags"] == ["funding_suspended"]
    assert results["f2"]["flags"] == []


def test_department_linkage_promotes_the_best_and_caps_the_rest(office):
    office.units(
        ("d1", "主管部门一", "dept"),
        ("d2", "主管部门二", "dept"),
        ("x1", "所属一", "inst", "d1"),
        ("x2", "所属二", "inst", "d1"),
        ("y1", "所属三", "inst", "d2"),
    )
    office.scheme(_scheme(code="dept", group="dept"))
    linkage = {"type": "linkage", "params": {"excellent": "first", "poor": "third"}}
    office.scheme(_scheme(code="inst", group="inst", post=[linkage]))
    office.year("d1", work="95", accidents="0")  # first
    office.year("d2", work="50", accidents="0")  # third
    office.year("x1", work="80", accidents="0")  # second, best under d1 → first
    office.year("x2", work="75", accidents="0")  # second
    office.year("y1", work="92", accidents="0")  # first, but d2 is third → second
    results = office.results()
    assert {u: results[u]["grade"] for u in ("d1", "d2", "x1", "x2", "y1")} == {
        "d1": "first",
        "d2": "third",
        "x1": "first",
        "x2": "second",
        "y1": "second",
    }
    (adjustment,) = results["y1"]["explanation"]["adjustments"]
    assert adjustment == {
        "type": "linkage",
        "from": "first",
        "to": "second",
        "reason": "department d2 rated third",
    }


def _record(office, rows):
    rows = [{"cycle": "2026", **r} for r in rows]
    return values.record(office.ctx, office.code, rows)["warnings"]


def test_entry_warnings(office, platform):
    office.units(("w1", "窗口", None))
    office.indicators(("satisfaction", "群众满意度", "%"), ("rotation", "轮换完成率", "%"))
    office.scheme(
        {
            "code": "w",
            "name": "预警",
            "nodes": [
                {
                    "code": "s",
                    "name": "满意度",
                    "points": "100",
                    "indicator": "satisfaction",
                    "frequency": "quarter",
                    "target": "90",
                    "warn_after": 2,
                    "rule": {"type": "target_ratio", "params": {"target": "90"}},
                }
            ],
        }
    )
    checks = lambda ws: sorted(w["check"] for w in ws)  # noqa: E731

    def q(n, v):
        return {
            "unit": "w1",
            "indicator": "satisfaction",
            "period": f"2026-Q{n}",
            "value": v,
        }

    assert checks(_record(office, [q(1, "85")])) == ["threshold-breach"]
    # the second miss in a row, in one batch with a ceiling case (> 99%)
    warnings = _record(office, [q(2, "88"), q(3, "99.5")])
    assert checks(warnings) == ["consecutive-abnormal", "satisfaction-ceiling", "threshold-breach"]
    assert {w["row"] for w in warnings if w["check"] == "consecutive-abnormal"} == {1}
    assert all(w["seq"] > 0 for w in warnings)
    # zombie: the annual value moved by less than 1% from the year before
    office.cycle("2027", dt.date(2027, 1, 1), dt.date(2027, 12, 31), ["year"])
    _record(office, [{"unit": "w1", "indicator": "rotation", "period": "2026", "value": "96.0"}])
    zombie = _record(
        office,
        [
            {
                "unit": "w1",
                "indicator": "rotation",
                "cycle": "2027",
                "period": "2027",
                "value": "96.5",
            }
        ],
    )
    assert checks(zombie) == ["zombie-indicator"]
    office.units(("w2", "窗口二", None))
    _record(office, [{"unit": "w2", "indicator": "rotation", "period": "2026", "value": "96.0"}])
    moved = _record(
        office,
        [{"unit": "w2", "indicator": "rotation", "cycle": "2027", "period": "2027", "value": "98"}],
    )
    assert moved == []  # +2.1%: a living indicator


def test_scheme_sections_are_validated(office, platform):
    bad = _scheme(
        grades=[{"code": "a", "min": "60"}, {"code": "b", "min": "80"}],
        post=[
            {"type": "coefficient", "params": {"node": "nope", "indicator": "work"}},
            {"type": "teleport"},
        ],
        outcomes={"promotion": {"years": 2}},
    )
    bad["nodes"][0]["combine"] = {"2026-Q1": "0.5"}
    with pytest.raises(InvalidInput) as caught:
        schemes.import_scheme(office.ctx, office.code, "2026", bad)
    fields = {e.field for e in caught.value.errors}
    assert {
        "grades[1].min",
        "post[0].params.node",
        "post[1].type",
        "outcomes.promotion.grade",
        "nodes[0].combine",
    } <= fields


def test_warnings_follow_the_scheme_that_scores_the_unit(office):
    """A unit whose group has no scheme of its own is scored by the group-less scheme,
    and its entry warnings use that scheme's targets too."""
    office.units(("g1", "无专属方案的单位", "orphans"))
    office.scheme(
        {
            "code": "all",
            "name": "通用方案",
            "nodes": [
                {
                    "code": "w",
                    "name": "工作",
                    "points": "100",
                    "indicator": "work",
                    "target": "90",
                    "rule": {"type": "target_ratio", "params": {"target": "100"}},
                }
            ],
        }
    )
    warnings = _record(
        office, [{"unit": "g1", "indicator": "work", "period": "2026", "value": "80"}]
    )
    assert [w["check"] for w in warnings] == ["threshold-breach"]
    assert office.results()["g1"]["scheme"] == "all"


def test_period_combination_and_formula_inputs(office):
    """combine: weights by period and "last"; a formula leaf reading a second indicator
    of the same unit and period, and scoring 0 (with a note) when that input is missing."""
    office.units(("c1", "甲", None), ("c2", "乙", None))
    office.indicators(("budget", "预算数", "万元"), ("spent", "执行数", "万元"))
    office.scheme(
        {
            "code": "combo",
            "name": "组合",
            "nodes": [
                {
                    "code": "weighted",
                    "name": "加权",
                    "points": "40",
                    "indicator": "work",
                    "frequency": "quarter",
                    "combine": {
                        "2026-Q1": "0.1",
                        "2026-Q2": "0.2",
                        "2026-Q3": "0.3",
                        "2026-Q4": "0.4",
                    },
                    "rule": {"type": "target_ratio", "params": {"target": "100"}},
                },
                {
                    "code": "latest",
                    "name": "最新",
                    "points": "30",
                    "indicator": "accidents",
                    "frequency": "quarter",
                    "combine": "last",
                    "rule": {"type": "deduction", "params": {"per_item": "10"}},
                },
                {
                    "code": "execution",
                    "name": "预算执行",
                    "points": "30",
                    "indicator": "spent",
                    "inputs": {"budget": "budget"},
                    "rule": {
                        "type": "formula",
                        "params": {"expression": "points * value / budget"},
                    },
                },
            ],
        }
    )
    quarters = {"2026-Q1": "100", "2026-Q2": "50", "2026-Q3": "100", "2026-Q4": "75"}
    office.values(
        [{"unit": "c1", "indicator": "work", "period": p, "value": v} for p, v in quarters.items()]
    )
    office.values(
        [
            {"unit": "c1", "indicator": "accidents", "period": p, "value": v}
            for p, v in (("2026-Q1", "3"), ("2026-Q2", "1"))
        ]
    )
    office.year("c1", spent="450", budget="500")
    office.year("c2", spent="450")
    results = office.results()
    # weighted: 40 × (0.1×1 + 0.2×0.5 + 0.3×1 + 0.4×0.75) = 40 × 0.8 = 32.00
    # latest: the last quarter with a value is Q2, one accident: 30 − 10 = 20.00
    # execution: 30 × 450 / 500 = 27.00 → 79.00
    assert results["c1"]["dimensions"] == {
        "weighted": "32.00",
        "latest": "20.00",
        "execution": "27.00",
    }
    assert results["c1"]["total"] == "79.00"
    execution = results["c2"]["explanation"]["nodes"][2]["periods"][0]
    assert execution["note"] == "missing input budget" and execution["score"] == "0.00"
    assert results["c1"]["explanation"]["nodes"][2]["periods"][0]["input"] == {
        "value": "450",
        "budget": "500",
    }


def test_a_coefficient_on_a_nested_node_carries_up_the_tree(office):
    office.units(("n1", "甲", None))
    office.indicators(("goals", "目标认定"))
    office.users("expert", "x1", "x2", "x3")
    office.scheme(
        {
            "code": "nested",
            "name": "嵌套",
            "nodes": [
                {
                    "code": "perf",
                    "name": "业绩",
                    "points": "60",
                    "children": [
                        {
                            "code": "task",
                            "name": "任务",
                            "points": "60",
                            "indicator": "work",
                            "rule": {"type": "target_ratio", "params": {"target": "100"}},
                        }
                    ],
                },
                {
                    "code": "basics",
                    "name": "基础",
                    "points": "40",
                    "indicator": "accidents",
                    "rule": {"type": "threshold", "params": {"op": "<=", "value": "0"}},
                },
            ],
            "post": [{"type": "coefficient", "params": {"node": "task", "indicator": "goals"}}],
        }
    )
    experts = office.draw("goals", 3, seed="nested")
    office.ratings(
        [
            {"unit": "n1", "indicator": "goals", "role": "expert", "rater": e, "score": s}
            for e, s in zip(experts, ("80", "90", "100"), strict=True)
        ]
    )
    office.year("n1", work="100", accidents="0")
    result = office.results()["n1"]
    # trimmed mean 90 → coefficient 0.8 + 0.4 × 0.9 = 1.16; task 60 → 69.60, and its
    # parent "perf" follows: 69.60; total 69.60 + 40 = 109.60
    assert result["dimensions"] == {"perf": "69.60", "basics": "40.00"}
    assert result["total"] == "109.60"
