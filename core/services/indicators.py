"""The bureau's indicator library (指标库)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.domain import organisation
from core.domain.models import Indicator
from core.services import views
from core.services.context import Context


def create(
    ctx: Context,
    bureau: str,
    code: object,
    name: object,
    name_en: object = "",
    measure: object = "",
) -> dict[str, Any]:
    with ctx.writing(bureau, "bureau.manage") as work:
        return views.indicator(organisation.create_indicator(work, code, name, name_en, measure))


def listing(ctx: Context, bureau: str) -> list[dict[str, Any]]:
    with ctx.reading(bureau, "bureau.read") as work:
        rows = work.session.scalars(
            select(Indicator).where(Indicator.bureau_id == work.bureau.id).order_by(Indicator.code)
        )
        return [views.indicator(i) for i in rows]
