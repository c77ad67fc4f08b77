"""What a cycle's results are computed from: the projections of values, reviewers'
items and ratings, keyed by (unit, indicator, period) ids."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain.models import IndicatorValue, Rating, ScoreItem
from core.plugin_api.hookspecs import RatingInput


@dataclass
class CycleData:
    """Everything recorded for a cycle, keyed by ids: values, items and ratings."""

    values: dict[tuple[int, int, int], tuple[str, int, str]] = field(default_factory=dict)
    items: dict[tuple[int, int, int], list[tuple[Decimal, int]]] = field(default_factory=dict)
    ratings: dict[tuple[int, int, int], list[RatingInput]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, period_ids: Sequence[int], units: Iterable[int] | None = None):
        """Read the projections for the cycle's periods (only ``units`` if given)."""
        data = cls()
        unit_filter = list(units) if units is not None else None

        def scoped(stmt, model):
            stmt = stmt.where(model.period_id.in_(period_ids))
            return stmt if unit_filter is None else stmt.where(model.unit_id.in_(unit_filter))

        values = scoped(
            select(
                IndicatorValue.unit_id,
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
                ScoreItem.unit_id,
                ScoreItem.indicator_id,
                ScoreItem.period_id,
                ScoreItem.quantity,
                ScoreItem.seq,
            ),
            ScoreItem,
        )
        for u, i, p, quantity, seq in session.execute(items.order_by(ScoreItem.seq)):
            data.items.setdefault((u, i, p), []).append((Decimal(quantity), seq))
        ratings = scoped(
            select(
                Rating.unit_id,
                Rating.indicator_id,
                Rating.period_id,
                Rating.role,
                Rating.score,
                Rating.rater,
                Rating.seq,
            ),
            Rating,
        )
        for u, i, p, role, score, rater, seq in session.execute(ratings.order_by(Rating.seq)):
            data.ratings.setdefault((u, i, p), []).append(
                RatingInput(role, Decimal(score), rater, seq)
            )
        return data
