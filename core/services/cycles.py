"""Assessment cycles (考核周期) and their periods (D-21)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from core.domain import cycles
from core.domain.models import Cycle
from core.services import views
from core.services.context import Context


def create(
    ctx: Context,
    bureau: str,
    code: object,
    name: object,
    start: dt.date,
    end: dt.date,
    kinds: list[str],
) -> dict[str, Any]:
    with ctx.writing(bureau, "bureau.manage") as work:
        return views.cycle(cycles.create_cycle(work, code, name, start, end, kinds))


def listing(ctx: Context, bureau: str) -> list[dict[str, Any]]:
    with ctx.reading(bureau, "bureau.read") as work:
        rows = work.session.scalars(
            select(Cycle).where(Cycle.bureau_id == work.bureau.id).order_by(Cycle.start)
        )
        return [views.cycle(c) for c in rows]


def get(ctx: Context, bureau: str, code: str) -> dict[str, Any]:
    with ctx.reading(bureau, "bureau.read") as work:
        return views.cycle(cycles.get_cycle(work.session, work.bureau, code))
