"""Built-in rule set (内置评分规则): the scoring rules every bureau starts with.

Registered as the ``rules`` plugin through the ``jixiao`` entry point and installed for
new bureaus by default (``JIXIAO_DEFAULT_PLUGINS``).
"""

from __future__ import annotations

from core.plugin_api import OutcomeType, PostProcessor, RuleType, ValueCheck, hookimpl
from plugins.rules import checks, outcomes, post, raters, scoring

__version__ = "0.1.0"

# name, title (Chinese first), params schema, scoring function, description[, inputs, veto]
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
    (
        "grade_points",
        "定性评级 (qualitative grade to points)",
        scoring.GradePointsParams,
        scoring.grade_points,
        "share of points for a grade label recorded as text (优/良/中/差)",
        "label",
    ),
    (
        "multi_rater",
        "多维评价 (multi-rater weighted mean)",
        raters.MultiRaterParams,
        raters.multi_rater,
        "weighted mean of ratings by rater role (superior, service recipients, third "
        "party, peers, self), optionally trimmed",
        "ratings",
    ),
    (
        "expert_panel",
        "专家评审 (expert panel)",
        raters.ExpertPanelParams,
        raters.expert_panel,
        "trimmed mean of the ratings of experts drawn at random from the pool",
        "ratings",
    ),
    (
        "veto",
        "一票否决 (veto)",
        scoring.VetoParams,
        scoring.veto,
        "when the condition holds the unit's total is 0 and it gets the lowest grade",
        "value",
        True,
    ),
)


@hookimpl
def jixiao_rule_types() -> list[RuleType]:
    return [RuleType(*row) for row in RULES]


@hookimpl
def jixiao_value_checks() -> list[ValueCheck]:
    return [
        ValueCheck(name="percentage-range", check=checks.percentage_range),
        ValueCheck(name="threshold-breach", check=checks.threshold_breach),
        ValueCheck(name="consecutive-abnormal", check=checks.consecutive_abnormal),
        ValueCheck(name="satisfaction-ceiling", check=checks.satisfaction_ceiling),
        ValueCheck(name="zombie-indicator", check=checks.zombie),
    ]


POST_PROCESSORS = (
    (
        "coefficient",
        "认定系数 (recognition coefficient)",
        post.CoefficientParams,
        "score",
        post.coefficient,
    ),
    ("gate", "门槛 (threshold gate)", post.GateParams, "score", post.gate),
    ("linkage", "双挂钩 (department linkage)", post.LinkageParams, "grade", post.linkage),
)


@hookimpl
def jixiao_post_processors() -> list[PostProcessor]:
    return [PostProcessor(*row) for row in POST_PROCESSORS]


@hookimpl
def jixiao_outcome_types() -> list[OutcomeType]:
    return list(outcomes.OUTCOME_TYPES)
