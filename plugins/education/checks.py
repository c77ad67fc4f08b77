"""Entry checks for talent data (D-23): warnings when a value is recorded, never blocks.

Talent records are counted by hand from certificates and school reports, so the usual
slips are fractions in a count, a score outside 0–100 and a number far beyond what one
teacher can do in a year (a school's total typed into a person's row).
"""

from __future__ import annotations

from decimal import Decimal

from core.plugin_api import ValueContext

COUNT_INDICATORS = (
    "edu_projects",
    "edu_papers",
    "edu_open_lessons",
    "edu_student_awards",
    "edu_mentees",
    "edu_lectures",
    "edu_ethics_breach",
)

YEARLY_CEILING = {
    "edu_projects": Decimal(10),
    "edu_papers": Decimal(20),
    "edu_open_lessons": Decimal(40),
    "edu_student_awards": Decimal(30),
    "edu_mentees": Decimal(15),
    "edu_lectures": Decimal(60),
}
"""What one teacher can plausibly reach in a year (illustrative); more is re-checked."""

SCORE_INDICATORS = ("edu_teaching_quality",)


def whole_count(ctx: ValueContext) -> list[str]:
    """A count (projects, papers, lessons, people) is a whole number, never negative."""
    if ctx.indicator not in COUNT_INDICATORS:
        return []
    if ctx.value < 0 or ctx.value != ctx.value.to_integral_value():
        return [f"计数应为非负整数 (a count must be a whole number ≥ 0, got {ctx.value})"]
    return []


def implausible_count(ctx: ValueContext) -> list[str]:
    """异常值拦截: more than one teacher plausibly achieves in a year (the bureau's
    ``yearly_ceilings`` setting overrides the defaults indicator by indicator)."""
    ceilings = {**YEARLY_CEILING, **ctx.settings.get("yearly_ceilings", {})}
    ceiling = ceilings.get(ctx.indicator)
    if ceiling is None or ctx.value <= ceiling:
        return []
    return [
        f"数值异常偏高（一年超过{ceiling}），请复核 "
        f"({ctx.value} is more than {ceiling} a year: re-check)"
    ]


def score_range(ctx: ValueContext) -> list[str]:
    """教学质量综合评价 is a score out of 100."""
    if ctx.indicator in SCORE_INDICATORS and not 0 <= ctx.value <= 100:
        return [f"评分超出0–100 (score {ctx.value} outside 0–100)"]
    return []
