"""Entry forms: what a subject must report for a period, as every entry channel shows it
(the .xlsx template, the xlwings add-in, the console's form).

The rows come from the published scheme that assesses the subject's group: each leaf
scored from a recorded value whose frequency matches the period's kind. Reviewers'
items and ratings are not entered by units, so they are not on the form. Each row says
the indicator's names and measure, the target and direction, whether evidence is
required, last period's value, and the current value and its seq (so a resubmission
becomes a correction naming it).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select

from core.domain.assessment.compiled import published_schemes, scheme_for_group
from core.domain.cycles import get_cycle, get_period
from core.domain.inputs.targets import subject_of
from core.domain.models import Cycle, Indicator, IndicatorValue, Period, Scheme, Subject
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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _scheme(work: Work, cycle: Cycle, subject: Subject) -> Scheme | None:
    group = subject.person.group_code if subject.kind == "person" else subject.unit.group_code
    return scheme_for_group(published_schemes(work.session, cycle.id), group, subject.kind)


def _previous_period(work: Work, period: Period) -> Period | None:
    """The period of the same kind just before this one (an earlier cycle's included)."""
    cycle = work.session.get(Cycle, period.cycle_id)
    return work.session.scalar(
        select(Period)
        .join(Cycle, Period.cycle_id == Cycle.id)
        .where(
            Cycle.bureau_id == cycle.bureau_id,
            Period.kind == period.kind,
            Period.end < period.start,
        )
        .order_by(Period.end.desc())
        .limit(1)
    )


def build(work: Work, cycle_code: str, period_code: str, row: dict[str, Any]) -> EntryForm:
    """The form of one subject (``row``: ``unit`` or ``person``) for one period."""
    cycle = get_cycle(work.session, work.bureau, cycle_code)
    period = get_period(work.session, cycle, period_code)
    subject = subject_of(work.session, work.bureau, row)
    work.require("values.read", subject.unit_id)
    scheme = _scheme(work, cycle, subject)
    name = subject.person.name if subject.kind == "person" else subject.unit.name
    group = subject.person.group_code if subject.kind == "person" else subject.unit.group_code
    rows: list[FormRow] = []
    if scheme is not None:
        rules = work.contributions(RULE_HOOK)
        previous = _previous_period(work, period)
        indicators = {
            i.code: i
            for i in work.session.scalars(
                select(Indicator).where(Indicator.bureau_id == work.bureau.id)
            )
        }
        for node in json.loads(scheme.definition)["nodes"]:
            meta = node.get("meta")
            if not meta or meta.get("frequency") != period.kind or meta.get("source") == "items":
                continue
            rule = rules.get(node["rule"]["type"])
            if rule is None or rule.inputs == "ratings":
                continue
            for code in [node["indicator"], *node.get("inputs", {}).values()]:
                if any(r.indicator == code for r in rows):
                    continue
                rows.append(_row(work, subject, indicators[code], node, period, previous))
    return EntryForm(
        bureau=work.bureau.code,
        cycle=cycle.code,
        period=period.code,
        period_kind=period.kind,
        subject_kind=subject.kind,
        subject=subject.code,
        subject_name=name,
        unit=subject.unit.code if subject.unit else None,
        group=group,
        scheme=scheme.code if scheme else None,
        scheme_version=scheme.version if scheme else None,
        rows=rows,
    )


def _row(
    work: Work,
    subject: Subject,
    indicator: Indicator,
    node: dict,
    period: Period,
    previous: Period | None,
) -> FormRow:
    meta = node["meta"] if node["indicator"] == indicator.code else {}
    current = work.session.get(IndicatorValue, (subject.id, indicator.id, period.id))
    last = (
        work.session.get(IndicatorValue, (subject.id, indicator.id, previous.id))
        if previous
        else None
    )
    target = meta.get("target")
    return FormRow(
        indicator=indicator.code,
        name=indicator.name,
        name_en=indicator.name_en,
        measure=indicator.measure,
        target=None if target is None else str(target),
        direction=meta.get("direction", "higher"),
        evidence=bool(meta.get("evidence", False)),
        leaf=node["code"],
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
    from core.domain.models import Unit

    with ctx.reading(bureau, "values.read") as work:
        scope = work.unit_scope()
        codes = units or [
            u.code
            for u in work.session.scalars(
                select(Unit).where(Unit.bureau_id == work.bureau.id).order_by(Unit.code)
            )
            if scope is None or u.id in scope
        ]
        if not codes:
            raise NotFound("no units to make forms for", [FieldError("unit", "none in scope")])
        return [build(work, cycle, period, {"unit": code}) for code in codes]
