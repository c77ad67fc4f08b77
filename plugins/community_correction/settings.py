"""What a judicial bureau may adjust (per-bureau plugin settings, validated here).

Seed 002 gives the pay split ("80%固定工资+20%绩效报酬") and the shape of the assessment;
the other defaults (deduction amounts, bonus cap, targets, grade lines, pay standard)
are illustrative and meant to be set by the bureau.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from plugins.education import templating
from plugins.education.fields import GRADES, GradeLines, grade_coefficients_field, share_field

PACKAGE = "plugins.community_correction"


@cache
def deduction_rules() -> frozenset[str]:
    """Codes of the social-worker scheme's deduction rules (the leaves a bureau may
    re-price)."""
    doc = templating.load(PACKAGE, "social-worker.yaml")
    return frozenset(
        leaf["code"] for leaf in templating.leaves(doc) if leaf["rule"]["type"] == "deduction"
    )


def _positive(**kwargs: Any) -> fields.Decimal:
    return fields.Decimal(validate=validate.Range(min=0, min_inclusive=False), **kwargs)


class CorrectionSettings(GradeLines):
    # pay (D-31): fixed + performance; the performance part follows the total
    performance_share = share_field(Decimal("0.01"), Decimal("0.99"), load_default=Decimal("0.20"))
    pay_standard = fields.Decimal(load_default=Decimal(96000), validate=validate.Range(min=0))
    pay_basis = fields.String(load_default="score", validate=validate.OneOf(["score", "grade"]))
    pay_coefficients = grade_coefficients_field()
    # the assessment
    bonus_cap = fields.Decimal(load_default=Decimal(5), validate=validate.Range(min=0, max=8))
    deductions = fields.Dict(
        keys=fields.String(),
        values=fields.Decimal(validate=validate.Range(min=0)),
        load_default=dict,
    )
    abscond_ceiling = fields.String(
        load_default="good", allow_none=True, validate=validate.OneOf(GRADES[1:])
    )
    excellent_min = fields.Decimal(load_default=Decimal(90), validate=validate.Range(0, 105))
    good_min = fields.Decimal(load_default=Decimal(80), validate=validate.Range(0, 105))
    pass_min = fields.Decimal(load_default=Decimal(60), validate=validate.Range(0, 105))
    excellent_quota = fields.Decimal(
        load_default=Decimal("0.2"),
        allow_none=True,
        validate=validate.Range(min=Decimal("0.01"), max=1),
    )
    # data-fed rules
    visit_target = _positive(load_default=Decimal(100))
    mediation_success_target = _positive(load_default=Decimal(90))
    mediation_days_target = _positive(load_default=Decimal(15))

    @validates_schema
    def _known_rules(self, data: dict, **_: Any) -> None:
        unknown = sorted(set(data["deductions"]) - deduction_rules())
        if unknown:
            raise ValidationError(
                f"不是扣分细则 (not deduction rules of the scheme): {', '.join(unknown)}",
                "deductions",
            )
