"""Scoring functions of the built-in rule set, each with its marshmallow params schema.

Every function takes the named inputs (``value`` is the indicator's own value), the
validated params and the leaf's points, and returns the points earned, rounded half-up
to two places.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.plugin_api import quantize


class _Params(Schema):
    class Meta:
        ordered = True


class TargetRatioParams(_Params):
    target = fields.Decimal(required=True, validate=validate.Range(min=0, min_inclusive=False))
    cap = fields.Decimal(load_default=Decimal("1"), validate=validate.Range(min=0))
    floor = fields.Decimal(load_default=Decimal("0"), validate=validate.Range(min=0))
    direction = fields.String(load_default="higher", validate=validate.OneOf(["higher", "lower"]))

    @validates_schema
    def _floor_below_cap(self, data: dict, **_: Any) -> None:
        if data["floor"] > data["cap"]:
            raise ValidationError("floor 不得大于 cap (floor must not exceed cap)", "floor")


def target_ratio(inputs: Mapping[str, Decimal], p: Mapping[str, Any], points: Decimal) -> Decimal:
    value = inputs["value"]
    if p["direction"] == "higher":
        ratio = value / p["target"]
    else:
        ratio = p["cap"] if value <= 0 else p["target"] / value
    ratio = min(max(ratio, p["floor"]), p["cap"])
    return quantize(points * ratio)


class ThresholdParams(_Params):
    op = fields.String(required=True, validate=validate.OneOf([">=", "<=", "=", "between"]))
    value = fields.Decimal(required=True)
    upper = fields.Decimal()

    @validates_schema
    def _upper_goes_with_between(self, data: dict, **_: Any) -> None:
        """An interval no value can meet, or a bound nothing reads, is a typing error in
        the scheme: refused at import rather than scoring every unit 0."""
        if data["op"] != "between":
            if "upper" in data:
                raise ValidationError(
                    "只有 'between' 使用上限 upper (only 'between' takes an upper bound)",
                    "upper",
                )
            return
        if "upper" not in data:
            raise ValidationError(
                "'between' 须有上限 upper ('between' needs an upper bound)", "upper"
            )
        if data["upper"] < data["value"]:
            raise ValidationError(
                "上限 upper 不得小于下限 value (upper must not be below value)", "upper"
            )


def threshold(inputs: Mapping[str, Decimal], p: Mapping[str, Any], points: Decimal) -> Decimal:
    v, bound, op = inputs["value"], p["value"], p["op"]
    if op == ">=":
        met = v >= bound
    elif op == "<=":
        met = v <= bound
    elif op == "=":
        met = v == bound
    else:
        met = bound <= v <= p["upper"]
    return quantize(points if met else Decimal(0))


class DeductionParams(_Params):
    per_item = fields.Decimal(required=True, validate=validate.Range(min=0))


def deduction(inputs: Mapping[str, Decimal], p: Mapping[str, Any], points: Decimal) -> Decimal:
    """扣完为止: ``value`` is the number of occurrences; the leaf never goes below zero."""
    return quantize(max(points - inputs["value"] * p["per_item"], Decimal(0)))


class Step(Schema):
    at = fields.Decimal(required=True)
    score = fields.Decimal(required=True, validate=validate.Range(min=0))


class LadderParams(_Params):
    steps = fields.List(fields.Nested(Step), required=True, validate=validate.Length(min=1))
    mode = fields.String(load_default="step", validate=validate.OneOf(["step", "linear"]))

    @validates_schema
    def _ascending(self, data: dict, **_: Any) -> None:
        ats = [s["at"] for s in data["steps"]]
        if ats != sorted(set(ats)):
            raise ValidationError(
                "steps 的 'at' 须严格递增 (steps must have strictly ascending 'at')", "steps"
            )


def ladder(inputs: Mapping[str, Decimal], p: Mapping[str, Any], points: Decimal) -> Decimal:
    """阶梯/分段线性: ``score`` is the fraction of points earned at value ``at``.
    ``step``: the score of the highest step reached (below the first: 0); ``linear``:
    interpolated between steps, flat beyond the ends."""
    value, steps = inputs["value"], p["steps"]
    if p["mode"] == "step":
        reached = [s["score"] for s in steps if value >= s["at"]]
        return quantize(points * (reached[-1] if reached else Decimal(0)))
    if value <= steps[0]["at"]:
        return quantize(points * steps[0]["score"])
    for low, high in itertools.pairwise(steps):
        if value <= high["at"]:
            share = (value - low["at"]) / (high["at"] - low["at"])
            return quantize(points * (low["score"] + share * (high["score"] - low["score"])))
    return quantize(points * steps[-1]["score"])


class CountParams(_Params):
    target = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    all_or_nothing = fields.Boolean(load_default=False)


def count_vs_target(
    inputs: Mapping[str, Decimal], p: Mapping[str, Any], points: Decimal
) -> Decimal:
    """完成次数: e.g. "village secretary inspections ≥ 3 a year" (D-04)."""
    done = inputs["value"]
    if p["all_or_nothing"]:
        return quantize(points if done >= p["target"] else Decimal(0))
    return quantize(points * min(done / p["target"], Decimal(1)))


class BonusParams(_Params):
    per_item = fields.Decimal(required=True, validate=validate.Range(min=0))
    cap = fields.Decimal(validate=validate.Range(min=0))


def bonus(inputs: Mapping[str, Decimal], p: Mapping[str, Any], points: Decimal) -> Decimal:
    """加分项: per occurrence, up to ``cap`` (default: the leaf's points)."""
    return quantize(min(inputs["value"] * p["per_item"], p.get("cap", points)))


class RankBand(Schema):
    up_to = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    score = fields.Decimal(required=True, validate=validate.Range(min=0))


class RankParams(_Params):
    bands = fields.List(fields.Nested(RankBand), required=True, validate=validate.Length(min=1))
    otherwise = fields.Decimal(load_default=Decimal(0), validate=validate.Range(min=0))


def rank_points(inputs: Mapping[str, Decimal], p: Mapping[str, Any], points: Decimal) -> Decimal:
    """名次赋分: rank 1 is best; the first band whose ``up_to`` covers the rank applies."""
    rank = inputs["value"]
    for band in sorted(p["bands"], key=lambda b: b["up_to"]):
        if rank <= band["up_to"]:
            return quantize(points * band["score"])
    return quantize(points * p["otherwise"])


class FormulaParams(_Params):
    expression = fields.String(required=True, validate=validate.Length(min=1, max=500))
    clamp = fields.Boolean(load_default=True)

    @validates_schema
    def _parses(self, data: dict, **_: Any) -> None:
        from plugins.rules.formula import FormulaError, parse

        try:
            parse(data["expression"])
        except FormulaError as exc:
            raise ValidationError(str(exc), "expression") from exc


def formula(inputs: Mapping[str, Decimal], p: Mapping[str, Any], points: Decimal) -> Decimal:
    """公式: points earned = the expression over the inputs (``points`` is available too),
    kept between 0 and the leaf's points unless ``clamp`` is false."""
    from plugins.rules.formula import evaluate, parse

    value = evaluate(parse(p["expression"]), {**inputs, "points": points})
    if p["clamp"]:
        value = min(max(value, Decimal(0)), points)
    return quantize(value)


class GradePointsParams(_Params):
    grades = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=32)),
        values=fields.Decimal(validate=validate.Range(min=0, max=1)),
        required=True,
        validate=validate.Length(min=1),
    )


def grade_points(inputs: Mapping[str, Any], p: Mapping[str, Any], points: Decimal) -> Decimal:
    """定性评级: the share of points for the recorded grade label (优/良/中/差);
    a label the scheme does not list scores 0 (and the explanation says so)."""
    share = p["grades"].get(inputs["label"])
    return quantize(points * share if share is not None else Decimal(0))


class VetoParams(ThresholdParams):
    """The condition that vetoes, e.g. ``{op: ">=", value: 1}`` for "a major incident"."""


def veto(inputs: Mapping[str, Any], p: Mapping[str, Any], points: Decimal) -> Decimal:
    """一票否决: 1 when the condition holds (the unit is vetoed), else 0."""
    return Decimal(1) if threshold(inputs, p, Decimal(1)) else Decimal(0)
