"""Ratings, expert panels, reviewers' items, review decisions and warnings (考核过程).

Each input can be recorded, corrected (naming the seq it replaces) or withdrawn; every
change is a new ledger entry pointing at the old one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from core.domain.inputs import items, ratings
from core.domain.models import Indicator, Period, ScoreItem, Subject, ValueWarning
from core.services import views
from core.services.context import Context


def _seqs(events: Sequence[Any]) -> dict[str, Any]:
    return {"seqs": [e.seq for e in events], "entries": [views.event(e) for e in events]}


def submit_ratings(ctx: Context, bureau: str, rows: Sequence[dict]) -> dict[str, Any]:
    """Ratings (all rows or none). Experts rate only where they were drawn, as themselves."""
    with ctx.writing(bureau, "ratings.submit") as work:
        return _seqs(ratings.submit_ratings(work, rows))


def withdraw_rating(ctx: Context, bureau: str, row: dict) -> dict[str, Any]:
    with ctx.writing(bureau, "ratings.submit") as work:
        return views.event(ratings.withdraw_rating(work, row))


def draw_panel(
    ctx: Context,
    bureau: str,
    cycle: str,
    indicator: str,
    size: object,
    pool: list[str] | None = None,
    seed: str | None = None,
    reason: object = None,
) -> dict[str, Any]:
    """Draw an expert panel; the seed is recorded so anyone can redo the draw. A redraw
    gives a reason, before the panel's experts have rated."""
    with ctx.writing(bureau, "panels.draw") as work:
        entry, members = ratings.draw_panel(work, cycle, indicator, size, pool, seed, reason)
        return {"seq": entry.seq, "seed": entry.data["seed"], "members": members}


def close_panel(
    ctx: Context, bureau: str, cycle: object, indicator: object, reason: object = None
) -> dict[str, Any]:
    """Close an expert panel: its ratings are final, and its experts may see them all."""
    with ctx.writing(bureau, "panels.draw") as work:
        entry = ratings.close_panel(work, cycle, indicator, reason)
        return {"seq": entry.seq, **entry.data}


def record_items(ctx: Context, bureau: str, rows: Sequence[dict]) -> dict[str, Any]:
    """Bonus/deduction items, or corrections of them (``corrects``): all rows or none."""
    with ctx.writing(bureau, "items.record") as work:
        return _seqs(items.record_items(work, rows))


def withdraw_item(ctx: Context, bureau: str, seq: object, reason: object) -> dict[str, Any]:
    with ctx.writing(bureau, "items.record") as work:
        return views.event(items.withdraw_item(work, seq, reason))


def list_items(ctx: Context, bureau: str) -> list[dict[str, Any]]:
    """Live items (corrected ones show only their newest version)."""
    with ctx.reading(bureau, "values.read") as work:
        stmt = (
            select(ScoreItem, Subject, Indicator, Period)
            .join(Subject, ScoreItem.subject_id == Subject.id)
            .join(Indicator, ScoreItem.indicator_id == Indicator.id)
            .join(Period, ScoreItem.period_id == Period.id)
            .where(ScoreItem.bureau_id == work.bureau.id)
        )
        scope = work.unit_scope()
        if scope is not None:
            stmt = stmt.where(Subject.unit_id.in_(scope))
        return [
            {
                "seq": item.seq,
                subject.kind: subject.code,
                "indicator": indicator.code,
                "cycle": period.cycle.code,
                "period": period.code,
                "quantity": item.quantity,
                "reason": item.reason,
                "evidence": json.loads(item.evidence),
            }
            for item, subject, indicator, period in work.session.execute(
                stmt.order_by(ScoreItem.seq)
            )
        ]


def decide_review(
    ctx: Context,
    bureau: str,
    seq: object,
    decision: object,
    note: object = "",
    corrects: object = None,
) -> dict[str, Any]:
    """Approve or reject the current value with ledger seq ``seq`` (or, with
    ``corrects``, change an earlier decision)."""
    with ctx.writing(bureau, "reviews.decide") as work:
        return views.event(items.decide_review(work, seq, decision, note, corrects))


def withdraw_review(
    ctx: Context, bureau: str, seq: object, withdraws: object, reason: object
) -> dict[str, Any]:
    with ctx.writing(bureau, "reviews.decide") as work:
        return views.event(items.withdraw_review(work, seq, withdraws, reason))


def warnings(ctx: Context, bureau: str) -> list[dict[str, Any]]:
    """Warnings raised on entry (D-22, D-23), newest first, for the review queue."""
    with ctx.reading(bureau, "values.read") as work:
        stmt = (
            select(ValueWarning, Subject, Indicator, Period)
            .join(Subject, ValueWarning.subject_id == Subject.id)
            .join(Indicator, ValueWarning.indicator_id == Indicator.id)
            .join(Period, ValueWarning.period_id == Period.id)
            .where(ValueWarning.bureau_id == work.bureau.id)
        )
        scope = work.unit_scope()
        if scope is not None:
            stmt = stmt.where(Subject.unit_id.in_(scope))
        return [
            {
                "seq": w.seq,
                subject.kind: subject.code,
                "indicator": indicator.code,
                "cycle": period.cycle.code,
                "period": period.code,
                "value_seq": w.value_seq,
                "check": w.check,
                "message": w.message,
            }
            for w, subject, indicator, period in work.session.execute(
                stmt.order_by(ValueWarning.seq.desc())
            )
        ]
