"""What value checks see about a value being recorded (D-22, D-23).

Built once per batch: published schemes give each indicator its target, direction and
``warn_after`` for the unit's group; history and cross-source lookups are computed only
when a check asks, and include earlier rows of the same batch.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain.assessment.compiled import published_schemes, scheme_for_group
from core.domain.models import Bureau, Cycle, Indicator, IndicatorValue, Period, Unit
from core.kernel.numbers import parse_decimal
from core.plugin_api.hookspecs import ValueContext


class EntryContexts:
    def __init__(self, session: Session, bureau: Bureau) -> None:
        self.session = session
        self.bureau = bureau
        self._targets: dict[tuple[int, str | None], dict[str, dict]] = {}
        self._pending: dict[tuple[str, str], dict[str, tuple[Period, Decimal]]] = {}

    def build(self, data: dict, unit: Unit, indicator: Indicator, period: Period) -> ValueContext:
        value = parse_decimal(data["value"])
        self._pending.setdefault((unit.code, indicator.code), {})[period.code] = (period, value)
        meta = self._leaf_meta(period.cycle_id, unit.group_code).get(indicator.code, {})
        extra = {"measure": indicator.measure, "period_kind": period.kind, "name": indicator.name}
        extra.update({k: meta[k] for k in ("target", "direction", "warn_after") if k in meta})
        return ValueContext(
            self.bureau.code,
            unit.code,
            indicator.code,
            data["cycle"],
            period.code,
            value,
            extra,
            history=self._history(unit, indicator, period),
            lookup=self._lookup(unit),
        )

    def _leaf_meta(self, cycle_id: int, group: str | None) -> dict[str, dict]:
        """Indicator → leaf metadata of the published scheme that scores the group."""
        key = (cycle_id, group)
        if key not in self._targets:
            scheme = scheme_for_group(published_schemes(self.session, cycle_id), group)
            nodes = json.loads(scheme.definition)["nodes"] if scheme else []
            self._targets[key] = {n["indicator"]: n["meta"] for n in nodes if "indicator" in n}
        return self._targets[key]

    def _history(
        self, unit: Unit, indicator: Indicator, period: Period
    ) -> Callable[[], list[tuple[str, Decimal]]]:
        cache: list[list[tuple[str, Decimal]]] = []
        pending = self._pending[(unit.code, indicator.code)]

        def history() -> list[tuple[str, Decimal]]:
            if not cache:
                rows = self.session.execute(
                    select(Period.code, Period.start, IndicatorValue.value)
                    .join(IndicatorValue, IndicatorValue.period_id == Period.id)
                    .join(Cycle, Period.cycle_id == Cycle.id)
                    .where(
                        Cycle.bureau_id == self.bureau.id,
                        IndicatorValue.unit_id == unit.id,
                        IndicatorValue.indicator_id == indicator.id,
                        Period.kind == period.kind,
                        Period.start < period.start,
                    )
                )
                found = {code: (start, _number(v)) for code, start, v in rows}
                for code, (p, v) in pending.items():
                    if p.kind == period.kind and p.start < period.start:
                        found[code] = (p.start, v)
                ordered = sorted(found.items(), key=lambda item: item[1][0])
                cache.append([(code, v) for code, (_, v) in ordered if v is not None])
            return cache[0]

        return history

    def _lookup(self, unit: Unit) -> Callable[[str, str], Decimal | None]:
        def lookup(indicator_code: str, period_code: str) -> Decimal | None:
            batch = self._pending.get((unit.code, indicator_code), {})
            if period_code in batch:
                return batch[period_code][1]
            text = self.session.scalar(
                select(IndicatorValue.value)
                .join(Indicator, IndicatorValue.indicator_id == Indicator.id)
                .join(Period, IndicatorValue.period_id == Period.id)
                .join(Cycle, Period.cycle_id == Cycle.id)
                .where(
                    Cycle.bureau_id == self.bureau.id,
                    IndicatorValue.unit_id == unit.id,
                    Indicator.code == indicator_code,
                    Period.code == period_code,
                )
            )
            return None if text is None else _number(text)

        return lookup


def _number(text: str) -> Decimal | None:
    try:
        return parse_decimal(text)
    except ValueError:  # a qualitative label
        return None
