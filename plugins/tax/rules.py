"""The daily points rule (日积分, D-11): points recorded as they happen, by day.

A ``daily_points`` leaf has ``frequency: day`` and ``source: items``: each bonus or
deduction item of the catalogue is recorded on the day it happened (quantity = points),
and the leaf is scored every day of the cycle. The engine combines a leaf's periods by
their mean (design note 27), so the rule *annualises* each day: a day's score is the
leaf's points minus ``days`` × the points deducted that day (for bonus leaves, ``days``
× the points added). The mean over the year's ``days`` days is then exactly

    points − Σ deductions        (bonus: Σ bonus points)

and within a month or quarter standing it is the same rate annualised (× days ÷ days in
the window), which keeps daily points weighed against monthly and quarterly leaves
exactly as in the annual result. Ranking within a period is by the period's own sum.

Days are not floored or capped one by one, which would break the sum: an unusually bad
year can take the deduction leaf below zero (a points system has no floor), and the
bonus cap is a post step (``points_cap``) on the cycle result. NEEDS.md asks the core
for ``combine: sum``, which would make ``days`` unnecessary.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields, validate

from core.numbers import quantize

DAILY_KINDS = ("deduction", "bonus")


class DailyPointsParams(Schema):
    class Meta:
        ordered = True

    kind = fields.String(required=True, validate=validate.OneOf(DAILY_KINDS))
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=366))


def daily_points(inputs: Mapping[str, Decimal], p: Mapping[str, Any], points: Decimal) -> Decimal:
    """One day of a daily-points leaf: ``value`` is the points recorded that day."""
    rate = p["days"] * inputs["value"]
    return quantize(points - rate if p["kind"] == "deduction" else rate)
