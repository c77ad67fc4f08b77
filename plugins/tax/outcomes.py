"""The tax plugin's outcome type: the year's rectification record (整改通报记录, D-11).

Monthly notices are issued during the year (``jixiao tax notices``); the annual results
application shows, for every unit, how many it received, how many led to an interview
(约谈, the second month running) and how many are still open, beside its grade and pay.
Named in a scheme's ``outcomes`` as ``rectification_record: {}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from marshmallow import Schema

from core.plugin_api import OutcomeContext

COLUMNS = ("notices", "interviews", "open_notices")


class RecordParams(Schema):
    """No parameters: the notices are the bureau's own records."""


def rectification_record(
    notices: Callable[[], Sequence[Mapping[str, Any]]],
) -> Callable[[list[dict], Mapping[str, Any], OutcomeContext], None]:
    """The outcome function, reading the bureau's notices when it runs (``notices``:
    the plugin's ``notices`` records)."""

    def apply(rows: list[dict], params: Mapping[str, Any], ctx: OutcomeContext) -> None:
        by_unit: dict[str, list[Mapping[str, Any]]] = {}
        for notice in notices():
            if notice["cycle"] != ctx.cycle:
                continue
            by_unit.setdefault(notice["unit"], []).append(notice)
        for row in rows:
            mine = by_unit.get(row["subject"], [])
            row["notices"] = len(mine)
            row["interviews"] = sum(1 for n in mine if n["interview"])
            row["open_notices"] = sum(1 for n in mine if n["status"] == "open")

    return apply
