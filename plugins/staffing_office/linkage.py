"""The supervising-department dual linkage across groups (主管部门双向挂钩, D-15).

Linyi: "主管部门成绩优异的，其贡献最大的一个所属事业单位直接定为一等；主管部门考核较差的，
所属单位均不得评一等". Its institutions are grouped by service attribute (D-03), so one
department's institutions usually sit in several groups, each with its own scheme. The
built-in ``linkage`` step runs per scheme and would make the best institution *of each
group* 一等 — three "single most contributing" institutions for a department spread
over three groups.

This step decides across groups: for an excellent department it picks the one
institution with the highest total among *all* its institutions (ties: the lower unit
code; a vetoed institution is never picked) and raises it to ``first`` if it belongs to
the scheme running the step; for a poor department none of the scheme's institutions
of that department stays above ``cap``. Every scheme naming the step sees the same
pick, so exactly one institution is raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields

from core.plugin_api import PostContext, UnitResult


class LinkageAcrossGroupsParams(Schema):
    """``excellent`` and ``poor``: the department grades that act; ``first`` (default the
    scheme's best grade) and ``cap`` (default its second)."""

    excellent = fields.String(required=True)
    poor = fields.String(required=True)
    first = fields.String()
    cap = fields.String()


def most_contributing(institutions: list[UnitResult]) -> UnitResult | None:
    """贡献最大: the highest total across the department's groups (ties: the lower code);
    a vetoed institution is never raised (a veto means the last grade)."""
    eligible = [r for r in institutions if "veto" not in r.flags]
    return min(eligible, key=lambda r: (-r.total, r.unit)) if eligible else None


def _set_grade(result: UnitResult, grade: str, reason: str) -> None:
    if result.grade != grade:
        result.adjustments.append(
            {"type": "linkage", "from": result.grade, "to": grade, "reason": reason}
        )
        result.grade = grade


def linkage_across_groups(
    results: list[UnitResult], p: Mapping[str, Any], ctx: PostContext
) -> None:
    order = list(ctx.grades)
    first = p.get("first", order[0])
    cap = p.get("cap", order[1] if len(order) > 1 else order[0])
    by_unit = {r.unit: r for r in results}
    institutions: dict[str, list[UnitResult]] = {}
    for result in results:
        if result.parent in by_unit:
            institutions.setdefault(result.parent, []).append(result)
    for department, theirs in sorted(institutions.items()):
        grade = by_unit[department].grade
        reason = f"department {department} rated {grade}"
        if grade == p["excellent"]:
            best = most_contributing(theirs)
            if best is not None and best.unit in ctx.members:
                _set_grade(best, first, reason)
        elif grade == p["poor"]:
            for result in theirs:
                above = result.grade in order and order.index(result.grade) < order.index(cap)
                if result.unit in ctx.members and above:
                    _set_grade(result, cap, reason)
