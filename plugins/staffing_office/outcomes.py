"""Results bound to staffing resources (结果与编制资源挂钩, D-31).

Linyi ties results to resource allocation and cadre management ("四挂钩"; the article's
list did not survive, DOMAIN.md D-31 names "budget and staffing: results bound to
headcount adjustments"). This outcome type says, per institution, what the grade means
for its staffing — illustrative rules in the staffing office's terms:

* ``priority`` 编制需求优先保障 — grades in ``priority`` (default 一等);
* ``review``   编制使用评估     — grades in ``review`` (default 三等);
* ``reduce``   收回空余编制     — a ``review`` grade ``reduce_after`` cycles running;
* ``keep``     维持现有编制     — everyone else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields, validate

from core.plugin_api import OutcomeContext

COLUMNS = ("staffing", "staffing_name")

ACTIONS = {
    "priority": "编制需求优先保障 (staffing requests served first)",
    "keep": "维持现有编制 (staffing unchanged)",
    "review": "编制使用评估 (use of posts reviewed)",
    "reduce": "收回空余编制 (vacant posts withdrawn)",
}


class StaffingLinkageParams(Schema):
    priority = fields.List(fields.String(), load_default=lambda: ["first"])
    review = fields.List(fields.String(), load_default=lambda: ["third"])
    reduce_after = fields.Integer(
        load_default=2, strict=True, validate=validate.Range(min=1, max=5)
    )
    exclude_groups = fields.List(fields.String(), load_default=lambda: ["department"])


def staffing_linkage(rows: list[dict], params: Mapping[str, Any], ctx: OutcomeContext) -> None:
    """Adds ``staffing`` (priority, keep, review or reduce) and ``staffing_name`` to each
    assessed institution's row; ``ctx.earlier_grades`` holds earlier cycles' grades,
    most recent first. Groups in ``exclude_groups`` get None."""
    for row in rows:
        if row["group"] in params["exclude_groups"] or row["grade"] is None:
            row["staffing"] = row["staffing_name"] = None
            continue
        grade = row["grade"]
        earlier = list(ctx.earlier_grades[: params["reduce_after"] - 1])
        if (
            grade in params["review"]
            and len(earlier) == params["reduce_after"] - 1
            and all(h.get(row["subject"]) in params["review"] for h in earlier)
        ):
            action = "reduce"
        elif grade in params["review"]:
            action = "review"
        elif grade in params["priority"]:
            action = "priority"
        else:
            action = "keep"
        row["staffing"] = action
        row["staffing_name"] = ACTIONS[action]
