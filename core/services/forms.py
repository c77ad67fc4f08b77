"""Entry forms: what a subject must report for a period, as every entry channel shows it
(the .xlsx template, the xlwings add-in, the console's form) and as the collection
round's status counts it.

The rows come from the published scheme that assesses the subject's group: each leaf
scored from a recorded value whose frequency matches the period's kind. Reviewers'
items and ratings are not entered by units, so they are not on the form. A collection
round that names its own indicators narrows (or extends) the form to those, and may
require evidence for more of them. Each row says the indicator's names and measure, the
target and direction, whether evidence is required, last period's value, and the
current value and its seq (so a resubmission becomes a correction naming it).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any

from sqlalchemy import select

from core.domain.assessment.compiled import published_schemes, scheme_for_group
from core.domain.collection import rounds
from core.domain.cycles import get_cycle, get_period
from core.domain.inputs.targets import subject_of
from core.domain.models import Cycle, Indicator, IndicatorValue, Period, Scheme, Subject, Unit
from core.kernel import clock
from core.kernel.errors import FieldError, NotFound
from core.services.context import Context, Work

RULE_HOOK = "jixiao_rule_types"


@dataclass(frozen=True)
class FormRow:
    indicator: str
    name: str
    name_en: str
    measure: str
    target: str | None
    direction: str
    evidence: bool
    leaf: str
    points: str
    last_value: str | None = None
    value: str | None = None
    seq: int | None = None
    review: str | None = None


@dataclass(frozen=True)
class EntryForm:
    bureau: str
    cycle: str
    period: str
    period_kind: str
    subject_kind: str
    subject: str
    subject_name: str
    unit: str | None
    group: str | None
    scheme: str | None
    scheme_version: int | None
    rows: list[FormRow] = field(default_factory=list)
    deadline: str | None = None
    """The collection round's deadline for this subject's unit (its extension's)."""
    closed: bool = False
    """Collection is closed to this subject's unit (period closed, no live extension):
    the form is shown for reading, and a submission would be refused."""

    def as_dict(self) -> dict[str, Any]:
        # shallow copies: the rows hold only plain values (asdict's deep copy cost
        # 0.4 s on a 2,000-row form)
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["rows"] = [dict(vars(row)) for row in self.rows]
        return out


@dataclass(frozen=True)
class Line:
    """One line of a form before the subject's figures are looked up."""

    indicator: str
    node: dict
    evidence: bool


class FormPlan:
    """What one period's forms ask, worked out once per (group, subject kind): a status
    view of a thousand units asks the same question of each group many times."""

    def __init__(self, work: Work, cycle: Cycle, period: Period) -> None:
        self.work, self.cycle, self.period = work, cycle, period
        self.schemes = published_schemes(work.session, cycle.id)
        self.round = rounds.load_round(work, cycle, period)
        self._lines: dict[tuple[str | None, str, bool], list[Line]] = {}

    @cached_property
    def indicators(self) -> dict[str, Indicator]:
        return {
            i.code: i
            for i in self.work.session.scalars(
                select(Indicator).where(Indicator.bureau_id == self.work.bureau.id)
            )
        }

    @cached_property
    def closed(self) -> bool:
        """Whether the period is closed for collection."""
        return rounds.closed_seq(self.work, self.period) is not None

    @cached_property
    def extensions(self) -> dict[str, tuple[dt.datetime, str]]:
        """unit code → (deadline, reason) of the period's extensions."""
        return rounds.extensions(self.work, self.period)

    def closed_to(self, unit: Unit | None) -> bool:
        """Whether ``unit``'s figures can no longer be recorded: the period is closed
        and the unit has no extension still running (what the entry gate refuses)."""
        if not self.closed:
            return False
        extension = self.extensions.get(unit.code) if unit is not None else None
        return extension is None or clock.now() > extension[0]

    @cached_property
    def previous(self) -> Period | None:
        """The period of the same kind just before this one (an earlier cycle's too)."""
        return self.work.session.scalar(
            select(Period)
            .join(Cycle, Period.cycle_id == Cycle.id)
            .where(
                Cycle.bureau_id == self.work.bureau.id,
                Period.kind == self.period.kind,
                Period.end < self.period.start,
            )
            .order_by(Period.end.desc())
            .limit(1)
        )

    def scheme(self, group: str | None, kind: str) -> Scheme | None:
        return scheme_for_group(self.schemes, group, kind)

    def lines(self, group: str | None, kind: str, in_round: bool) -> list[Line]:
        key = (group, kind, in_round)
        found = self._lines.get(key)
        if found is None:
            found = self._lines[key] = self._plan(self.scheme(group, kind), in_round)
        return found

    def expected(self, unit: Unit) -> list[str]:
        """The indicators a unit is asked for in this period."""
        in_round = self.round is not None and unit.code in self.round.units
        return [line.indicator for line in self.lines(unit.group_code, "unit", in_round)]

    def _plan(self, scheme: Scheme | None, in_round: bool) -> list[Line]:
        lines: list[Line] = []
        seen: set[str] = set()
        if scheme is not None:
            rules = self.work.contributions(RULE_HOOK)
            for node in json.loads(scheme.definition)["nodes"]:
                meta = node.get("meta")
                if (
                    not meta
                    or meta.get("frequency") != self.period.kind
                    or meta.get("source") == "items"
                ):
                    continue
                rule = rules.get(node["rule"]["type"])
                if rule is None or rule.inputs == "ratings":
                    continue
                for code in [node["indicator"], *node.get("inputs", {}).values()]:
                    if code not in seen:
                        seen.add(code)
                        own = node if code == node["indicator"] else {}
                        evidence = bool(own.get("meta", {}).get("evidence", False))
                        lines.append(Line(code, own, evidence))
        if not in_round:
            return lines
        asked = self.round.indicators
        if asked is not None:
            known = {line.indicator: line for line in lines}
            lines = [known.get(code) or Line(code, {}, False) for code in asked]
        return [
            Line(
                line.indicator,
                line.node,
                line.evidence or self.round.needs_evidence(line.indicator),
            )
            for line in lines
        ]


def build(
    work: Work, cycle_code: str, period_code: str, row: dict[str, Any], plan: FormPlan | None = None
) -> EntryForm:
    """The form of one subject (``row``: ``unit`` or ``person``) for one period."""
    cycle = get_cycle(work.session, work.bureau, cycle_code)
    period = get_period(work.session, cycle, period_code)
    subject = subject_of(work.session, work.bureau, row)
    work.require_for("values.read", subject)
    plan = plan or FormPlan(work, cycle, period)
    person = subject.person if subject.kind == "person" else None
    name = person.name if person else subject.unit.name
    group = person.group_code if person else subject.unit.group_code
    unit = subject.unit
    in_round = plan.round is not None and unit is not None and unit.code in plan.round.units
    scheme = plan.scheme(group, subject.kind)
    previous = plan.previous
    indicators = plan.indicators
    recorded = _recorded(work, subject, [p for p in (period, previous) if p is not None])
    rows = [
        _row(indicators[line.indicator], line, period, previous, recorded)
        for line in plan.lines(group, subject.kind, in_round)
    ]
    return EntryForm(
        bureau=work.bureau.code,
        cycle=cycle.code,
        period=period.code,
        period_kind=period.kind,
        subject_kind=subject.kind,
        subject=subject.code,
        subject_name=name,
        unit=unit.code if unit else None,
        group=group,
        scheme=scheme.code if scheme else None,
        scheme_version=scheme.version if scheme else None,
        rows=rows,
        deadline=_deadline(plan, unit) if in_round else None,
        closed=plan.closed_to(unit),
    )


def _deadline(plan: FormPlan, unit: Unit) -> str:
    extension = plan.extensions.get(unit.code)
    return clock.stamp(extension[0] if extension else plan.round.deadline)


def _recorded(
    work: Work, subject: Subject, periods: list[Period]
) -> dict[tuple[int, int], IndicatorValue]:
    """The subject's values in ``periods`` by (indicator, period), in one query."""
    rows = work.session.scalars(
        select(IndicatorValue).where(
            IndicatorValue.subject_id == subject.id,
            IndicatorValue.period_id.in_([p.id for p in periods]),
        )
    )
    return {(v.indicator_id, v.period_id): v for v in rows}


def _row(
    indicator: Indicator,
    line: Line,
    period: Period,
    previous: Period | None,
    recorded: dict[tuple[int, int], IndicatorValue],
) -> FormRow:
    node = line.node
    meta = node.get("meta", {})
    current = recorded.get((indicator.id, period.id))
    last = recorded.get((indicator.id, previous.id)) if previous else None
    target = meta.get("target")
    return FormRow(
        indicator=indicator.code,
        name=indicator.name,
        name_en=indicator.name_en,
        measure=indicator.measure,
        target=None if target is None else str(target),
        direction=meta.get("direction", "higher"),
        evidence=line.evidence,
        leaf=node.get("code", ""),
        points=str(node.get("points", "")),
        last_value=last.value if last else None,
        value=current.value if current else None,
        seq=current.seq if current else None,
        review=current.review if current else None,
    )


def entry_form(
    ctx: Context, bureau: str, cycle: str, period: str, subject: dict[str, Any]
) -> EntryForm:
    with ctx.reading(bureau, "values.read") as work:
        return build(work, cycle, period, subject)


def forms_for_units(
    ctx: Context, bureau: str, cycle: str, period: str, units: list[str] | None = None
) -> list[EntryForm]:
    """Forms of many units at once (an office entering on behalf of its units): the
    units given, or every unit the caller may enter for."""
    with ctx.reading(bureau, "values.read") as work:
        scope = work.unit_scope()
        # a unit named twice gets one form (two would be two sheets recording twice)
        named = list(dict.fromkeys(u for u in units or [] if isinstance(u, str)))
        codes = named or [
            u.code
            for u in work.session.scalars(
                select(Unit).where(Unit.bureau_id == work.bureau.id).order_by(Unit.code)
            )
            if scope is None or u.id in scope
        ]
        if not codes:
            raise NotFound(
                "没有可生成表格的单位 (no units to make forms for)",
                [FieldError("unit", "权限范围内没有单位 (none in scope)")],
            )
        found_cycle = get_cycle(work.session, work.bureau, cycle)
        plan = FormPlan(work, found_cycle, get_period(work.session, found_cycle, period))
        return [build(work, cycle, period, {"unit": code}, plan) for code in codes]
