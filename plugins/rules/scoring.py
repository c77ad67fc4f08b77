"""Scoring functions of the built-in rule set, each with its marshmallow params schema.

Every function takes the named inputs (``value`` is the indicator's own value), the
validated params and the leaf's points, and returns the points earned, rounded half-up
to two places.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.numbers import quantize


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
            raise ValidationError("floor must not exceed cap", "floor")


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
    def _between_needs_upper(self, data: dict, **_: Any) -> None:
        if data["op"] == "between" and "upper" not in data:
            raise ValidationError("'between' needs an upper bound", "upper")


def threshold(inputs: Mapping[str, Decimal], p: Mapping[str, Any], points: Decimal) -> Decimal:
    v, bound = inputs["value"], p["value"]
    met = {
        ">=": lambda: v >= bound,
        "<=": lambda: v <= bound,
        "=": lambda: v == bound,
        "between": lambda: bound <= v <= p.get("upper", bound),
    }[p["op"]]()
    return quantize(points if met else Decimal(0))


class DeductionParams(_Params):
    per_item = fields.Decimal(required=True, validate=validate.Range(min=0))


def deduction(inputs: Mapping[str, Decimal], p: Mapping[str, Any], points: Decimal) -> Decimal:
    """扣完为止: ``value`` is the number of occurrences; the leaf never goes below zero."""
    return quantize(max(points - inputs["value"] * p["per_item"], Decimal(0)))
