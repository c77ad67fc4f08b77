"""Entry checks on mediation data (D-22, D-23): warnings, never blocks.

The platform's figures arrive through the importer or by hand; these catch what does not
fit together: a success rate or rating for a period without cases (cross-source, the
case count being another indicator), a rating off the 5-point scale, and an average
mediation time beyond the month within which mediation should normally conclude.
"""

from __future__ import annotations

from decimal import Decimal

from core.plugin_api import ValueContext

CASES = "cc_mediation_cases"
SUCCESS_RATE = "cc_mediation_success_rate"
DURATION = "cc_mediation_duration"
RATING = "cc_mediation_rating"

RATING_LOW, RATING_HIGH = Decimal(1), Decimal(5)
MEDIATION_DAYS = Decimal(30)
"""人民调解一般应在30日内调结 (a working norm of the mediation committees; illustrative):
the default of the ``mediation_days_limit`` setting."""


def stats_without_cases(ctx: ValueContext) -> list[str]:
    """A success rate, duration or rating for a period in which no case was taken."""
    if ctx.indicator not in (SUCCESS_RATE, DURATION, RATING):
        return []
    cases = ctx.lookup(CASES, ctx.period)
    if cases is None or cases > 0:
        return []
    return [
        f"该期受理数为0，却有调解统计值 {ctx.value}，请核对 "
        f"(no cases taken in {ctx.period}, yet a value {ctx.value}: check the source)"
    ]


def rating_scale(ctx: ValueContext) -> list[str]:
    """群众评价 is the mean of 1–5 star ratings."""
    if ctx.indicator == RATING and not RATING_LOW <= ctx.value <= RATING_HIGH:
        return [f"群众评价应在1–5分之间 (rating {ctx.value} outside 1–5)"]
    return []


def mediation_overdue(ctx: ValueContext) -> list[str]:
    """An average beyond the bureau's limit (default 30 days) means cases are dragging:
    push remedies (D-22)."""
    limit = ctx.settings.get("mediation_days_limit", MEDIATION_DAYS)
    if ctx.indicator == DURATION and ctx.value > limit:
        return [
            f"平均调解时长超过{limit}日 (average mediation time {ctx.value} days exceeds {limit})"
        ]
    return []
