"""Marshmallow pieces shared by the sector plugins' settings and event schemas.

Hosted here and used by community correction too; candidates for the public plugin API
(see plugins/education/NEEDS.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.plugin_api import CODE

GRADES = ("excellent", "good", "qualified", "unqualified")
"""The four grades of the sector templates, best first (优秀, 良好, 合格, 不合格)."""
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2999, 12, 31)
"""The days a date may name: the years the core allows a cycle to lie in (a term from
year 1 or ending in 9999 is a typing mistake, not a fact)."""


def code_field(**kwargs: Any) -> fields.String:
    """A jixiao code: a unit, person, cycle or group (letters, digits, ``_ . -``)."""
    return fields.String(validate=validate.Regexp(CODE.pattern + r"\Z"), **kwargs)


def day_field(**kwargs: Any) -> fields.Date:
    """A calendar day (``2026-04-15``) from 2000 to 2999, the years of the platform's
    cycles: marshmallow's ``Date`` takes year 1 and year 9999. An impossible day's
    reason is Chinese first, with marshmallow's English kept word for word."""
    span = "须为 2000 至 2999 年之间的日期 (a date between the years 2000 and 2999)"
    return fields.Date(
        validate=validate.Range(FIRST_DAY, LAST_DAY, error=span),
        error_messages={"invalid": "不是有效日期（YYYY-MM-DD） (Not a valid date.)"},
        **kwargs,
    )


def share_field(low: Decimal, high: Decimal, **kwargs: Any) -> fields.Decimal:
    """A performance share between ``low`` and ``high`` inclusive."""
    error = f"绩效占比须在{low}–{high}之间 (the performance share must be {low}–{high})"
    return fields.Decimal(validate=validate.Range(min=low, max=high, error=error), **kwargs)


DEFAULT_COEFFICIENTS = {
    "excellent": Decimal("1.2"),
    "good": Decimal("1.0"),
    "qualified": Decimal("0.8"),
    "unqualified": Decimal(0),
}


def grade_coefficients_field() -> fields.Dict:
    """Coefficients of the performance part by grade, 0–2; the grades given override
    :data:`DEFAULT_COEFFICIENTS` one by one (see :func:`with_defaults`)."""
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(GRADES)),
        values=fields.Decimal(validate=validate.Range(min=0, max=2)),
        load_default=dict,
    )


def with_defaults(defaults: dict, given: dict) -> dict:
    """A bureau's partial setting over the defaults: ``{good: 1.1}`` changes one grade
    and keeps the others."""
    return {**defaults, **given}


class GradeLines(Schema):
    """Settings with grade lines ``excellent_min``, ``good_min`` and ``pass_min``
    (declared by the subclass with its defaults), which must not rise."""

    @validates_schema
    def _lines_descend(self, data: dict, **_: Any) -> None:
        if not data["excellent_min"] >= data["good_min"] >= data["pass_min"]:
            raise ValidationError(
                "优秀 ≥ 良好 ≥ 合格 (excellent_min ≥ good_min ≥ pass_min)", "pass_min"
            )
