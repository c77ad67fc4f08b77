"""What the sector plugins asked of the core (their NEEDS.md), each shown by the engine:
a vetoed total stays 0 whatever the post-processors do; the built-in linkage never
raises a vetoed subject; ``combine: sum`` adds up a leaf's periods' inputs (daily
points, D-11); outcome types know the cycle; plugins' commands get their context."""

from __future__ import annotations

import pytest

from core.kernel.errors import InvalidInput, NotFound
from core.services import plugins as plugin_service
from core.services import results
from tests.plugins.support import Office

EXPERTS = ("e1", "e2", "e3")


def _leaf(code: str, points: str, indicator: str, rule: str, **params) -> dict:
    return {"code": code, "name": code, "points": points, "indicator": indicator,
            "rule": {"type": rule, "params": params}}  # fmt: skip


@pytest.fixture
def office(platform) -> Office:
    office = Office(platform, "core")
    office.indicators(("i1", "任务"), ("i2", "质量"), ("i3", "事故"), ("i4", "目标认定"))
    return office


def test_a_vetoed_total_stays_zero_after_a_coefficient_lifts_its_nodes(office):
    office.units(("u1", "甲", "A"), ("u2", "乙", "A"))
    office.users("expert", *EXPERTS)
    office.scheme(
        {
            "code": "s", "name": "方案", "group": "A",
            "nodes": [
                _leaf("task", "60", "i1", "target_ratio", target="100"),
                _leaf("quality", "40", "i2", "target_ratio", target="100"),
                _leaf("veto", "0", "i3", "veto", op=">=", value="1"),
            ],
            "post": [{"type": "coefficient", "params": {"node": "task", "indicator": "i4"}}],
            "grades": [{"code": "good", "name": "好", "min": "60"}, {"code": "poor", "name": "差"}],
        }
    )  # fmt: skip
    office.year("u1", i1="100", i2="100", i3="1")  # vetoed
    office.year("u2", i1="100", i2="100", i3="0")
    assert sorted(office.draw("i4", 3, "core", list(EXPERTS))) == list(EXPERTS)
    office.ratings(
        [
            {"unit": u, "indicator": "i4", "role": "expert", "rater": e, "score": s}
            for u in ("u1", "u2")
            for e, s in zip(EXPERTS, ("90", "80", "70"), strict=True)
        ]
    )
    found = office.results()
    # trimmed mean of 90, 80, 70 (highest and lowest dropped) = 80;
    # coefficient = 0.8 + (1.2 − 0.8) × 80 ÷ 100 = 1.12; task 60 × 1.12 = 67.20
    assert found["u2"]["total"] == "107.20"  # 67.20 + 40
    # u1: the veto makes the total 0; the coefficient moved task from 60 to 67.20 and,
    # through adjust_node, would have left the total at 0 + 7.20 = 7.20
    assert found["u1"]["total"] == "0.00"
    assert found["u1"]["grade"] == "poor" and "veto" in found["u1"]["flags"]
    adjustments = found["u1"]["explanation"]["adjustments"]
    assert adjustments[-1] == {"type": "veto", "before": "7.20", "after": "0.00"}
    assert found["u1"]["rank"] == 2


def test_the_builtin_linkage_never_raises_a_vetoed_institution(office):
    office.units(
        ("d1", "主管部门一", "D"),
        ("d2", "主管部门二", "D"),
        ("u1", "甲", "A", "d1"),
        ("u2", "乙", "A", "d2"),
        ("u3", "丙", "A", "d2"),
    )
    office.scheme(
        {
            "code": "dept", "name": "部门", "group": "D",
            "nodes": [_leaf("r", "100", "i1", "target_ratio", target="100")],
            "grades": [{"code": "excellent", "name": "优秀", "min": "90"},
                       {"code": "poor", "name": "较差"}],
        }
    )  # fmt: skip
    office.scheme(
        {
            "code": "inst", "name": "单位", "group": "A",
            "nodes": [
                _leaf("task", "100", "i2", "target_ratio", target="100"),
                _leaf("veto", "0", "i3", "veto", op=">=", value="1"),
            ],
            "post": [{"type": "linkage", "params": {"excellent": "excellent", "poor": "poor"}}],
            "grades": [{"code": "first", "name": "一等", "min": "95"},
                       {"code": "second", "name": "二等", "min": "50"},
                       {"code": "third", "name": "三等"}],
        }
    )  # fmt: skip
    for dept in ("d1", "d2"):
        office.year(dept, i1="95")  # both departments excellent
    office.year("u1", i2="80", i3="1")  # d1's only institution, vetoed: total 0
    office.year("u2", i2="60", i3="1")  # vetoed
    office.year("u3", i2="55", i3="0")  # 55: second by score, d2's only eligible one
    found = office.results()
    assert found["u1"]["grade"] == "third" and found["u1"]["total"] == "0.00"
    assert found["u2"]["grade"] == "third"
    assert found["u3"]["grade"] == "first"  # raised: the most contributing eligible one
    assert found["u3"]["explanation"]["adjustments"][-1]["from"] == "second"


