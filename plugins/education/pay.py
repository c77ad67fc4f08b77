"""Pay linked to results (绩效工资, D-31): a fixed part and a performance part.

Pay is split by a performance share: community cadres and social workers get 80% fixed
and 20% by performance, schools put 40–50% of teachers' pay on performance. The fixed
part is ``standard × (1 − share)``; the performance part ``standard × share × factor``,
where the factor follows either the total (``basis: score``: total ÷ ``full_at``, so
100 points pays it in full, and by default at most 1, so bonus points above 100 do not
pay more than the standard) or the grade (``basis: grade``: a coefficient per grade,
above 1 for the best grades). ``cap`` bounds the factor either way. Amounts are in
yuan, rounded half-up to the fen.

The school's share must lie in 40–50% (D-31), per school (``shares``, by the talent's
unit) or bureau-wide (``share``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.plugin_api import OutcomeContext, as_text, quantize
from plugins.education.fields import share_field
from plugins.education.settings import SHARE_HIGH, SHARE_LOW

ZERO = Decimal(0)


class SchoolPayParams(Schema):
    """Teachers' pay: the performance share must be 40–50% (D-31), per school too."""

    standard = fields.Decimal(required=True, validate=validate.Range(min=0))
    share = share_field(SHARE_LOW, SHARE_HIGH, required=True)
    shares = fields.Dict(
        keys=fields.String(), values=share_field(SHARE_LOW, SHARE_HIGH), load_default=dict
    )
    basis = fields.String(load_default="score", validate=validate.OneOf(["score", "grade"]))
    full_at = fields.Decimal(
        load_default=Decimal(100), validate=validate.Range(min=0, min_inclusive=False)
    )
    coefficients = fields.Dict(
        keys=fields.String(),
        values=fields.Decimal(validate=validate.Range(min=0)),
        load_default=dict,
    )
    cap = fields.Decimal(validate=validate.Range(min=0))

    @validates_schema
    def _grade_basis_needs_coefficients(self, data: dict, **_: Any) -> None:
        if data["basis"] == "grade" and not data["coefficients"]:
            raise ValidationError(
                "按等次计算时须为每个等次设系数 (basis 'grade' needs a coefficient per grade)",
                "coefficients",
            )


@dataclass(frozen=True)
class PaySplit:
    share: Decimal
    factor: Decimal
    fixed: Decimal
    performance: Decimal

    @property
    def total(self) -> Decimal:
        return self.fixed + self.performance


def performance_factor(total: Decimal, grade: str | None, p: Mapping[str, Any]) -> Decimal:
    """How much of the performance part is earned: by grade, or by total (at most 1
    unless ``cap`` says otherwise); never above ``cap`` when it is set."""
    if p["basis"] == "grade":
        factor = p["coefficients"].get(grade, ZERO)
        cap = p.get("cap")
    else:
        factor = max(total, ZERO) / p["full_at"]
        cap = p.get("cap", Decimal(1))
    return factor if cap is None else min(factor, cap)


def split_pay(standard: Decimal, share: Decimal, factor: Decimal) -> PaySplit:
    """固定工资 + 绩效报酬: e.g. 96 000 at 20% and factor 0.9 → 76 800 + 17 280."""
    return PaySplit(
        share=share,
        factor=factor,
        fixed=quantize(standard * (1 - share)),
        performance=quantize(standard * share * factor),
    )


def apply_pay(rows: list[dict], p: Mapping[str, Any], ctx: OutcomeContext | None = None) -> None:
    """Add ``pay_share``, ``pay_factor``, ``pay_fixed``, ``pay_performance`` and
    ``pay_total`` to each row; the share is the row's unit's own (``shares``) or the
    default one."""
    for row in rows:
        share = p["shares"].get(row["unit"], p["share"])
        factor = performance_factor(Decimal(row["total"]), row["grade"], p)
        split = split_pay(p["standard"], share, factor)
        row.update(
            pay_share=as_text(split.share),
            pay_factor=as_text(quantize(split.factor, 4)),
            pay_fixed=as_text(split.fixed),
            pay_performance=as_text(split.performance),
            pay_total=as_text(split.total),
        )
