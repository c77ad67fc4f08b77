"""The tax plugin's post step: hard indicators (硬性指标) such as 文明单位 and 非接触式办税.

(The bonus cap of the points system needs no step any more: the bonus leaf adds up its
days, ``combine: sum``, and the built-in ``bonus`` rule caps the sum at the leaf's
points.)"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields, validate

from core.plugin_api import PostContext, UnitResult, as_text


class HardIndicatorParams(Schema):
    node = fields.String(required=True)
    below = fields.Decimal(required=True, validate=validate.Range(min=0))
    cap = fields.String(required=True, validate=validate.Length(min=1, max=64))
    flag = fields.String(required=True, validate=validate.Length(min=1, max=64))
    label = fields.String(load_default="")


def hard_indicator(results: list[UnitResult], p: Mapping[str, Any], ctx: PostContext) -> None:
    """硬性指标 (gate style): a unit whose ``node`` scored below ``below`` (normally the
    node's full points: the requirement was not met) is flagged and graded no better
    than ``cap``. The leaf's points are already lost by its own rule; the cap is what
    makes the requirement hard ("未达标不得评为优秀"). Only the units of the scheme
    naming the step are touched; a cap the scheme's grades do not know only flags.
    """
    order = list(ctx.grades)
    for result in results:
        if result.unit not in ctx.members or result.nodes.get(p["node"], Decimal(0)) >= p["below"]:
            continue
        result.flags.append(p["flag"])
        change: dict[str, Any] = {
            "type": "hard_indicator",
            "node": p["node"],
            "score": as_text(result.nodes.get(p["node"], Decimal(0))),
            "below": as_text(p["below"]),
            "flag": p["flag"],
            "label": p["label"],
        }
        capped = (
            result.grade in order
            and p["cap"] in order
            and order.index(result.grade) < order.index(p["cap"])
        )
        if capped:
            change.update({"from": result.grade, "to": p["cap"]})
            result.grade = p["cap"]
        result.adjustments.append(change)
