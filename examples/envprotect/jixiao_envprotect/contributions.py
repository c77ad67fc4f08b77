"""What envprotect adds to jixiao besides its scheme template (the hooks in
``__init__.py`` hand these lists to jixiao):

* a scoring rule the built-in set lacks — ``reduction_rate`` (下降率): the share by which
  a value fell from a baseline, against a target such as "PM2.5 annual mean down at
  least 3%" (D-04);
* an entry check — ``pm25-plausible``: a concentration no monitor reports.

Surface water ("优良比例 ≥ 87%") needs no new rule: the scheme uses the built-in
``threshold``, so a bureau installs ``rules`` and ``envprotect`` together.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields, validate

from core.plugin_api import (
    OutcomeType,
    PostProcessor,
    RuleType,
    ValueCheck,
    ValueContext,
    quantize,
)


class ReductionParams(Schema):
    """``target``: the fall required, in percent of the baseline. ``proportional``:
    partial credit below the target (points × fall ÷ target) instead of all or none."""

    target = fields.Decimal(required=True, validate=validate.Range(min=0, min_inclusive=False))
    proportional = fields.Boolean(load_default=False)


def reduction_rate(inputs: Mapping[str, Any], p: Mapping[str, Any], points: Decimal) -> Decimal:
    """下降率: fall = (baseline − value) ÷ baseline × 100. The leaf names its baseline
    indicator as the input ``baseline`` (``inputs: {baseline: env_pm25_last_year}``).
    A rise, or a baseline that is not positive, earns nothing."""
    if "baseline" not in inputs:
        raise ValueError("reduction_rate needs an input named baseline: inputs: {baseline: …}")
    baseline = inputs["baseline"]
    if baseline <= 0:
        return quantize(Decimal(0))
    fall = (baseline - inputs["value"]) / baseline * 100
    if fall >= p["target"]:
        return quantize(points)
    if not p["proportional"] or fall <= 0:
        return quantize(Decimal(0))
    return quantize(points * fall / p["target"])


PM25 = ("env_pm25", "env_pm25_last_year")
PM25_CEILING = Decimal(500)


def pm25_plausible(ctx: ValueContext) -> list[str]:
    """An annual mean PM2.5 concentration is above 0 and below 500 μg/m³ (the top of the
    air-quality index); anything else is a unit slip or a typo."""
    if ctx.indicator in PM25 and not 0 < ctx.value < PM25_CEILING:
        return [f"PM2.5浓度{ctx.value}不在合理范围 (PM2.5 {ctx.value} μg/m³ outside 0–500)"]
    return []


RULE_TYPES: list[RuleType] = [
    RuleType(
        name="reduction_rate",
        title="下降率 (reduction against a baseline)",
        params_schema=ReductionParams,
        score=reduction_rate,
        description="full points when the value fell from its baseline by at least "
        "target percent; optionally proportional below it",
    )
]
VALUE_CHECKS: list[ValueCheck] = [
    ValueCheck("pm25-plausible", pm25_plausible, "PM2.5浓度合理性 (PM2.5 plausible)")
]
POST_PROCESSORS: list[PostProcessor] = []
OUTCOME_TYPES: list[OutcomeType] = []
