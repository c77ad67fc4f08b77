"""Rules scored from ratings: the 360-degree weighted mean (D-13) and expert panels (D-14).

Ratings come in as :class:`core.plugin_api.hookspecs.RatingInput` (role, score, rater, seq). Means
are kept exact until the leaf's points are rounded half-up to two places.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.plugin_api import RATER_ROLES, RatingInput, quantize, trimmed_mean


class MultiRaterParams(Schema):
    weights = fields.Dict(
        keys=fields.String(), values=fields.Decimal(validate=validate.Range(min=0)), required=True
    )
    trim = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0))
    scale = fields.Decimal(
        load_default=Decimal(100), validate=validate.Range(min=0, min_inclusive=False)
    )

    @validates_schema
    def _roles_and_sum(self, data: dict, **_: Any) -> None:
        for key in data["weights"]:
            unknown = [r for r in key.split("+") if r not in RATER_ROLES]
            if unknown:
                raise ValidationError(
                    f"未知的评价人角色 {', '.join(unknown)}；请用 {', '.join(RATER_ROLES)}，"
                    "或用 '+' 连接多个 "
                    f"(unknown rater role(s) {', '.join(unknown)}; use {', '.join(RATER_ROLES)}"
                    " or several joined with '+')",
                    "weights",
                )
        if sum(data["weights"].values(), Decimal(0)) != 1:
            raise ValidationError("权重之和须为 1 (weights must add up to 1)", "weights")


def multi_rater(inputs: Mapping[str, Any], p: Mapping[str, Any], points: Decimal) -> Decimal:
    """多维评价: points × Σ weight(group) × mean(group) ÷ scale.

    A group is one role or several joined with '+' ("peer+self": 10% for peers and self
    together). Each group's scores are trimmed separately. Groups without ratings are
    left out and the remaining weights scaled up to 1, so a missing group neither
    rewards nor punishes the unit; with no ratings at all the leaf scores 0.
    """
    ratings: Sequence[RatingInput] = inputs["ratings"]
    weighted, weight_seen = Decimal(0), Decimal(0)
    for key, weight in p["weights"].items():
        roles = set(key.split("+"))
        mean = trimmed_mean([r.score for r in ratings if r.role in roles], p["trim"])
        if mean is not None:
            weighted += weight * mean
            weight_seen += weight
    if not weight_seen:
        return quantize(Decimal(0))
    return quantize(points * weighted / weight_seen / p["scale"])


class ExpertPanelParams(Schema):
    trim = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=0))
    scale = fields.Decimal(
        load_default=Decimal(100), validate=validate.Range(min=0, min_inclusive=False)
    )


def expert_panel(inputs: Mapping[str, Any], p: Mapping[str, Any], points: Decimal) -> Decimal:
    """专家评审: points × trimmed mean of the drawn experts' ratings ÷ scale (by default
    the highest and lowest are dropped)."""
    scores = [r.score for r in inputs["ratings"] if r.role == "expert"]
    mean = trimmed_mean(scores, p["trim"])
    return quantize(Decimal(0) if mean is None else points * mean / p["scale"])
