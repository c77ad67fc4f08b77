"""The recognition coefficient (认同度系数, D-14) from two expert ratings.

Linyi: "由专家对单位目标任务的难易度与精准度进行测评，生成评价系数，乘以任务完成得分" — the
experts rate each unit's goals for *difficulty* and for *precision*, and the coefficient
multiplies the task-completion score, so a small unit with sound goals fully met can
out-score a large one.

The built-in ``coefficient`` step reads one rated indicator; the article needs two.
Each dimension's expert ratings are trimmed and averaged separately (去掉最高分和最低分),
the two means are weighted into one, and

    coefficient = low + (high − low) × weighted mean ÷ scale      (4 places, half-up)

multiplies the node's score (2 places, half-up); its ancestors and the total follow.
A unit without ratings of both dimensions keeps 1 and is flagged ``no_coefficient``.
The adjustment names both means and the seq of every rating it used.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.plugin_api import PostContext, UnitResult, adjust_node, as_text, quantize, trimmed_mean

DIMENSIONS = ("difficulty", "precision")


class RecognitionParams(Schema):
    node = fields.String(required=True)
    difficulty = fields.String(required=True)
    precision = fields.String(required=True)
    difficulty_weight = fields.Decimal(
        load_default=Decimal("0.5"), validate=validate.Range(min=0, max=1)
    )
    precision_weight = fields.Decimal(
        load_default=Decimal("0.5"), validate=validate.Range(min=0, max=1)
    )
    low = fields.Decimal(load_default=Decimal("0.8"), validate=validate.Range(min=0))
    high = fields.Decimal(load_default=Decimal("1.2"), validate=validate.Range(min=0))
    scale = fields.Decimal(
        load_default=Decimal(100), validate=validate.Range(min=0, min_inclusive=False)
    )
    trim = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=0))

    @validates_schema
    def _weights_and_range(self, data: dict, **_: Any) -> None:
        if data["difficulty_weight"] + data["precision_weight"] != 1:
            raise ValidationError(
                "两项权重之和须为 1 (the two weights must add up to 1)", "difficulty_weight"
            )
        if data["low"] > data["high"]:
            raise ValidationError("low 不得大于 high (low must not exceed high)", "low")


def recognition(results: list[UnitResult], p: Mapping[str, Any], ctx: PostContext) -> None:
    """认同度系数 on ``node``, from the experts' ratings of ``difficulty`` and ``precision``
    (a vetoed unit's total stays 0: the engine sees to it)."""
    rated = {d: ctx.ratings(p[d]) for d in DIMENSIONS}
    for result in results:
        means, seqs = {}, []
        for dimension in DIMENSIONS:
            experts = [r for r in rated[dimension].get(result.unit, ()) if r.role == "expert"]
            means[dimension] = trimmed_mean([r.score for r in experts], p["trim"])
            seqs.extend(r.seq for r in experts)
        if None in means.values() or p["node"] not in result.nodes:
            result.flags.append("no_coefficient")
            continue
        mean = sum((p[f"{d}_weight"] * means[d] for d in DIMENSIONS), Decimal(0))
        factor = quantize(p["low"] + (p["high"] - p["low"]) * mean / p["scale"], 4)
        before = result.nodes[p["node"]]
        after = quantize(before * factor)
        adjust_node(result, p["node"], after, ctx)
        result.adjustments.append(
            {
                "type": "recognition",
                "node": p["node"],
                "coefficient": as_text(factor),
                "difficulty": as_text(quantize(means["difficulty"])),
                "precision": as_text(quantize(means["precision"])),
                "before": as_text(before),
                "after": as_text(after),
                "seqs": sorted(seqs),
            }
        )
