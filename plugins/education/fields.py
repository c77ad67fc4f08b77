"""Marshmallow pieces shared by the sector plugins' settings and event schemas.

Hosted here and used by community correction too; candidates for the public plugin API
(see plugins/education/NEEDS.md).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.organisation import CODE

GRADES = ("excellent", "good", "qualified", "unqualified")
"""The four grades of the sector templates, best first (优秀, 良好, 合格, 不合格)."""


def code_field(**kwargs: Any) -> fields.String:
    """A jixiao code: a unit, person, cycle or group (letters, digits, ``_ . -``)."""
    return fields.String(validate=validate.Regexp(CODE), **kwargs)


def share_field(low: Decimal, high: Decimal, **kwargs: Any) -> fields.Decimal:
    """A performance share between ``low`` and ``high`` inclusive."""
    error = f"绩效占比须在{low}–{high}之间 (the performance share must be {low}–{high})"
    return fields.Decimal(validate=validate.Range(min=low, max=high, error=error), **kwargs)


def grade_coefficients_field() -> fields.Dict:
    """Coefficients of the performance part by grade, 0–2 (default 1.2/1.0/0.8/0)."""
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(GRADES)),
        values=fields.Decimal(validate=validate.Range(min=0, max=2)),
        load_default=lambda: {
            "excellent": Decimal("1.2"),
            "good": Decimal("1.0"),
            "qualified": Decimal("0.8"),
            "unqualified": Decimal(0),
        },
    )


class GradeLines(Schema):
    """Settings with grade lines ``excellent_min``, ``good_min`` and ``pass_min``
    (declared by the subclass with its defaults), which must not rise."""

    @validates_schema
    def _lines_descend(self, data: dict, **_: Any) -> None:
        if not data["excellent_min"] >= data["good_min"] >= data["pass_min"]:
            raise ValidationError(
                "优秀 ≥ 良好 ≥ 合格 (excellent_min ≥ good_min ≥ pass_min)", "pass_min"
            )