def test_combine_sum_adds_up_the_days_and_scores_the_sum_once(platform):
    office = Office(platform, "days", cycle_kinds=("day", "month", "year"))
    office.units(("u1", "甲", "A"))
    office.indicators(("ded", "扣分"), ("bon", "加分"), ("err", "差错"), ("y", "年度"))
    office.scheme(
        {
            "code": "points", "name": "日积分", "group": "A",
            "nodes": [
                {**_leaf("d", "10", "ded", "deduction", per_item="1"),
                 "frequency": "day", "combine": "sum"},
                {**_leaf("k", "10", "err", "deduction", per_item="2"),
                 "frequency": "day", "combine": "sum", "source": "items"},
                _leaf("y", "80", "y", "target_ratio", target="100"),
                {**_leaf("b", "5", "bon", "bonus", per_item="1"),
                 "frequency": "day", "combine": "sum", "extra": True},
            ],
        }
    )  # fmt: skip
    seqs = office.values(
        [
            {"unit": "u1", "indicator": "ded", "period": "2026-01-05", "value": "2"},
            {"unit": "u1", "indicator": "ded", "period": "2026-03-10", "value": "3.5"},
            {"unit": "u1", "indicator": "bon", "period": "2026-02-01", "value": "3"},
            {"unit": "u1", "indicator": "bon", "period": "2026-03-02", "value": "4"},
            {"unit": "u1", "indicator": "y", "period": "2026", "value": "90"},
        ]
    )
    office.items(
        [
            {"unit": "u1", "indicator": "err", "period": p, "quantity": q, "reason": "差错"}
            for p, q in (("2026-04-01", "1"), ("2026-04-02", "2"))
        ]
    )
    row = office.results()["u1"]
    # d: 10 − (2 + 3.5) = 4.50; k: 10 − 2 × (1 + 2) = 4.00; y: 80 × 90% = 72.00;
    # b: 3 + 4 = 7, at most the leaf's 5 → 5.00; total 4.50 + 4.00 + 72.00 + 5.00 = 85.50
    assert row["total"] == "85.50"
    assert row["dimensions"] == {"d": "4.50", "k": "4.00", "y": "72.00", "b": "5.00"}
    d = next(n for n in row["explanation"]["nodes"] if n["code"] == "d")
    assert d["sum"] == "5.5"
    assert [(p["period"], p["input"]) for p in d["periods"]] == [
        ("2026-01-05", "2"),
        ("2026-03-10", "3.5"),
    ]
    assert [p["seqs"] for p in d["periods"]] == [[seqs["entries"][0]["seq"]],
                                                [seqs["entries"][1]["seq"]]]  # fmt: skip
    assert all("score" not in p for p in d["periods"])
    # March's standing sums March's days only: d 10 − 3.5 = 6.50, b 4.00, k 10.00 (no
    # errors in March), y has no period inside March; total 20.50 of 25 attainable
    march = office.results(period="2026-03")["u1"]
    assert march["total"] == "20.50" and march["attainable"] == "25"
    # a month with nothing recorded: full points, nothing listed
    june = office.results(period="2026-06")["u1"]
    assert june["total"] == "20.00"
    assert next(n for n in june["explanation"]["nodes"] if n["code"] == "d")["periods"] == []


def test_combine_sum_is_refused_for_rules_that_read_no_number(office):
    office.units(("u1", "甲", "A"))
    with pytest.raises(InvalidInput) as refused:
        office.scheme(
            {
                "code": "bad", "name": "错", "group": "A",
                "nodes": [{**_leaf("r", "100", "i1", "multi_rater", weights={"superior": "1"}),
                           "combine": "sum"}],
            }
        )  # fmt: skip
    assert [(e.field, e.reason) for e in refused.value.errors] == [
        (
            "nodes[0].combine",
            "sum 只能相加数值；规则 multi_rater 读取的是 ratings "
            "(sum adds up numbers; rule multi_rater reads ratings)",
        )
    ]


def test_outcome_types_are_told_the_cycle(office, platform):
    from marshmallow import Schema

    from core.plugin_api import OutcomeType, hookimpl

    seen = []

    class Probe:
        @hookimpl
        def jixiao_outcome_types(self):
            def note(rows, params, ctx):
                seen.append(ctx.cycle)

            return [OutcomeType("probe", "探针 (probe)", Schema, note)]

    platform.plugins.register(Probe(), "probe")
    plugin_service.install(office.ctx, office.code, "probe")
    office.units(("u1", "甲", "A"))
    office.scheme(
        {"code": "s", "name": "方案", "group": "A", "outcomes": {"probe": {}},
         "nodes": [_leaf("r", "100", "i1", "target_ratio", target="100")]}
    )  # fmt: skip
    office.year("u1", i1="50")
    results.outcomes(office.ctx, office.code, "2026")
    assert seen == ["2026"]


def test_a_plugin_command_context_is_for_bureaus_that_installed_the_plugin(office):
    with plugin_service.plugin_context(office.ctx, office.code, "rules") as ctx:
        assert ctx.plugin == "rules" and ctx.bureau == "core" and ctx.record is None
        assert ctx.reader.indicator_codes() == ["i1", "i2", "i3", "i4"]
    with (
        pytest.raises(NotFound, match="not installed"),
        plugin_service.plugin_context(office.ctx, office.code, "tax"),
    ):
        pass
