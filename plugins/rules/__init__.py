"""Built-in rule set (内置评分规则): the scoring rules every bureau starts with.

Registered as the ``rules`` plugin through the ``jixiao`` entry point and installed for
new bureaus by default (``JIXIAO_DEFAULT_PLUGINS``).
"""

from __future__ import annotations

from core.hookspecs import RuleType, ValueCheck, hookimpl
from plugins.rules import checks, scoring

__version__ = "0.1.0"

# name, title (Chinese first), params schema, scoring function, description
RULES = (
    (
        "target_ratio",
        "目标完成率 (target ratio)",
        scoring.TargetRatioParams,
        scoring.target_ratio,
        "points × actual ÷ target, between a floor and a cap; "
        "direction 'lower' for indicators where less is better",
    ),
    (
        "threshold",
        "达标判定 (threshold)",
        scoring.ThresholdParams,
        scoring.threshold,
        "full points when the value meets ≥, ≤, = or between, else none",
    ),
    (
        "deduction",
        "扣分项，扣完为止 (deduction items)",
        scoring.DeductionParams,
        scoring.deduction,
        "start from full points, deduct per occurrence, never below zero",
    ),
    (
        "ladder",
        "阶梯/分段线性 (ladder, piecewise linear)",
        scoring.LadderParams,
        scoring.ladder,
        "fraction of points by value steps, stepped or interpolated",
    ),
    (
        "count_vs_target",
        "次数对标 (count vs target)",
        scoring.CountParams,
        scoring.count_vs_target,
        "occurrences against a target count, proportional or all-or-nothing",
    ),
    (
        "bonus",
        "加分项 (bonus items)",
        scoring.BonusParams,
        scoring.bonus,
        "points per occurrence, capped",
    ),
    (
        "rank_points",
        "名次赋分 (rank to points)",
        scoring.RankParams,
        scoring.rank_points,
        "fraction of points by rank band (1 is best)",
    ),
    (
        "formula",
        "公式 (safe formula)",
        scoring.FormulaParams,
        scoring.formula,
        "arithmetic over named inputs, min/max/abs/round; no eval",
    ),
)


@hookimpl
def jixiao_rule_types() -> list[RuleType]:
    return [
        RuleType(name, title, schema, score, description)
        for name, title, schema, score, description in RULES
    ]


@hookimpl
def jixiao_value_checks() -> list[ValueCheck]:
    return [ValueCheck(name="percentage-range", check=checks.percentage_range)]
