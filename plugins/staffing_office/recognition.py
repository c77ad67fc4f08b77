"""The recognition coefficient (认同度系数, D-14) from two expert ratings.

Linyi: "由专家对单位目标任务的难易度与精准度进行测评，生成评价系数，乘以任务完成得分" — the
experts rate each unit's goals for *difficulty* and for *precision*, and the coefficient
multiplies the task-completion score, so a small unit with sound goals fully met can
out-score a large one.

The built-in ``coefficient`` step reads one rated indicator; the article needs two.
This step extends it rather than re-implementing it: each dimension's experts'
ratings are trimmed and averaged separately (as ``multi_rater`` does per role), the two
means are weighted into one, and that mean is handed to the built-in step as a single
rating. The coefficient formula, its rounding to four places, the propagation up the
tree and the ``no_coefficient`` flag are therefore the built-in's own; this step then
names both means and every rating's seq in the adjustment.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.hookspecs import PostContext, RatingInput, UnitResult
from core.numbers import as_text, quantize
from plugins.rules.post import CoefficientParams, coefficient
from plugins.rules.raters import trimmed_mean

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
            raise ValidationError("the two weights must add up to 1", "difficulty_weight")
        if data["low"] > data["high"]:
            raise ValidationError("low must not exceed high", "low")


def recognition(results: list[UnitResult], p: Mapping[str, Any], ctx: PostContext) -> None:
    """认同度系数: coefficient = low + (high − low) × (w_d × mean difficulty + w_p × mean
    precision) ÷ scale, each mean over the drawn experts' ratings with the highest and
    lowest dropped (``trim``); the node's score × coefficient. A unit without ratings of
    both dimensions keeps 1 and is flagged ``no_coefficient``; a vetoed unit is left at
    0 (the built-in step alone would lift it; see NEEDS.md)."""
    rated = {d: ctx.ratings(p[d]) for d in DIMENSIONS}
    weights = {d: p[f"{d}_weight"] for d in DIMENSIONS}
    combined: dict[str, list[RatingInput]] = {}
    detail: dict[str, tuple[dict[str, Decimal], list[int]]] = {}
    for result in results:
        means, seqs = {}, []
        for dimension in DIMENSIONS:
            experts = [r for r in rated[dimension].get(result.unit, ()) if r.role == "expert"]
            means[dimension] = trimmed_mean([r.score for r in experts], p["trim"])
            seqs.extend(r.seq for r in experts)
        if None in means.values():
            continue
        mean = sum((weights[d] * means[d] for d in DIMENSIONS), Decimal(0))
        combined[result.unit] = [RatingInput("expert", mean, "recognition", 0)]
        detail[result.unit] = (means, sorted(seqs))
    scored = [r for r in results if "veto" not in r.flags]
    before = {r.unit: len(r.adjustments) for r in scored}
    single = CoefficientParams().load(
        {
            "node": p["node"],
            "indicator": p["difficulty"],
            "low": as_text(p["low"]),
            "high": as_text(p["high"]),
            "scale": as_text(p["scale"]),
            "trim": 0,
        }
    )
    coefficient(scored, single, dataclasses.replace(ctx, ratings=lambda _: combined))
    for result in scored:
        if result.unit in detail and len(result.adjustments) > before[result.unit]:
            means, seqs = detail[result.unit]
            result.adjustments[-1].update(
                {
                    "type": "recognition",
                    "difficulty": as_text(quantize(means["difficulty"])),
                    "precision": as_text(quantize(means["precision"])),
                    "seqs": seqs,
                }
            )
