"""Results application (D-31, D-32): from a scheme's results to what follows from them.

The core builds one row per subject (total, rank, grade and the health report: each
dimension's share of its points, for a radar chart of capability gaps) and hands the
rows to the **outcome types** a scheme's ``outcomes`` section names: pay, promotion,
training and development from the built-in ``rules`` plugin, or any plugin's (funding
by talent tier, team commendation…). Each adds its own fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from core.kernel.errors import Conflict, FieldError, NotFound
from core.kernel.numbers import as_text
from core.plugin_api import OutcomeContext, OutcomeType

HEALTH_PLACES = Decimal("0.0001")


def health(scores: Mapping[str, str], points: Mapping[str, Decimal]) -> dict[str, str]:
    """绩效体检报告 (D-32): each dimension's share of its points."""
    return {
        code: as_text((Decimal(score) / points[code]).quantize(HEALTH_PLACES))
        for code, score in scores.items()
        if points.get(code)
    }


def outcome_rows(results: Sequence[Mapping[str, Any]], points: Mapping[str, Decimal]) -> list[dict]:
    """The base row of each subject that outcome types add to."""
    return [
        {
            "subject": r["subject"],
            "kind": r["kind"],
            "unit": r["unit"],
            "name": r["name"],
            "group": r["group"],
            "total": r["total"],
            "rank": r["rank"],
            "grade": r["grade"],
            "health": health(r["dimensions"], points),
        }
        for r in results
    ]


def apply_outcomes(
    config: Mapping[str, Any],
    types: Mapping[str, tuple[str, OutcomeType]],
    rows: list[dict],
    context_for: Callable[[str], OutcomeContext],
) -> list[dict]:
    """Apply each outcome the scheme names, in the scheme's order; ``types`` maps an
    outcome name to (plugin, type), ``context_for(plugin)`` gives its context."""
    for name, params in config.items():
        found = types.get(name)
        if found is None:
            raise NotFound(
                f"结果类型 {name!r} 未安装 (outcome type {name!r} is not installed)",
                [FieldError("plugins", "请安装提供它的插件 (install the plugin that provides it)")],
            )
        plugin, outcome = found
        try:
            outcome.apply(rows, outcome.params_schema().load(params), context_for(plugin))
        except ArithmeticError as exc:  # e.g. a pay standard of 1e30 overflowing Decimal
            raise Conflict(
                f"按 {plugin} 的设置无法计算结果 {name} "
                f"(outcome {name} cannot be worked out with {plugin}'s settings)",
                [FieldError("settings", f"{plugin} 的设置使结果无法计算 (the settings of "
                                         f"{plugin} give numbers out of range: {exc!r})")],
            ) from exc  # fmt: skip
    return rows
