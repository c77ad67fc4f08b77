"""Units (单位/部门) under assessment, with supervising department and group (D-03, D-15)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.domain import organisation
from core.domain.models import Unit
from core.services import views
from core.services.context import Context


def create(
    ctx: Context,
    bureau: str,
    code: object,
    name: object,
    name_en: object = "",
    parent: str | None = None,
    group: str | None = None,
) -> dict[str, Any]:
    with ctx.writing(bureau, "bureau.manage") as work:
        unit = organisation.create_unit(work, code, name, name_en, parent, group)
        return views.unit(unit)


def regroup(ctx: Context, bureau: str, code: str, group: str | None) -> dict[str, Any]:
    """Move a unit to another assessment group (D-03); recorded, with the old group."""
    with ctx.writing(bureau, "bureau.manage") as work:
        return views.unit(organisation.regroup_unit(work, code, group))


def listing(ctx: Context, bureau: str) -> list[dict[str, Any]]:
    with ctx.reading(bureau, "bureau.read") as work:
        rows = work.session.scalars(
            select(Unit).where(Unit.bureau_id == work.bureau.id).order_by(Unit.code)
        )
        return [views.unit(u) for u in rows]


def get(ctx: Context, bureau: str, code: str) -> dict[str, Any]:
    with ctx.reading(bureau, "bureau.read") as work:
        return views.unit(organisation.get_unit(work.session, work.bureau, code))
