"""Ranking within a group and grades by thresholds and quotas (steps 5–6 of
:mod:`core.domain.assessment.results`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from core.plugin_api import UnitResult


def rank(results: list[UnitResult]) -> None:
    """Standard competition ranking by total, highest first (1, 2, 2, 4)."""
    ordered = sorted(results, key=lambda r: (-r.total, r.unit))
    for i, result in enumerate(ordered):
        tied = i > 0 and result.total == ordered[i - 1].total
        result.rank = ordered[i - 1].rank if tied else i + 1


def assign_grades(results: list[UnitResult], grades: Sequence[Mapping[str, Any]]) -> None:
    """Thresholds and quotas, best grade first; ties never split across a quota."""
    if not grades:
        return
    size = len(results)
    waiting = sorted(
        (r for r in results if "veto" not in r.flags), key=lambda r: (-r.total, r.unit)
    )
    for r in results:
        if "veto" in r.flags:
            r.grade = grades[-1]["code"]
    for grade in grades:
        room = math.floor(Decimal(grade["quota"]) * size) if "quota" in grade else size
        low = Decimal(grade["min"]) if "min" in grade else None
        given = 0
        while waiting:
            total = waiting[0].total
            tied = [r for r in waiting if r.total == total]
            if (low is not None and total < low) or given + len(tied) > room:
                break
            for r in tied:
                r.grade = grade["code"]
            given += len(tied)
            waiting = waiting[len(tied) :]
