"""Built-in rule set (内置评分规则): the scoring rules every bureau starts with.

Registered as the ``rules`` plugin through the ``jixiao`` entry point and installed for
new bureaus by default (``JIXIAO_DEFAULT_PLUGINS``).
"""

from __future__ import annotations

from core.hookspecs import RuleType, ValueCheck, hookimpl
from plugins.rules import checks, scoring

__version__ = "0.1.0"


@hookimpl
def jixiao_rule_types() -> list[RuleType]:
    return [
        RuleType(
            name="target_ratio",
            title="目标完成率 (target ratio)",
            params_schema=scoring.TargetRatioParams,
            score=scoring.target_ratio,
            description="points × actual ÷ target, between a floor and a cap; "
            "direction 'lower' for indicators where less is better",
        ),
        RuleType(
            name="threshold",
            title="达标判定 (threshold)",
            params_schema=scoring.ThresholdParams,
            score=scoring.threshold,
            description="full points when the value meets ≥, ≤, = or between, else none",
        ),
        RuleType(
            name="deduction",
            title="扣分项，扣完为止 (deduction items)",
            params_schema=scoring.DeductionParams,
            score=scoring.deduction,
            description="start from full points, deduct per occurrence, never below zero",
        ),
        RuleType(
            name="ladder",
            title="阶梯/分段线性 (ladder, piecewise linear)",
            params_schema=scoring.LadderParams,
            score=scoring.ladder,
            description="fraction of points by value steps, stepped or interpolated",
        ),
        RuleType(
            name="count_vs_target",
            title="次数对标 (count vs target)",
            params_schema=scoring.CountParams,
            score=scoring.count_vs_target,
            description="occurrences against a target count, proportional or all-or-nothing",
        ),
        RuleType(
            name="bonus",
            title="加分项 (bonus items)",
            params_schema=scoring.BonusParams,
            score=scoring.bonus,
            description="points per occurrence, capped",
        ),
        RuleType(
            name="rank_points",
            title="名次赋分 (rank to points)",
            params_schema=scoring.RankParams,
            score=scoring.rank_points,
            description="fraction of points by rank band (1 is best)",
        ),
        RuleType(
            name="formula",
            title="公式 (safe formula)",
            params_schema=scoring.FormulaParams,
            score=scoring.formula,
            description="arithmetic over named inputs, min/max/abs/round; no eval",
        ),
    ]


@hookimpl
def jixiao_value_checks() -> list[ValueCheck]:
    return [ValueCheck(name="percentage-range", check=checks.percentage_range)]
