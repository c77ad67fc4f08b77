"""Built-in post-processors: recognition coefficient (D-14), threshold gate (D-17) and
the supervising-department linkage (D-15)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.plugin_api import PostContext, UnitResult, adjust_node, as_text, quantize, trimmed_mean

COEFFICIENT_PLACES = 4


class CoefficientParams(Schema):
    node = fields.String(required=True)
    indicator = fields.String(required=True)
    low = fields.Decimal(load_default=Decimal("0.8"), validate=validate.Range(min=0))
    high = fields.Decimal(load_default=Decimal("1.2"), validate=validate.Range(min=0))
    scale = fields.Decimal(
        load_default=Decimal(100), validate=validate.Range(min=0, min_inclusive=False)
    )
    trim = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=0))

    @validates_schema
    def _ordered(self, data: dict, **_: Any) -> None:
        if data["low"] > data["high"]:
            raise ValidationError("low 不得大于 high (low must not exceed high)", "low")


def coefficient(results: list[UnitResult], p: Mapping[str, Any], ctx: PostContext) -> None:
    """认定系数: experts drawn from the pool rate each unit's goals (difficulty, precision);
    coefficient = low + (high − low) × trimmed mean ÷ scale, rounded half-up to four
    places, multiplies the score of ``node`` (e.g. task completion); its ancestors and
    the total follow. A unit without ratings keeps coefficient 1."""
    ratings = ctx.ratings(p["indicator"])
    for result in results:
        rated = ratings.get(result.unit, ())
        mean = trimmed_mean([r.score for r in rated if r.role == "expert"], p["trim"])
        if mean is None or p["node"] not in result.nodes:
            result.flags.append("no_coefficient")
            continue
        factor = (p["low"] + (p["high"] - p["low"]) * mean / p["scale"]).quantize(
            Decimal(1).scaleb(-COEFFICIENT_PLACES)
        )
        before = result.nodes[p["node"]]
        after = quantize(before * factor)
        adjust_node(result, p["node"], after, ctx)
        result.adjustments.append(
            {
                "type": "coefficient",
                "node": p["node"],
                "coefficient": as_text(factor),
                "mean_rating": as_text(quantize(mean)),
                "before": as_text(before),
                "after": as_text(after),
                "seqs": sorted(r.seq for r in rated if r.role == "expert"),
            }
        )


class GateParams(Schema):
    below = fields.Decimal(required=True)
    flag = fields.String(load_default="gated", validate=validate.Length(min=1, max=64))
    label = fields.String(load_default="")


def gate(results: list[UnitResult], p: Mapping[str, Any], ctx: PostContext) -> None:
    """门槛: a total below ``below`` raises a flag (e.g. mid-term < 85 suspends funding)."""
    for result in results:
        if result.total < p["below"]:
            result.flags.append(p["flag"])
            result.adjustments.append(
                {
                    "type": "gate",
                    "flag": p["flag"],
                    "below": as_text(p["below"]),
                    "label": p["label"],
                }
            )


class LinkageParams(Schema):
    excellent = fields.String(required=True)
    poor = fields.String(required=True)
    first = fields.String()
    cap = fields.String()


def linkage(results: list[UnitResult], p: Mapping[str, Any], ctx: PostContext) -> None:
    """双挂钩: if a supervising department is graded ``excellent``, its best-scoring
    subordinate institution (ties: the lower unit code; never a vetoed one) gets grade
    ``first`` (default the best grade) directly; if it is graded ``poor``, none of its
    subordinates may be above ``cap`` (default the second grade)."""
    order = list(ctx.grades)
    first = p.get("first", order[0])
    cap = p.get("cap", order[1] if len(order) > 1 else order[0])
    by_unit = {r.unit: r for r in results}
    children: dict[str, list[UnitResult]] = {}
    for r in results:
        if r.parent in by_unit and r.unit in ctx.members:
            children.setdefault(r.parent, []).append(r)
    for parent, kids in sorted(children.items()):
        grade = by_unit[parent].grade
        if grade == p["excellent"]:
            eligible = [r for r in kids if "veto" not in r.flags]  # a veto is the last grade
            if eligible:
                best = min(eligible, key=lambda r: (-r.total, r.unit))
                _set_grade(best, first, f"department {parent} rated {grade}")
        elif grade == p["poor"]:
            for kid in kids:
                if kid.grade in order and order.index(kid.grade) < order.index(cap):
                    _set_grade(kid, cap, f"department {parent} rated {grade}")


def _set_grade(result: UnitResult, grade: str, reason: str) -> None:
    if result.grade != grade:
        result.adjustments.append(
            {"type": "linkage", "from": result.grade, "to": grade, "reason": reason}
        )
        result.grade = grade
