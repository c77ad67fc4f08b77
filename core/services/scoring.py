"""Expert scoring (专家评分, D-14): what an expert was drawn to rate, and their own ratings.

An expert sees only the panels they were drawn onto, the subjects whose published
scheme reads that indicator (in a node or a post-processor's parameters), and **only
their own ratings** while the panel is open (blind scoring); once the office closes the
panel (``panel.closed``) the ratings are final and every member sees all of them
(:func:`panel_ratings`). Ratings are submitted through :func:`assessment.submit_ratings`,
which checks the draw, and the close, again.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from core.domain.assessment.compiled import published_schemes, scheme_for_group
from core.domain.models import Cycle, ExpertPanel, Indicator, Rating, Subject, Unit
from core.services.context import Context

EXPERT = "expert"


def _reads(definition: dict, indicator: str) -> str | None:
    """Whether a scheme reads ``indicator``, and the frequency it is rated at."""
    for node in definition.get("nodes", []):
        if node.get("indicator") == indicator:
            return (node.get("meta") or {}).get("frequency") or "year"
    for post in definition.get("post", []):
        if indicator in json.dumps(post.get("params", {})):
            return "year"
    return None


def tasks(ctx: Context, bureau: str) -> list[dict[str, Any]]:
    """Per panel the caller sits on: the indicator, the periods and the subjects to rate,
    each with the caller's own current rating (seq and score) if any."""
    me = ctx.principal.username
    with ctx.reading(bureau, "ratings.submit") as work:
        session = work.session
        panels = session.execute(
            select(ExpertPanel, Cycle, Indicator)
            .join(Cycle, ExpertPanel.cycle_id == Cycle.id)
            .join(Indicator, ExpertPanel.indicator_id == Indicator.id)
            .where(Cycle.bureau_id == work.bureau.id)
            .order_by(Cycle.start, Indicator.code)
        ).all()
        units = session.scalars(
            select(Unit).where(Unit.bureau_id == work.bureau.id).order_by(Unit.code)
        ).all()
        subjects = {
            s.unit_id: s
            for s in session.scalars(
                select(Subject).where(Subject.bureau_id == work.bureau.id, Subject.kind == "unit")
            )
        }
        out = []
        for panel, cycle, indicator in panels:
            if me not in panel.members.split(","):
                continue
            schemes = published_schemes(session, cycle.id)
            periods = {p.kind: [] for p in cycle.periods}
            for p in sorted(cycle.periods, key=lambda p: p.start):
                periods[p.kind].append(p)
            mine = {
                (r.subject_id, r.period_id): r
                for r in session.scalars(
                    select(Rating).where(Rating.indicator_id == indicator.id, Rating.rater == me)
                )
            }
            rows = []
            for unit in units:
                scheme = scheme_for_group(schemes, unit.group_code, "unit")
                kind = _reads(json.loads(scheme.definition), indicator.code) if scheme else None
                subject = subjects.get(unit.id)
                if kind is None or subject is None:
                    continue
                for period in periods.get(kind, []):
                    rating = mine.get((subject.id, period.id))
                    rows.append(
                        {
                            "unit": unit.code,
                            "name": unit.name,
                            "period": period.code,
                            "score": rating.score if rating else None,
                            "seq": rating.seq if rating else None,
                        }
                    )
            out.append(
                {
                    "cycle": cycle.code,
                    "indicator": indicator.code,
                    "indicator_name": indicator.name,
                    "panel_seq": panel.seq,
                    "closed": panel.closed_seq is not None,
                    "members": len(panel.members.split(",")),
                    "rows": rows,
                }
            )
        return out


def panel_ratings(ctx: Context, bureau: str, cycle: str, indicator: str) -> dict[str, Any]:
    """Every expert rating of a panel: for its members once it is closed, and for those
    who read results (the office, reviewers, auditors) at any time."""
    from core.domain.inputs.ratings import find_panel
    from core.kernel.errors import FieldError, Forbidden

    with ctx.reading(bureau, "bureau.read") as work:
        panel = find_panel(work, cycle, indicator)
        me = work.principal.username
        member = me in panel.members.split(",")
        office = work.can("results.read") and work.unit_scope() is None
        if not office and not member:
            raise Forbidden(
                "只有专家组成员和考核办可查看其评分 "
                "(only the panel's members and the office see its ratings)",
                [FieldError("indicator", "仅专家组成员和考核办可查看 (members and office only)")],
            )
        if not office and panel.closed_seq is None:
            raise Forbidden(
                "专家评分结束前互不可见 (the panel's ratings are blind until it closes)",
                [FieldError("indicator", "评分未结束 (each expert sees only their own for now)")],
            )
        rows = work.session.execute(
            select(Subject.code, Rating.rater, Rating.score, Rating.seq, Rating.period_id)
            .join(Subject, Rating.subject_id == Subject.id)
            .where(
                Rating.indicator_id == panel.indicator_id,
                Rating.role == EXPERT,
                Subject.bureau_id == work.bureau.id,
            )
            .order_by(Subject.code, Rating.rater)
        ).all()
        periods = {p.id: p.code for p in work.session.get(Cycle, panel.cycle_id).periods}
        return {
            "cycle": cycle,
            "indicator": indicator,
            "closed_seq": panel.closed_seq,
            "ratings": [
                {"subject": s, "rater": r, "score": sc, "seq": q, "period": periods.get(p)}
                for s, r, sc, q, p in rows
                if p in periods
            ],
        }
