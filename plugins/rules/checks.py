"""Entry checks of the built-in rule set (D-22, D-23): each returns warnings, never blocks."""

from __future__ import annotations

from decimal import Decimal

from core.plugin_api import ValueContext

SATISFACTION_CEILING = Decimal(99)
ZOMBIE_CHANGE = Decimal("0.01")
DEFAULT_WARN_AFTER = 3


def percentage_range(ctx: ValueContext) -> list[str]:
    """A value of a percentage indicator outside 0–100 is almost always a typing slip."""
    if ctx.measure == "%" and not 0 <= ctx.value <= 100:
        return [f"百分比超出0–100 (percentage {ctx.value} outside 0–100)"]
    return []


def _breaches(ctx: ValueContext, value: Decimal) -> bool:
    target = ctx.target
    if target is None:
        return False
    return value > target if ctx.direction == "lower" else value < target


def threshold_breach(ctx: ValueContext) -> list[str]:
    """预警: the value misses the target the published scheme sets for the indicator."""
    if not _breaches(ctx, ctx.value):
        return []
    return [f"未达目标值{ctx.target} (value {ctx.value} misses target {ctx.target})"]


def consecutive_abnormal(ctx: ValueContext) -> list[str]:
    """连续异常: the target was missed in this and the N−1 periods before (N =
    ``warn_after`` of the scheme leaf, default 3), so remedies should be pushed."""
    if not _breaches(ctx, ctx.value):
        return []
    needed = ctx.warn_after or DEFAULT_WARN_AFTER
    earlier = [v for _, v in ctx.history()][-(needed - 1) :] if needed > 1 else []
    if len(earlier) == needed - 1 and all(_breaches(ctx, v) for v in earlier):
        return [f"连续{needed}期未达目标 (target missed {needed} periods in a row)"]
    return []


def satisfaction_ceiling(ctx: ValueContext) -> list[str]:
    """满意度 > 99% is implausible and must be re-checked (D-23)."""
    name = f"{ctx.indicator} {ctx.indicator_name}".lower()
    if ("满意" in name or "satisf" in name) and ctx.value > SATISFACTION_CEILING:
        return [f"满意度超过99%，需复核 (satisfaction {ctx.value} > 99%: re-check)"]
    return []


def zombie(ctx: ValueContext) -> list[str]:
    """僵尸指标: an annual value that changed by less than 1% from the year before tells
    nothing; the indicator is a candidate for retirement (D-23)."""
    if ctx.period_kind != "year":
        return []
    earlier = ctx.history()
    if not earlier:
        return []
    previous = earlier[-1][1]
    base = abs(previous) if previous else Decimal(1)
    if abs(ctx.value - previous) / base < ZOMBIE_CHANGE:
        return [f"年度变化不足1%，疑似僵尸指标 (changed < 1% from {earlier[-1][0]}: zombie?)"]
    return []
