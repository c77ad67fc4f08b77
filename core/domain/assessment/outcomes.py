"""Results application (D-31): from grades and ranks to pay, promotion and training.

A scheme's ``outcomes`` section configures it::

    outcomes:
      pay:                      # performance pay: coefficient by grade, pool shared out
        pool: "1000000"
        coefficients: {excellent: "1.2", good: "1.0", qualified: "0.8", unqualified: "0"}
      promotion: {grade: excellent, years: 2}   # excellent two years running
      training: {bottom: 1}                     # bottom of each group: mandatory training

The pool is shared in proportion to the coefficients, in fen (0.01), by the largest
remainder method so the shares add up to the pool exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, Decimal
from typing import Any

from marshmallow import Schema, fields, validate

from core.kernel.numbers import as_text

FEN = Decimal("0.01")


class PaySchema(Schema):
    pool = fields.Decimal(validate=validate.Range(min=0))
    coefficients = fields.Dict(
        keys=fields.String(), values=fields.Decimal(validate=validate.Range(min=0)), required=True
    )


class PromotionSchema(Schema):
    grade = fields.String(required=True)
    years = fields.Integer(load_default=2, strict=True, validate=validate.Range(min=1, max=10))


class TrainingSchema(Schema):
    bottom = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1))


class DiagnosisSchema(Schema):
    grade = fields.String(required=True)
    years = fields.Integer(load_default=2, strict=True, validate=validate.Range(min=1, max=10))


class DevelopmentSchema(Schema):
    pilot = fields.List(fields.String(), load_default=list)
    assistance = fields.List(fields.String(), load_default=list)
    diagnosis = fields.Nested(DiagnosisSchema)


class OutcomesSchema(Schema):
    pay = fields.Nested(PaySchema)
    promotion = fields.Nested(PromotionSchema)
    training = fields.Nested(TrainingSchema)
    development = fields.Nested(DevelopmentSchema)


def share_pool(pool: Decimal, weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Split ``pool`` in proportion to ``weights``, in fen, adding up exactly (largest
    remainder; equal remainders go to the lower unit code)."""
    total = sum(weights.values(), Decimal(0))
    if not total:
        return {unit: Decimal("0.00") for unit in weights}
    exact = {unit: pool * w / total for unit, w in weights.items()}
    shares = {unit: v.quantize(FEN, rounding=ROUND_DOWN) for unit, v in exact.items()}
    left = int((pool.quantize(FEN, rounding=ROUND_DOWN) - sum(shares.values())) / FEN)
    by_remainder = sorted(exact, key=lambda unit: (-(exact[unit] - shares[unit]), unit))
    for unit in by_remainder[:left]:
        shares[unit] += FEN
    return shares


def apply_outcomes(
    config: Mapping[str, Any],
    results: Sequence[Mapping[str, Any]],
    earlier_grades: Sequence[Mapping[str, str | None]],
    dimension_points: Mapping[str, Decimal],
) -> list[dict]:
    """One row per unit of a scheme's results. ``earlier_grades`` are the grades of the
    previous cycles, most recent first (promotion, diagnosis); ``dimension_points`` the
    points of the scheme's top-level nodes, for the health report."""
    config = OutcomesSchema().load(config)
    rows = [
        {
            "unit": r["unit"],
            "name": r["name"],
            "group": r["group"],
            "total": r["total"],
            "rank": r["rank"],
            "grade": r["grade"],
            "health": _health(r["dimensions"], dimension_points),
        }
        for r in results
    ]
    if "pay" in config:
        pay = config["pay"]
        coefficient = {r["unit"]: pay["coefficients"].get(r["grade"], Decimal(0)) for r in rows}
        shares = share_pool(pay["pool"], coefficient) if "pool" in pay else {}
        for row in rows:
            row["pay_coefficient"] = as_text(coefficient[row["unit"]])
            if shares:
                row["bonus"] = as_text(shares[row["unit"]])
    if "promotion" in config:
        rule = config["promotion"]
        for row in rows:
            row["promotion_eligible"] = _streak(row, rule["grade"], rule["years"], earlier_grades)
    if "training" in config:
        _mark_training(rows, config["training"]["bottom"])
    if "development" in config:
        _mark_development(rows, config["development"], earlier_grades)
    return rows


def _streak(row: Mapping[str, Any], grade: str, years: int, earlier: Sequence[Mapping]) -> bool:
    """The unit had ``grade`` this cycle and in each of the ``years − 1`` before."""
    grades = [row["grade"]] + [g.get(row["unit"]) for g in list(earlier)[: years - 1]]
    return len(grades) == years and all(g == grade for g in grades)


def _health(scores: Mapping[str, str], points: Mapping[str, Decimal]) -> dict[str, str]:
    """绩效体检报告 (D-32): each dimension's share of its points, for a radar chart of
    capability gaps."""
    return {
        code: as_text((Decimal(score) / points[code]).quantize(Decimal("0.0001")))
        for code, score in scores.items()
        if points.get(code)
    }


def _mark_development(
    rows: list[dict], rule: Mapping[str, Any], earlier: Sequence[Mapping]
) -> None:
    """Developmental results (D-32): reform pilot rights for the best grades, a partner
    assistance plan for the middle ones, an organisational health diagnosis for units
    with the diagnosis grade ``years`` cycles running."""
    diagnosis = rule.get("diagnosis")
    for row in rows:
        if diagnosis and _streak(row, diagnosis["grade"], diagnosis["years"], earlier):
            row["development"] = "health_diagnosis"
        elif row["grade"] in rule["pilot"]:
            row["development"] = "reform_pilot"
        elif row["grade"] in rule["assistance"]:
            row["development"] = "partner_assistance"
        else:
            row["development"] = None


def _mark_training(rows: list[dict], bottom: int) -> None:
    """The bottom ``bottom`` of each group by rank (ties at the boundary included) must
    attend the capability programme (D-31)."""
    groups: dict[Any, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)
    for members in groups.values():
        ranks = sorted((r["rank"] for r in members), reverse=True)
        cutoff = ranks[min(bottom, len(ranks)) - 1]
        for row in members:
            row["training"] = row["rank"] >= cutoff
