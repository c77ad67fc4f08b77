"""The strategy → annual key task → KPI decomposition (战略—目标—指标三级分解, D-01).

In a tax scheme template every top node that has children is a *strategy* (S1 组织收入…),
its children are the year's *key tasks* (S1.K1 完成税费收入任务…) and their children are
the *KPIs* the departments are scored on. The rest of the tree (daily points, the
half-year assessment, the year-end review, the bonus) are top-level leaves outside the
decomposition. :func:`problems` keeps a bureau's adapted template honest about that
shape; :func:`responsibility_chain` lists the chain for the indicator briefings the
performance office holds (绩效办→股室→派出机构三级指标解读会).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.plugin_api import walk


def problems(doc: Mapping[str, Any]) -> list[str]:
    """Every leaf under a strategy must sit exactly three levels down; returns the
    codes that do not, with the reason (an empty list when the shape holds)."""
    found = []
    for node, parents in walk(doc["nodes"]):
        if node.get("children") or not parents:
            continue
        if len(parents) != 2:
            found.append(
                f"{node['code']}: a KPI sits under a strategy and a key task "
                f"(strategy → key task → KPI), found at level {len(parents) + 1}"
            )
    return found


def responsibility_chain(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per KPI: strategy, key task, KPI, its indicator, points and frequency,
    in the tree's order. Leaves outside the decomposition are left out."""
    rows = []
    for node, parents in walk(doc["nodes"]):
        if node.get("children") or len(parents) != 2:
            continue
        strategy, task = parents
        rows.append(
            {
                "strategy": strategy["code"],
                "strategy_name": strategy["name"],
                "key_task": task["code"],
                "key_task_name": task["name"],
                "kpi": node["code"],
                "kpi_name": node["name"],
                "indicator": node["indicator"],
                "points": str(node["points"]),
                "frequency": node.get("frequency", "year"),
            }
        )
    return rows
