"""Results (成绩): stored rows, read without computing; outcomes built from them.

The rows are a projection, brought up to date before they are read (see
:mod:`core.domain.assessment.standings` and ``Context.current``); each carries
``as_of``, the ledger size it reflects. Unit-scoped callers (reporters) see their own
units and their staff; a user linked to a member of staff sees that person's own result
too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.domain.assessment import outcomes as outcome_rules
from core.domain.assessment import standings
from core.domain.assessment.compiled import published_schemes
from core.domain.cycles import get_cycle, get_period
from core.domain.inputs.targets import KIND_ZH
from core.domain.models import Cycle, ResultRow, Subject
from core.kernel.errors import FieldError, NotFound, ServiceError
from core.plugin_api import OutcomeContext
from core.services.context import Context, Work


def catch_up_all(ctx: Context, refused: Callable[[str, ServiceError], None] | None = None) -> int:
    """Bring every bureau's stored results up to date (the server's refresher), so
    readers seldom have to wait for a refresh; returns how many subjects were rescored.
    A bureau whose results cannot be computed (a published scheme's plugin gone) is
    told to ``refused`` and skipped: it no longer stops the round for the bureaus after
    it. Its readers get the same refusal when they ask."""
    from core.domain.models import Bureau

    with ctx.platform_reading() as work:
        waiting = standings.pending_bureaus(work.session)
        codes = list(work.session.scalars(select(Bureau.code).where(Bureau.id.in_(waiting))))
    rescored = 0
    for code in codes:
        try:
            rescored += ctx.catch_up(code)
        except ServiceError as exc:
            if refused is not None:
                refused(code, exc)
    return rescored


def visible_subjects(work: Work) -> list[int] | None:
    """Subject ids the caller may see results of (None: all of the bureau's)."""
    scope = work.unit_scope()
    if scope is None:
        return None
    ids = set(
        work.session.scalars(
            select(Subject.id).where(
                Subject.bureau_id == work.bureau.id, Subject.unit_id.in_(scope)
            )
        )
    )
    person = work.principal.person_id
    if person is not None:
        ids |= set(work.session.scalars(select(Subject.id).where(Subject.person_id == person)))
    return sorted(ids)


def _window(work: Work, cycle: Cycle, period: str | None) -> str:
    if period in (None, ""):
        return standings.CYCLE
    return get_period(work.session, cycle, period).code


def stored_as_of(work: Work, cycle: Cycle, window: str) -> int:
    state = standings.stored_state(work.session, cycle, window)
    if state is None:
        raise NotFound(
            f"周期 {cycle.code} 尚无考核结果 (cycle {cycle.code} has no results yet)",
            [FieldError("cycle", "请先发布方案 (publish a scheme first (jixiao schemes publish))")],
        )
    return state.as_of


def results(
    ctx: Context, bureau: str, cycle: str, period: str | None = None, explain: bool = False
) -> list[dict[str, Any]]:
    """Per subject: total, rank in group, grade, flags, top-level dimension scores (and
    the explanation tree); with ``period``, the standing within that period."""
    with ctx.current(bureau, "results.read") as work:
        found = get_cycle(work.session, work.bureau, cycle)
        window = _window(work, found, period)
        as_of = stored_as_of(work, found, window)
        rows = standings.result_rows(
            work.session, work.bureau, found, window, visible_subjects(work), explain
        )
        for row in rows:
            row["as_of"] = as_of
        return rows


def subject_result(
    ctx: Context,
    bureau: str,
    cycle: str,
    code: str,
    kind: str = "unit",
    period: str | None = None,
) -> dict[str, Any]:
    """One subject's result with its explanation tree, down to ledger seqs."""
    with ctx.current(bureau, "results.read") as work:
        found = get_cycle(work.session, work.bureau, cycle)
        window = _window(work, found, period)
        as_of = stored_as_of(work, found, window)
        subject = None
        if kind in ("unit", "person") and isinstance(code, str) and len(code) <= 64:
            subject = work.session.scalar(
                select(Subject).where(
                    Subject.bureau_id == work.bureau.id, Subject.kind == kind, Subject.code == code
                )
            )
        visible = visible_subjects(work)
        if subject is None or (visible is not None and subject.id not in visible):
            raise NotFound(
                f"{KIND_ZH.get(kind, kind)} {code!r} 没有考核结果 (no result for {kind} {code!r})",
                [FieldError(kind, "未考核 (not assessed)")],
            )
        rows = standings.result_rows(work.session, work.bureau, found, window, [subject.id], True)
        if not rows:
            raise NotFound(
                f"{KIND_ZH.get(kind, kind)} {code!r} 没有考核结果 (no result for {kind} {code!r})",
                [FieldError(kind, "未考核 (not assessed)")],
            )
        return {**rows[0], "as_of": as_of}


def outcomes(ctx: Context, bureau: str, cycle: str) -> list[dict[str, Any]]:
    """Results application (D-31, D-32), scheme by scheme, with the outcome types the
    schemes name; "two years running" reads the stored grades of earlier cycles.

    Outcomes are worked out over every subject of the scheme and only then cut down to
    what the caller may see: a pay pool is shared out, and "bottom of the group" decided,
    among all the group's units, not among a reporter's own (who would otherwise be
    shown the whole pool as its bonus)."""
    with ctx.current(bureau, "results.read") as work:
        found = get_cycle(work.session, work.bureau, cycle)
        stored_as_of(work, found, standings.CYCLE)
        rows = standings.result_rows(work.session, work.bureau, found, standings.CYCLE, None)
        visible = visible_subjects(work)
        earlier = _earlier_grades(work, found)
        types = {item.name: (plugin, item) for plugin, item in work.collect("jixiao_outcome_types")}
        report = []
        for scheme in published_schemes(work.session, found.id):
            definition = json.loads(scheme.definition)
            members = [r for r in rows if r["scheme"] == scheme.code]
            if not members or not definition.get("outcomes"):
                continue
            points = {
                n["code"]: Decimal(n["points"]) for n in definition["nodes"] if n["parent"] is None
            }
            base = outcome_rules.outcome_rows(members, points)

            def context_for(plugin: str, points=points) -> OutcomeContext:
                return OutcomeContext(
                    earlier, points, work.context_for(plugin).settings, found.code
                )

            report.extend(
                outcome_rules.apply_outcomes(
                    definition.get("outcomes", {}), types, base, context_for
                )
            )
        if visible is None:
            return report
        codes = {
            (subject.kind, subject.code)
            for subject in work.session.scalars(select(Subject).where(Subject.id.in_(visible)))
        }
        return [row for row in report if (row["kind"], row["subject"]) in codes]


def _earlier_grades(work: Work, cycle: Cycle) -> list[dict[str, str | None]]:
    """Grades by subject code in the bureau's earlier cycles, most recent first."""
    earlier = work.session.scalars(
        select(Cycle)
        .where(Cycle.bureau_id == work.bureau.id, Cycle.end < cycle.start)
        .order_by(Cycle.start.desc())
    )
    out = []
    for past in earlier:
        grades = dict(
            work.session.execute(
                select(Subject.code, ResultRow.grade)
                .join(Subject, ResultRow.subject_id == Subject.id)
                .where(ResultRow.cycle_id == past.id, ResultRow.window == standings.CYCLE)
            ).all()
        )
        if grades:
            out.append(grades)
    return out
