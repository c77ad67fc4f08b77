"""The built-in rule set, with scores computed by hand in the comments."""

from __future__ import annotations

from decimal import Decimal

import pytest
from marshmallow import ValidationError

from plugins.rules import jixiao_rule_types
from plugins.rules.formula import FormulaError, evaluate, parse

RULES = {r.name: r for r in jixiao_rule_types()}


def score(rule: str, params: dict, value, points="30", **inputs) -> Decimal:
    r = RULES[rule]
    loaded = r.params_schema().load(params)
    given = {"value": Decimal(str(value)), **{k: Decimal(str(v)) for k, v in inputs.items()}}
    return r.score(given, loaded, Decimal(points))


def test_target_ratio_cap_floor_and_direction():
    assert score("target_ratio", {"target": "90"}, 81) == Decimal("27.00")  # 30 × 81/90
    assert score("target_ratio", {"target": "90"}, 99) == Decimal("30.00")  # capped at 1
    assert score("target_ratio", {"target": "90", "floor": "0.5"}, 9) == Decimal("15.00")
    # lower is better: rotation subsidy ≤ 3.3 (million yuan); 3.6 spent → 30 × 3.3/3.6
    assert score("target_ratio", {"target": "3.3", "direction": "lower"}, "3.6") == Decimal("27.50")


def test_threshold_and_deduction():
    assert score("threshold", {"op": ">=", "value": "90"}, "90") == Decimal("30.00")
    assert score("threshold", {"op": "<=", "value": "0.2"}, "0.3") == Decimal("0.00")  # loss rate
    assert score("threshold", {"op": "between", "value": "1", "upper": "3"}, 2) == Decimal("30.00")
    assert score("deduction", {"per_item": "2"}, 4, points="10") == Decimal("2.00")  # 10 − 4×2
    assert score("deduction", {"per_item": "2"}, 9, points="10") == Decimal("0.00")  # 扣完为止


@pytest.mark.parametrize(
    "params",
    [
        {"op": "between", "value": "3", "upper": "1"},  # an interval nothing meets
        {"op": "between", "value": "1"},  # no upper bound
        {"op": ">=", "value": "1", "upper": "3"},  # a bound nothing reads
    ],
)
def test_threshold_bounds_that_cannot_mean_anything_are_refused(params):
    with pytest.raises(ValidationError) as caught:
        RULES["threshold"].params_schema().load(params)
    assert "upper" in caught.value.messages


def test_ladder_step_and_linear():
    steps = [{"at": "80", "score": "0.6"}, {"at": "90", "score": "0.8"}, {"at": "95", "score": "1"}]
    assert score("ladder", {"steps": steps}, 92) == Decimal("24.00")  # 30 × 0.8
    assert score("ladder", {"steps": steps}, 70) == Decimal("0.00")
    # linear between 90 (0.8) and 95 (1.0): 92 → 0.8 + 2/5 × 0.2 = 0.88 → 26.40
    assert score("ladder", {"steps": steps, "mode": "linear"}, 92) == Decimal("26.40")
    assert score("ladder", {"steps": steps, "mode": "linear"}, 99) == Decimal("30.00")
    with pytest.raises(ValidationError):
        RULES["ladder"].params_schema().load({"steps": list(reversed(steps))})


def test_count_bonus_and_rank():
    # inspections ≥ 3 a year: 2 done → 2/3 of 10 points = 6.666… → 6.67 (half-up)
    assert score("count_vs_target", {"target": 3}, 2, points="10") == Decimal("6.67")
    assert score(
        "count_vs_target", {"target": 3, "all_or_nothing": True}, 2, points="10"
    ) == Decimal("0.00")
    assert score("bonus", {"per_item": "0.5", "cap": "2"}, 3, points="5") == Decimal("1.50")
    assert score("bonus", {"per_item": "0.5", "cap": "2"}, 9, points="5") == Decimal("2.00")
    bands = [{"up_to": 3, "score": "1"}, {"up_to": 10, "score": "0.8"}]
    assert score("rank_points", {"bands": bands, "otherwise": "0.5"}, 2) == Decimal("30.00")
    assert score("rank_points", {"bands": bands, "otherwise": "0.5"}, 7) == Decimal("24.00")
    assert score("rank_points", {"bands": bands, "otherwise": "0.5"}, 12) == Decimal("15.00")


def test_formula_is_safe_decimal_arithmetic():
    # mediation: points × success rate, minus 0.1 per day over a 5-day average
    expr = "points * success / 100 - max(0, days - 5) * 0.1"
    assert score("formula", {"expression": expr}, 0, points="10", success=90, days=7) == (
        Decimal("8.80")
    )  # 10 × 0.9 − 2 × 0.1
    assert score("formula", {"expression": "round(value / 3, 2)"}, 1) == Decimal("0.33")
    assert score("formula", {"expression": "value * 100"}, 1) == Decimal("30.00")  # clamped
    assert score("formula", {"expression": "value * 100", "clamp": False}, 1) == Decimal("100.00")
    for bad in (
        "__import__('os').system('id')",
        "value.real",
        "[1, 2]",
        "value if 1 else 2",
        "lambda: 1",
        "open('x')",
        "value ** 2",
    ):
        with pytest.raises(ValidationError):
            RULES["formula"].params_schema().load({"expression": bad})
    for wrong_arguments in (
        "max(value)",
        "min(value)",
        "min()",
        "abs(value, value)",
        "abs()",
        "round(value)",
        "round(value, 1e308)",
        "round(value, 2.5)",
        "round(value, -1)",
        "round(value, 11)",
        "round(value, value)",
    ):  # refused when the scheme is imported, not when it fails for every subject
        with pytest.raises(ValidationError):
            RULES["formula"].params_schema().load({"expression": wrong_arguments})
    assert evaluate(parse("round(max(value, 0, 1) / 3, 2)"), {"value": Decimal(5)}) == (
        Decimal("1.67")
    )
    with pytest.raises(FormulaError, match="out of range"):
        evaluate(parse("value * 1e309"), {"value": Decimal(1)})
    with pytest.raises(FormulaError, match="division by zero"):
        evaluate(parse("value / 0"), {"value": Decimal(1)})
    with pytest.raises(FormulaError, match="no input named 'nope'"):
        evaluate(parse("nope + 1"), {})


def test_a_published_leaf_whose_params_its_rule_no_longer_takes_scores_0_with_a_note():
    """A plugin upgrade tightened its params schema after a scheme was published: the
    scheme still compiles; that leaf fails to score (a note) instead of every result."""
    import json
    from types import SimpleNamespace

    from core.domain.assessment.compiled import compile_scheme
    from core.domain.assessment.scoring import RuleFailed, rule_score

    definition = {
        "total": "100",
        "nodes": [
            {"code": "f", "name": "f", "points": "100", "indicator": "i", "parent": None,
             "meta": {"frequency": "year"},
             "rule": {"type": "formula", "params": {"expression": "max(value)"}}},
        ],
    }  # fmt: skip
    scheme = SimpleNamespace(
        definition=json.dumps(definition), code="s", version=1, group_code="A",
        imported_seq=1, published_seq=2,
    )  # fmt: skip
    compiled = compile_scheme(scheme, {"formula": RULES["formula"]}, {"i": 7}, [])
    leaf = compiled.leaves[0]
    with pytest.raises(RuleFailed, match="no longer accepted"):
        rule_score(leaf.rule, {"value": Decimal(1)}, leaf.params, leaf.points)
