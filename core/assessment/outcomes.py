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

from core.numbers import as_text

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


class OutcomesSchema(Schema):
    pay = fields.Nested(PaySchema)
    promotion = fields.Nested(PromotionSchema)
    training = fields.Nested(TrainingSchema)


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
) -> list[dict]:
    """One row per unit of a scheme's results. ``earlier_grades`` are the grades of the
    previous cycles, most recent first, for the promotion rule."""
    config = OutcomesSchema().load(config)
    rows = [
        {
            "unit": r["unit"],
            "name": r["name"],
            "group": r["group"],
            "total": r["total"],
            "rank": r["rank"],
            "grade": r["grade"],
        }
        for r in results
    ]
    if "pay" in config:
        pay = config["pay"]
        coefficient = {r["unit"]: pay["coefficients"].get(r["grade"], Decimal(0)) for r in rows}
        shares = share_pool(pay["pool"], coefficient) if "pay" in config and "pool" in pay else {}
        for row in rows:
            row["pay_coefficient"] = as_text(coefficient[row["unit"]])
            if shares:
                row["bonus"] = as_text(shares[row["unit"]])
    if "promotion" in config:
        rule = config["promotion"]
        history = list(earlier_grades)[: rule["years"] - 1]
        for row in rows:
            streak = [row["grade"]] + [g.get(row["unit"]) for g in history]
            row["promotion_eligible"] = len(streak) == rule["years"] and all(
                g == rule["grade"] for g in streak
            )
    if "training" in config:
        _mark_training(rows, config["training"]["bottom"])
    return rows


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
