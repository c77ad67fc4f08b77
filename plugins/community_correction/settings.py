"""What a judicial bureau may adjust (per-bureau plugin settings, validated here).

Seed 002 gives the pay split ("80%固定工资+20%绩效报酬") and the shape of the assessment;
the other defaults (deduction amounts, bonus cap, targets, grade lines, pay standard,
the mediation time limit) are illustrative and meant to be set by the bureau.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.plugin_api import leaves, load_template

PACKAGE = "plugins.community_correction"
GRADES = ("excellent", "good", "qualified", "unqualified")
"""The grades of both schemes, best first (优秀, 良好, 合格, 不合格)."""


@cache
def deduction_rules() -> frozenset[str]:
    """Codes of the social-worker scheme's deduction rules (the leaves a bureau may
    re-price)."""
    doc = load_template(PACKAGE, "social-worker.yaml")
    return frozenset(leaf["code"] for leaf in leaves(doc) if leaf["rule"]["type"] == "deduction")


def _decimal(
    low: Decimal | int, high: Decimal | int | None = None, **kwargs: Any
) -> fields.Decimal:
    return fields.Decimal(validate=validate.Range(min=low, max=high), **kwargs)


class CorrectionSettings(Schema):
    class Meta:
        ordered = True

    # pay (D-31): fixed + performance; the performance part follows the total
    performance_share = _decimal(Decimal("0.01"), Decimal("0.99"), load_default=Decimal("0.20"))
    pay_standard = _decimal(0, load_default=Decimal(96000))
    pay_basis = fields.String(load_default="score", validate=validate.OneOf(["score", "grade"]))
    pay_coefficients = fields.Dict(
        keys=fields.String(validate=validate.OneOf(GRADES)),
        values=_decimal(0, 2),
        load_default=lambda: {
            "excellent": Decimal("1.2"),
            "good": Decimal("1.0"),
            "qualified": Decimal("0.8"),
            "unqualified": Decimal(0),
        },
    )
    # the assessment
    bonus_cap = _decimal(0, 8, load_default=Decimal(5))
    deductions = fields.Dict(keys=fields.String(), values=_decimal(0), load_default=dict)
    """Points per occurrence by deduction rule, e.g. ``{survey.overdue: 3}``."""
    abscond_ceiling = fields.String(
        load_default="good", allow_none=True, validate=validate.OneOf(GRADES[1:])
    )
    """The best grade after an abscondence (None: no ceiling)."""
    excellent_min = _decimal(0, 105, load_default=Decimal(90))
    good_min = _decimal(0, 105, load_default=Decimal(80))
    pass_min = _decimal(0, 105, load_default=Decimal(60))
    excellent_quota = _decimal(Decimal("0.01"), 1, load_default=Decimal("0.2"), allow_none=True)
    # data-fed rules and checks
    visit_target = _decimal(Decimal("0.01"), load_default=Decimal(100))
    mediation_success_target = _decimal(Decimal("0.01"), load_default=Decimal(90))
    mediation_days_target = _decimal(Decimal("0.01"), load_default=Decimal(15))
    mediation_days_limit = _decimal(1, 366, load_default=Decimal(30))
    """An average mediation time above this is warned about (人民调解一般30日内调结)."""

    @validates_schema
    def _consistent(self, data: dict, **_: Any) -> None:
        unknown = sorted(set(data["deductions"]) - deduction_rules())
        if unknown:
            raise ValidationError(
                f"不是扣分细则 (not deduction rules of the scheme): {', '.join(unknown)}",
                "deductions",
            )
        if not data["excellent_min"] >= data["good_min"] >= data["pass_min"]:
            raise ValidationError(
                "优秀 ≥ 良好 ≥ 合格 (excellent_min ≥ good_min ≥ pass_min)", "pass_min"
            )
