"""What a cycle's results are computed from: the projections of values, reviewers'
items and ratings, keyed by (subject, indicator, period) ids."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain.models import IndicatorValue, Rating, ScoreItem
from core.plugin_api import RatingInput


@dataclass
class CycleData:
    """Everything recorded for a cycle, keyed by ids: values, items and ratings."""

    values: dict[tuple[int, int, int], tuple[str, int, str]] = field(default_factory=dict)
    items: dict[tuple[int, int, int], list[tuple[Decimal, int]]] = field(default_factory=dict)
    ratings: dict[tuple[int, int, int], list[RatingInput]] = field(default_factory=dict)

    @classmethod
    def load(
        cls, session: Session, period_ids: Sequence[int], subjects: Iterable[int] | None = None
    ) -> CycleData:
        """Read the projections for the cycle's periods (only ``subjects`` if given)."""
        data = cls()
        only = list(subjects) if subjects is not None else None

        def scoped(stmt, model):
            stmt = stmt.where(model.period_id.in_(period_ids))
            return stmt if only is None else stmt.where(model.subject_id.in_(only))

        values = scoped(
            select(
                IndicatorValue.subject_id,
                IndicatorValue.indicator_id,
                IndicatorValue.period_id,
                IndicatorValue.value,
                IndicatorValue.seq,
                IndicatorValue.review,
            ),
            IndicatorValue,
        )
        for u, i, p, value, seq, review in session.execute(values):
            data.values[(u, i, p)] = (value, seq, review)
        items = scoped(
            select(
                ScoreItem.subject_id,
                ScoreItem.indicator_id,
                ScoreItem.period_id,
                ScoreItem.quantity,
                ScoreItem.seq,
            ),
            ScoreItem,
        )
        for u, i, p, quantity, seq in session.execute(items.order_by(ScoreItem.seq)):
            data.items.setdefault((u, i, p), []).append((Decimal(quantity), seq))
        data.ratings = cls.load_ratings(session, period_ids, only)
        return data

    @staticmethod
    def load_ratings(
        session: Session, period_ids: Sequence[int], subjects: Iterable[int] | None = None
    ) -> dict[tuple[int, int, int], list[RatingInput]]:
        """Ratings only (what post-processors such as the coefficient read)."""
        stmt = select(
            Rating.subject_id,
            Rating.indicator_id,
            Rating.period_id,
            Rating.role,
            Rating.score,
            Rating.rater,
            Rating.seq,
        ).where(Rating.period_id.in_(period_ids))
        if subjects is not None:
            stmt = stmt.where(Rating.subject_id.in_(list(subjects)))
        found: dict[tuple[int, int, int], list[RatingInput]] = {}
        for u, i, p, role, score, rater, seq in session.execute(stmt.order_by(Rating.seq)):
            found.setdefault((u, i, p), []).append(RatingInput(role, Decimal(score), rater, seq))
        return found
