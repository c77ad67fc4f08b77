"""Staff (人员). Identifiers are encrypted at rest and never returned in clear; those
who manage people see them masked (D-41)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.domain import organisation
from core.domain.models import Person
from core.services import views
from core.services.context import Context


def create(
    ctx: Context,
    bureau: str,
    code: object,
    name: object,
    unit: str | None = None,
    identifiers: dict[str, object] | None = None,
    group: str | None = None,
) -> dict[str, Any]:
    vault = ctx.platform.vault
    with ctx.writing(bureau, "people.manage") as work:
        person = organisation.create_person(work, vault, code, name, unit, identifiers, group)
        return views.person(person, vault)


def regroup(ctx: Context, bureau: str, code: str, group: str | None) -> dict[str, Any]:
    with ctx.writing(bureau, "people.manage") as work:
        return views.person(organisation.regroup_person(work, code, group), None)


def listing(ctx: Context, bureau: str) -> list[dict[str, Any]]:
    with ctx.reading(bureau, "bureau.read") as work:
        vault = ctx.platform.vault if work.can("people.manage") else None
        rows = work.session.scalars(
            select(Person).where(Person.bureau_id == work.bureau.id).order_by(Person.code)
        )
        scope = work.unit_scope()
        return [views.person(p, vault) for p in rows if scope is None or p.unit_id in scope]
