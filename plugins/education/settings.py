"""What an education bureau may adjust (per-bureau plugin settings, validated here).

Defaults follow seed 002 where it gives numbers (performance pay share 40–50%, set per
school) and are illustrative elsewhere (funding amounts, grade lines, team bar).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.plugin_api import load_template, with_points
from plugins.education.fields import (
    GRADES,
    GradeLines,
    code_field,
    grade_coefficients_field,
    share_field,
)

SHARE_LOW, SHARE_HIGH = Decimal("0.40"), Decimal("0.50")
"""绩效工资占比 40%–50% (D-31): the range a school's performance share must lie in."""

GROUPS = (
    "edu-recruit-a",
    "edu-recruit-b",
    "edu-recruit-c",
    "edu-recruit-d",
    "edu-master",
    "edu-leader",
    "edu-backbone",
    "edu-rising",
)
PACKAGE = "plugins.education"
FILES = {
    "edu-recruit-a": "recruit-a.yaml",
    "edu-recruit-b": "recruit-b.yaml",
    "edu-recruit-c": "recruit-c.yaml",
    "edu-recruit-d": "recruit-d.yaml",
    "edu-master": "cultivation-master.yaml",
    "edu-leader": "cultivation-leader.yaml",
    "edu-backbone": "cultivation-backbone.yaml",
    "edu-rising": "cultivation-rising.yaml",
}
"""Group (tier) → its scheme file; the scheme's code is the group's."""
assert tuple(FILES) == GROUPS
DIMENSIONS = ("research", "teaching", "influence")

DEFAULT_FUNDING = {
    "edu-recruit-a": Decimal(200000),
    "edu-recruit-b": Decimal(100000),
    "edu-recruit-c": Decimal(50000),
    "edu-recruit-d": Decimal(30000),
    "edu-master": Decimal(50000),
    "edu-leader": Decimal(30000),
    "edu-backbone": Decimal(10000),
    "edu-rising": Decimal(5000),
}
"""专项经费 per year by tier, in yuan (illustrative: the article says only that talents who
meet the bar receive special funding)."""


def _amount(**kwargs: Any) -> fields.Decimal:
    return fields.Decimal(validate=validate.Range(min=0), **kwargs)


class TeamSettings(Schema):
    """突出贡献团队: a school (team) is commended when it has at least ``min_members``
    assessed talents, their mean total reaches ``min_mean`` and at least ``min_share``
    of them have one of ``grades``."""

    min_members = fields.Integer(load_default=3, strict=True, validate=validate.Range(min=1))
    min_mean = fields.Decimal(load_default=Decimal(85), validate=validate.Range(min=0))
    min_share = fields.Decimal(load_default=Decimal("0.8"), validate=validate.Range(min=0, max=1))
    grades = fields.List(
        fields.String(validate=validate.OneOf(GRADES)), load_default=lambda: ["excellent", "good"]
    )


class EducationSettings(GradeLines):
    # 绩效工资 (D-31): the share of pay put on performance, per school, 40–50%
    performance_share = share_field(SHARE_LOW, SHARE_HIGH, load_default=Decimal("0.45"))
    school_shares = fields.Dict(
        keys=code_field(),
        values=share_field(SHARE_LOW, SHARE_HIGH),
        load_default=dict,
    )
    pay_standard = _amount(load_default=Decimal(120000))
    pay_coefficients = grade_coefficients_field()
    # grade lines of every talent scheme; 合格 is the bar (考核达标)
    excellent_min = fields.Decimal(load_default=Decimal(90), validate=validate.Range(0, 100))
    good_min = fields.Decimal(load_default=Decimal(80), validate=validate.Range(0, 100))
    pass_min = fields.Decimal(load_default=Decimal(70), validate=validate.Range(0, 100))
    excellent_quota = fields.Decimal(
        load_default=None, allow_none=True, validate=validate.Range(min=Decimal("0.01"), max=1)
    )
    # dimension points by group, e.g. {edu-master: {research: 30, teaching: 30, influence: 40}}
    weights = fields.Dict(
        keys=fields.String(validate=validate.OneOf(GROUPS)),
        values=fields.Dict(
            keys=fields.String(validate=validate.OneOf(DIMENSIONS)),
            values=fields.Decimal(validate=validate.Range(min=0)),
        ),
        load_default=dict,
    )
    # results applied (考核达标 → 专项经费, 职称晋升, 突出贡献团队); amounts override the
    # defaults tier by tier
    funding = fields.Dict(
        keys=fields.String(validate=validate.OneOf(GROUPS)),
        values=_amount(),
        load_default=dict,
    )
    funding_grades = fields.Dict(
        keys=fields.String(validate=validate.OneOf(GRADES)),
        values=fields.Decimal(validate=validate.Range(min=0, max=1)),
        load_default=lambda: {
            "excellent": Decimal(1),
            "good": Decimal(1),
            "qualified": Decimal("0.8"),
        },
    )
    title_grades = fields.List(
        fields.String(validate=validate.OneOf(GRADES)), load_default=lambda: ["excellent", "good"]
    )
    title_years = fields.Integer(load_default=2, strict=True, validate=validate.Range(1, 5))
    team = fields.Nested(TeamSettings, load_default=lambda: TeamSettings().load({}))
    # entry checks: what one teacher can plausibly reach in a year, by indicator
    yearly_ceilings = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=64)),
        values=fields.Decimal(validate=validate.Range(min=0)),
        load_default=dict,
    )

    @validates_schema
    def _weights_add_up(self, data: dict, **_: Any) -> None:
        for group, dims in data["weights"].items():
            if set(dims) != set(DIMENSIONS):
                every = ", ".join(DIMENSIONS)
                raise ValidationError(
                    f"{group}：须给出全部维度 {every} ({group}: give all of {every})", "weights"
                )
            if sum(dims.values(), Decimal(0)) != 100:
                raise ValidationError(
                    f"{group}：各维度之和须为 100 ({group}: dimensions must add up to 100)",
                    "weights",
                )
            # the template must still render with them: children share a dimension's
            # points to the fen, so 99.995 + 0.005 adds up here and not there
            try:
                with_points(load_template(PACKAGE, FILES[group]), dims)
            except (KeyError, ValueError) as exc:
                raise ValidationError(f"{group}: {str(exc).strip(chr(39))}", "weights") from exc
