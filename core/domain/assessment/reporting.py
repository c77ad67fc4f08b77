"""Results of a cycle and their application, for the CLI and the API."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain.assessment.outcomes import apply_outcomes
from core.domain.assessment.results import CycleResults, ResultsEngine
from core.domain.cycles import get_cycle, get_period
from core.domain.models import Bureau, Cycle, Period
from core.kernel.errors import FieldError, NotFound
from core.services.platform import Platform


def engine(
    session: Session, platform: Platform, bureau: Bureau, cycle: Cycle, within: Period | None = None
) -> ResultsEngine:
    installed = platform.installed_plugins(session, bureau.id)
    return ResultsEngine(
        session,
        bureau,
        cycle,
        platform.plugins.rule_types(installed),
        platform.plugins.post_processors(installed),
        within,
    )


def compute(
    session: Session,
    platform: Platform,
    bureau: Bureau,
    cycle_code: str,
    period_code: str | None = None,
) -> CycleResults:
    """The cycle's results; with ``period_code``, the standing within that period only
    (leaves scored in periods inside it, e.g. the quarterly ranking of D-11)."""
    cycle = get_cycle(session, bureau, cycle_code)
    within = get_period(session, cycle, period_code) if period_code else None
    found = engine(session, platform, bureau, cycle, within)
    if not found.schemes:
        raise NotFound(
            f"cycle {cycle.code} has no published scheme",
            [FieldError("cycle", "publish a scheme first (jixiao schemes publish)")],
        )
    return found.compute()


def unit_result(results: CycleResults, unit: str) -> dict:
    for row in results.rows(with_explanation=True):
        if row["unit"] == unit:
            return row
    raise NotFound(f"no result for unit {unit!r}", [FieldError("unit", "not assessed")])


def outcomes(session: Session, platform: Platform, bureau: Bureau, cycle_code: str) -> list[dict]:
    """Pay, promotion and training per unit (D-31), scheme by scheme, using the grades
    of earlier cycles (most recent first) for "excellent two years running"."""
    cycle = get_cycle(session, bureau, cycle_code)
    results = compute(session, platform, bureau, cycle_code)
    earlier = [
        {row["unit"]: row["grade"] for row in found.compute().rows(with_explanation=False)}
        for found in _earlier_engines(session, platform, bureau, cycle)
    ]
    rows = results.rows(with_explanation=False)
    report = []
    for scheme in results.schemes:
        members = [r for r in rows if r["scheme"] == scheme.code]
        if scheme.outcomes and members:
            points = {n["code"]: Decimal(n["points"]) for n in scheme.nodes if n["parent"] is None}
            report.extend(apply_outcomes(scheme.outcomes, members, earlier, points))
    return report


def _earlier_engines(session: Session, platform: Platform, bureau: Bureau, cycle: Cycle):
    cycles = session.scalars(
        select(Cycle)
        .where(Cycle.bureau_id == bureau.id, Cycle.end < cycle.start)
        .order_by(Cycle.start.desc())
    )
    for earlier in cycles:
        found = engine(session, platform, bureau, earlier)
        if found.schemes:
            yield found
