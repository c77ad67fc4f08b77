"""The supervising-department dual linkage across groups (主管部门双向挂钩, D-15).

Linyi: "主管部门成绩优异的，其贡献最大的一个所属事业单位直接定为一等；主管部门考核较差的，
所属单位均不得评一等". Its institutions are grouped by service attribute (D-03), so one
department's institutions usually sit in several groups, each with its own scheme. The
built-in ``linkage`` step runs per scheme and would make the best institution *of each
group* 一等 — three "single most contributing" institutions for a department spread
over three groups.

This step decides across groups and then lets the built-in step act: for an excellent
department it picks the one institution with the highest total among *all* its
institutions (ties: the lower unit code) and shows the built-in step only that one
when it belongs to the scheme running the step (a vetoed institution is never
picked); for a poor department it shows all of
the scheme's institutions of that department, which the built-in step caps. Every
scheme naming the step sees the same pick, so exactly one institution is raised.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from core.hookspecs import PostContext, UnitResult
from plugins.rules.post import LinkageParams, linkage

LinkageAcrossGroupsParams = LinkageParams
"""Same params as the built-in: ``excellent`` and ``poor`` department grade codes,
``first`` (default the scheme's best grade) and ``cap`` (default its second)."""


def most_contributing(institutions: list[UnitResult]) -> UnitResult | None:
    """贡献最大: the highest total across the department's groups (ties: the lower code);
    a vetoed institution is never raised (a veto means the last grade)."""
    eligible = [r for r in institutions if "veto" not in r.flags]
    return min(eligible, key=lambda r: (-r.total, r.unit)) if eligible else None


def linkage_across_groups(
    results: list[UnitResult], p: Mapping[str, Any], ctx: PostContext
) -> None:
    by_unit = {r.unit: r for r in results}
    institutions: dict[str, list[UnitResult]] = {}
    for result in results:
        if result.parent in by_unit:
            institutions.setdefault(result.parent, []).append(result)
    shown: set[str] = set()
    for department, theirs in institutions.items():
        grade = by_unit[department].grade
        if grade == p["excellent"]:
            best = most_contributing(theirs)
            if best is not None and best.unit in ctx.members:
                shown.add(best.unit)
        elif grade == p["poor"]:
            shown.update(r.unit for r in theirs if r.unit in ctx.members)
    linkage(results, p, dataclasses.replace(ctx, members=frozenset(shown)))
