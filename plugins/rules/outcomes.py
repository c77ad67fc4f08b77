"""The built-in outcome types (D-31, D-32): pay, promotion, training and development.

A scheme's ``outcomes`` section names them::

    outcomes:
      pay:                      # performance pay: coefficient by grade, pool shared out
        pool: "1000000"
        coefficients: {excellent: "1.2", good: "1.0", qualified: "0.8", unqualified: "0"}
      promotion: {grade: excellent, years: 2}   # excellent two years running
      training: {bottom: 1}                     # bottom of each group: mandatory training
      development: {pilot: [excellent], assistance: [good], diagnosis: {grade: poor}}

The pool is shared in proportion to the coefficients, in fen (0.01), by the largest
remainder method so the shares add up to the pool exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields, validate

from core.plugin_api import OutcomeContext, OutcomeType, as_text, share_pool


class PaySchema(Schema):
    pool = fields.Decimal(validate=validate.Range(min=0))
    coefficients = fields.Dict(
        keys=fields.String(), values=fields.Decimal(validate=validate.Range(min=0)), required=True
    )


class StreakSchema(Schema):
    grade = fields.String(required=True)
    years = fields.Integer(load_default=2, strict=True, validate=validate.Range(min=1, max=10))


class TrainingSchema(Schema):
    bottom = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1))


class DevelopmentSchema(Schema):
    pilot = fields.List(fields.String(), load_default=list)
    assistance = fields.List(fields.String(), load_default=list)
    diagnosis = fields.Nested(StreakSchema)


def pay(rows: list[dict], p: Mapping[str, Any], ctx: OutcomeContext) -> None:
    """绩效工资: a coefficient by grade and, with a pool, each subject's share of it."""
    coefficient = {r["subject"]: p["coefficients"].get(r["grade"], Decimal(0)) for r in rows}
    shares = share_pool(p["pool"], coefficient) if "pool" in p else {}
    for row in rows:
        row["pay_coefficient"] = as_text(coefficient[row["subject"]])
        if shares:
            row["bonus"] = as_text(shares[row["subject"]])


def streak(row: Mapping[str, Any], grade: str, years: int, earlier: Sequence[Mapping]) -> bool:
    """The subject had ``grade`` this cycle and in each of the ``years − 1`` before."""
    grades = [row["grade"]] + [g.get(row["subject"]) for g in list(earlier)[: years - 1]]
    return len(grades) == years and all(g == grade for g in grades)


def promotion(rows: list[dict], p: Mapping[str, Any], ctx: OutcomeContext) -> None:
    """优先晋升: ``grade`` (e.g. excellent) ``years`` cycles running (D-31)."""
    for row in rows:
        row["promotion_eligible"] = streak(row, p["grade"], p["years"], ctx.earlier_grades)


def training(rows: list[dict], p: Mapping[str, Any], ctx: OutcomeContext) -> None:
    """能力提升培训: the bottom ``bottom`` of each group by rank (ties at the boundary
    included) must attend the capability programme (D-31)."""
    groups: dict[Any, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)
    for members in groups.values():
        ranks = sorted((r["rank"] for r in members), reverse=True)
        cutoff = ranks[min(p["bottom"], len(ranks)) - 1]
        for row in members:
            row["training"] = row["rank"] >= cutoff


def development(rows: list[dict], p: Mapping[str, Any], ctx: OutcomeContext) -> None:
    """Developmental results (D-32): reform pilot rights for the best grades, a partner
    assistance plan for the middle ones, an organisational health diagnosis for those
    with the diagnosis grade ``years`` cycles running."""
    diagnosis = p.get("diagnosis")
    for row in rows:
        if diagnosis and streak(row, diagnosis["grade"], diagnosis["years"], ctx.earlier_grades):
            row["development"] = "health_diagnosis"
        elif row["grade"] in p["pilot"]:
            row["development"] = "reform_pilot"
        elif row["grade"] in p["assistance"]:
            row["development"] = "partner_assistance"
        else:
            row["development"] = None


def _development_grades(p: Mapping[str, Any]) -> list[str]:
    return [
        *p["pilot"],
        *p["assistance"],
        *([p["diagnosis"]["grade"]] if p.get("diagnosis") else []),
    ]


OUTCOME_TYPES = (
    OutcomeType(
        "pay",
        "绩效工资 (performance pay)",
        PaySchema,
        pay,
        ("pay_coefficient", "bonus"),
        grades=lambda p: p["coefficients"],
    ),
    OutcomeType(
        "promotion",
        "优先晋升 (promotion eligibility)",
        StreakSchema,
        promotion,
        ("promotion_eligible",),
        grades=lambda p: [p["grade"]],
    ),
    OutcomeType(
        "training", "能力提升培训 (mandatory training)", TrainingSchema, training, ("training",)
    ),
    OutcomeType(
        "development",
        "发展性结果 (developmental outcomes)",
        DevelopmentSchema,
        development,
        ("development",),
        grades=_development_grades,
    ),
)
