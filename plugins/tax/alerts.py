"""Early warning on core indicators (核心指标预警, D-22).

The tax platform watches its core indicators as values come in; when one is abnormal
for several periods running, it pushes the remedies the bureau prescribed for it.
"Abnormal" is a band per indicator (below ``low`` or above ``high``), or, where the
bureau set no band, the target of the published scheme.

The core indicators, their bands, run lengths and remedies are the bureau's setting
``core_indicators`` (defaults below). "N periods in a row" reads the value's history
(``ValueContext.history()``: earlier periods of the same kind, across cycles and within
one import), as the built-in ``consecutive-abnormal`` check does for targets.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.plugin_api import ValueContext, as_text


class CoreIndicatorSpec(Schema):
    """One core indicator: its alert band, the run length and the remedy pushed."""

    low = fields.Decimal(allow_none=True, load_default=None)
    high = fields.Decimal(allow_none=True, load_default=None)
    warn_after = fields.Integer(
        allow_none=True, load_default=None, strict=True, validate=validate.Range(min=1, max=24)
    )
    remedy = fields.String(required=True, validate=validate.Length(min=1, max=500))

    @validates_schema
    def _band(self, data: dict, **_: Any) -> None:
        low, high = data.get("low"), data.get("high")
        if low is not None and high is not None and low > high:
            raise ValidationError("low 不得大于 high (low must not exceed high)", "low")


DEFAULT_CORE_INDICATORS: dict[str, dict[str, Any]] = {
    "tax_revenue": {
        "low": Decimal(95),
        "warn_after": 2,
        "remedy": "召开收入分析会，逐户分析重点税源，查找减收原因并落实增收措施",
    },
    "new_arrears": {
        "high": Decimal("1.5"),
        "warn_after": 2,
        "remedy": "对新增欠税户逐户约谈，依法采取催缴、加收滞纳金和强制执行措施",
    },
    "filing_rate": {
        "low": Decimal(98),
        "warn_after": 3,
        "remedy": "对未申报户短信和电话提醒，逾期未申报的依法责令限期改正",
    },
    "invoice_risk": {
        "low": Decimal(95),
        "warn_after": 3,
        "remedy": "成立专班清理积压疑点，按日通报核实进度",
    },
    "processing_time": {
        "high": Decimal(20),
        "warn_after": 3,
        "remedy": "高峰时段增开窗口、引导网上办税，推行预约和延时服务",
    },
    "satisfaction": {
        "low": Decimal(85),
        "warn_after": 2,
        "remedy": "回访不满意纳税人，梳理诉求清单并逐项整改",
    },
}


def _abnormal(value: Decimal, bound: Decimal, direction: str) -> bool:
    return value < bound if direction == "higher" else value > bound


def core_indicator_alert(
    ctx: ValueContext, core: Mapping[str, Mapping[str, Any]] = DEFAULT_CORE_INDICATORS
) -> list[str]:
    """核心指标连续异常预警: a warning naming the remedy when a core indicator has been
    outside its band (or missed the scheme's target, where the band gives no bound)
    ``warn_after`` periods running (the indicator's own run length, else the scheme
    leaf's)."""
    spec = core.get(ctx.indicator)
    if spec is None:
        return []
    needed = int(spec.get("warn_after") or ctx.warn_after)
    bands = [
        (spec.get("low"), "higher", "低于预警下限", "below"),
        (spec.get("high"), "lower", "高于预警上限", "above"),
    ]
    bands = [band for band in bands if band[0] is not None]
    if not bands and ctx.target is not None:
        bands = [(ctx.target, ctx.direction, "未达目标值", "missed")]
    earlier = [v for _, v in ctx.history()][-(needed - 1) :] if needed > 1 else []
    name = ctx.indicator_name or ctx.indicator
    for bound, direction, zh, en in bands:
        bound = Decimal(str(bound))
        run = [*earlier, ctx.value]
        if len(run) == needed and all(_abnormal(v, bound, direction) for v in run):
            shown = as_text(bound)
            return [
                f"核心指标「{name}」连续{needed}期{zh}{shown}，推送应对措施：{spec['remedy']} "
                f"(core indicator {ctx.indicator} {en} {shown} for {needed} periods running: "
                "remedies pushed)"
            ]
    return []
