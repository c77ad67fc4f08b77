"""Post-processors of the social-worker assessment (after the roll-up).

``node_cap``: "加分为辅" — the bonus items together may add at most a few points, although
each bonus rule has its own, larger, share (a worker may earn bonus points in several
ways, but never more than the cap in total).

``grade_ceiling``: a deduction in a sensitive rule bars the better grades whatever the
total ("所管对象脱管漏管的，当年不得评为优秀"): unlike a veto the points stand, only the
grade is held down.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields, validate

from core.plugin_api import PostContext, UnitResult, adjust_node, as_text, quantize


class NodeCapParams(Schema):
    node = fields.String(required=True, validate=validate.Length(min=1))
    cap = fields.Decimal(required=True, validate=validate.Range(min=0))
    label = fields.String(load_default="")


def node_cap(results: list[UnitResult], p: Mapping[str, Any], ctx: PostContext) -> None:
    """A node scoring more than ``cap`` is cut to ``cap``; its ancestors and the total
    follow, and the explanation shows the points before and after."""
    for result in results:
        before = result.nodes.get(p["node"])
        if before is None or before <= p["cap"]:
            continue
        after = quantize(p["cap"])
        adjust_node(result, p["node"], after, ctx)
        result.adjustments.append(
            {
                "type": "node_cap",
                "node": p["node"],
                "cap": as_text(p["cap"]),
                "before": as_text(before),
                "after": as_text(after),
                "label": p["label"],
            }
        )


class GradeCeilingParams(Schema):
    node = fields.String(required=True, validate=validate.Length(min=1))
    below = fields.Decimal(required=True)
    cap = fields.String(required=True, validate=validate.Length(min=1))
    label = fields.String(load_default="")


def grade_ceiling(results: list[UnitResult], p: Mapping[str, Any], ctx: PostContext) -> None:
    """When ``node`` scores below ``below`` (for a deduction rule: its points, i.e. any
    deduction at all), a grade better than ``cap`` becomes ``cap``. Only the scheme's
    own subjects are touched (a grade step sees the whole cycle). A ``cap`` that is not
    one of the scheme's grades is an error, not a rule quietly skipped."""
    order = list(ctx.grades)
    if p["cap"] not in order:
        raise ValueError(
            f"grade_ceiling：cap {p['cap']!r} 不是方案的等次（{', '.join(order) or '无'}） "
            f"(grade_ceiling: cap {p['cap']!r} is not a grade of the scheme "
            f"({', '.join(order) or 'none'}))"
        )
    ceiling = order.index(p["cap"])
    for result in results:
        if result.unit not in ctx.members or result.grade not in order:
            continue
        score = result.nodes.get(p["node"], Decimal(0))
        if score < p["below"] and order.index(result.grade) < ceiling:
            result.adjustments.append(
                {
                    "type": "grade_ceiling",
                    "node": p["node"],
                    "score": as_text(score),
                    "from": result.grade,
                    "to": p["cap"],
                    "label": p["label"],
                }
            )
            result.grade = p["cap"]
