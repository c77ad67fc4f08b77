"""Social workers' pay linked to results (社工薪酬, D-31): "80%固定工资+20%绩效报酬".

The fixed part is ``standard × (1 − share)``; the performance part ``standard × share ×
factor``, where the factor follows the total (``basis: score``: total ÷ 100, at most 1,
so bonus points above 100 do not pay more than the standard) or the grade (``basis:
grade``: a coefficient per grade). Amounts in yuan, rounded half-up to the fen.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.plugin_api import OutcomeContext, as_text, quantize

COLUMNS = ("pay_fixed", "pay_factor", "pay_performance", "pay_total")
FULL_AT = Decimal(100)


class WorkerPayParams(Schema):
    standard = fields.Decimal(required=True, validate=validate.Range(min=0))
    share = fields.Decimal(required=True, validate=validate.Range(Decimal("0.01"), Decimal("0.99")))
    basis = fields.String(load_default="score", validate=validate.OneOf(["score", "grade"]))
    coefficients = fields.Dict(
        keys=fields.String(),
        values=fields.Decimal(validate=validate.Range(min=0)),
        load_default=dict,
    )

    @validates_schema
    def _grade_basis(self, data: dict, **_: Any) -> None:
        if data["basis"] == "grade" and not data["coefficients"]:
            raise ValidationError(
                "按等次计算时须为每个等次设系数 (basis 'grade' needs a coefficient per grade)",
                "coefficients",
            )


def worker_pay(rows: list[dict], p: Mapping[str, Any], ctx: OutcomeContext | None = None) -> None:
    """Adds ``pay_fixed``, ``pay_factor``, ``pay_performance`` and ``pay_total``."""
    fixed = quantize(p["standard"] * (1 - p["share"]))
    for row in rows:
        if p["basis"] == "grade":
            factor = p["coefficients"].get(row["grade"], Decimal(0))
        else:
            factor = min(max(Decimal(row["total"]), Decimal(0)) / FULL_AT, Decimal(1))
        performance = quantize(p["standard"] * p["share"] * factor)
        row.update(
            pay_fixed=as_text(fixed),
            pay_factor=as_text(quantize(factor, 4)),
            pay_performance=as_text(performance),
            pay_total=as_text(fixed + performance),
        )
