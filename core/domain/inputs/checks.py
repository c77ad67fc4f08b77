"""What entry checks see about a value being recorded (D-22, D-23), and running them.

Built once per batch: the published schemes give each indicator its target, direction
and ``warn_after`` for the subject's group; history and cross-source lookups are
computed only when a check asks, and include earlier rows of the same batch.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain.assessment.compiled import SchemeHead, published_heads, scheme_for_group
from core.domain.inputs.prefetch import known_history
from core.domain.inputs.targets import Target
from core.domain.models import Cycle, Indicator, IndicatorValue, Period, Scheme, Subject
from core.domain.work import BureauWork
from core.kernel.numbers import parse_decimal
from core.plugin_api import ValueCheck, ValueContext

_LEAVES: dict[str, dict[str, dict]] = {}
"""Scheme digest → indicator → leaf metadata. A digest names a definition's content,
so what was parsed holds for every later unit of work: each value written had parsed
its scheme's whole definition again."""


def _leaves(session: Session, scheme: SchemeHead) -> dict[str, dict]:
    found = _LEAVES.get(scheme.digest)
    if found is None:
        if len(_LEAVES) >= 256:  # bounded: schemes are few, but a process lives long
            _LEAVES.clear()
        definition = session.scalar(select(Scheme.definition).where(Scheme.id == scheme.id))
        nodes = json.loads(definition)["nodes"]
        found = {n["indicator"]: n["meta"] for n in nodes if "indicator" in n}
        _LEAVES[scheme.digest] = found
    return found


class EntryChecks:
    """The bureau's value checks (from its plugins) and what they need to know."""

    def __init__(self, work: BureauWork) -> None:
        self.work = work
        self.session = work.session
        self.bureau = work.bureau
        self.checks: list[tuple[str, ValueCheck]] = work.collect("jixiao_value_checks")
        self._meta: dict[tuple[int, str | None, str], dict[str, dict]] = {}
        self._pending: dict[tuple[int, int], dict[str, tuple[Period, Decimal]]] = {}

    def run(self, target: Target, value: Decimal) -> list[tuple[str, str]]:
        """(check name, message) of every warning the checks raise for the value."""
        if not self.checks:
            return []
        warnings = []
        contexts: dict[str, ValueContext] = {}  # one per plugin (its settings), per value
        for plugin, check in self.checks:
            ctx = contexts.get(plugin)
            if ctx is None:
                settings = self.work.context_for(plugin).settings
                ctx = contexts[plugin] = self._context(target, value, settings)
            warnings.extend((check.name, message) for message in check.check(ctx))
        return warnings

    def _context(self, target: Target, value: Decimal, settings) -> ValueContext:
        subject, indicator, period = target.subject, target.indicator, target.period
        self._pending.setdefault((subject.id, indicator.id), {})[period.code] = (period, value)
        meta = self._leaf_meta(period.cycle_id, self._group(subject), subject.kind).get(
            indicator.code, {}
        )
        target_value = meta.get("target")
        return ValueContext(
            bureau=self.bureau.code,
            unit=subject.code,
            indicator=indicator.code,
            cycle=target.cycle.code,
            period=period.code,
            value=value,
            measure=indicator.measure,
            period_kind=period.kind,
            indicator_name=indicator.name,
            target=None if target_value is None else parse_decimal(target_value),
            direction=meta.get("direction", "higher"),
            warn_after=int(meta.get("warn_after") or 3),
            settings=settings,
            history=self._history(subject, indicator, period),
            lookup=self._lookup(subject),
        )

    def _group(self, subject: Subject) -> str | None:
        if subject.kind == "person":
            return subject.person.group_code if subject.person else None
        return subject.unit.group_code if subject.unit else None

    def _leaf_meta(self, cycle_id: int, group: str | None, kind: str) -> dict[str, dict]:
        """Indicator → leaf metadata of the published scheme that scores the group."""
        key = (cycle_id, group, kind)
        if key not in self._meta:
            scheme = scheme_for_group(published_heads(self.session, cycle_id), group, kind)
            self._meta[key] = _leaves(self.session, scheme) if scheme else {}
        return self._meta[key]

    def _history(
        self, subject: Subject, indicator: Indicator, period: Period
    ) -> Callable[[], list[tuple[str, Decimal]]]:
        cache: list[list[tuple[str, Decimal]]] = []
        pending = self._pending[(subject.id, indicator.id)]

        def history() -> list[tuple[str, Decimal]]:
            if not cache:
                found = {
                    p.code: (p.start, _number(v))
                    for p, v in self._earlier(subject, indicator)
                    if p.kind == period.kind and p.start < period.start
                }
                for code, (p, v) in pending.items():
                    if p.kind == period.kind and p.start < period.start:
                        found[code] = (p.start, v)
                ordered = sorted(found.items(), key=lambda item: item[1][0])
                cache.append([(code, v) for code, (_, v) in ordered if v is not None])
            return cache[0]

        return history

    def _earlier(self, subject: Subject, indicator: Indicator) -> list[tuple[Period, str]]:
        """(period, value) of the subject's values of the indicator: prefetched for the
        batch (:mod:`.prefetch`), else read now."""
        known = known_history(self.session).get((subject.id, indicator.id))
        if known is not None:
            return known
        return list(
            self.session.execute(
                select(Period, IndicatorValue.value)
                .join(IndicatorValue, IndicatorValue.period_id == Period.id)
                .where(
                    IndicatorValue.subject_id == subject.id,
                    IndicatorValue.indicator_id == indicator.id,
                )
            ).all()
        )

    def _lookup(self, subject: Subject) -> Callable[[str, str], Decimal | None]:
        def lookup(indicator_code: str, period_code: str) -> Decimal | None:
            batch = {}
            other = self.session.scalar(
                select(Indicator.id).where(
                    Indicator.bureau_id == self.bureau.id, Indicator.code == indicator_code
                )
            )
            if other is not None:
                batch = self._pending.get((subject.id, other), {})
            if period_code in batch:
                return batch[period_code][1]
            text = self.session.scalar(
                select(IndicatorValue.value)
                .join(Indicator, IndicatorValue.indicator_id == Indicator.id)
                .join(Period, IndicatorValue.period_id == Period.id)
                .join(Cycle, Period.cycle_id == Cycle.id)
                .where(
                    Cycle.bureau_id == self.bureau.id,
                    IndicatorValue.subject_id == subject.id,
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
