"""Importing and publishing schemes: validated, then recorded, never rewritten."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.domain.assessment.schemes import digest, normalise
from core.domain.cycles import get_cycle
from core.domain.models import Bureau, Cycle, Indicator, Scheme
from core.domain.projections import record
from core.kernel.errors import Conflict, FieldError, InvalidInput, NotFound
from core.ledger.store import Record
from core.services.platform import Platform


def _find(session: Session, bureau: Bureau, cycle: Cycle, code: str, version: int) -> Scheme:
    scheme = session.scalar(
        select(Scheme).where(
            Scheme.bureau_id == bureau.id,
            Scheme.cycle_id == cycle.id,
            Scheme.code == code,
            Scheme.version == version,
        )
    )
    if scheme is None:
        raise NotFound(
            f"no scheme {code!r} version {version} in cycle {cycle.code}",
            [FieldError("version", "no such scheme version")],
        )
    return scheme


def import_scheme(
    session: Session, platform: Platform, bureau: Bureau, cycle_code: str, doc: Any, actor: str
) -> Scheme:
    """Validate and record a scheme as the next version (a draft); identical content is
    recognised and returns the existing version instead of adding one."""
    cycle = get_cycle(session, bureau, cycle_code)
    installed = platform.installed_plugins(session, bureau.id)
    indicators = set(
        session.scalars(select(Indicator.code).where(Indicator.bureau_id == bureau.id))
    )
    definition, errors = normalise(
        doc,
        platform.plugins.rule_types(installed),
        indicators,
        platform.plugins.post_processors(installed),
    )
    if errors:
        raise InvalidInput(f"the scheme has {len(errors)} error(s); nothing was recorded", errors)
    content = digest(definition)
    versions = select(Scheme).where(
        Scheme.bureau_id == bureau.id,
        Scheme.cycle_id == cycle.id,
        Scheme.code == definition["code"],
    )
    latest = session.scalar(versions.order_by(Scheme.version.desc()).limit(1))
    if latest is not None and latest.digest == content:
        return latest
    version = (latest.version if latest else 0) + 1
    data = {"cycle": cycle.code, "version": version, "digest": content, "definition": definition}
    record(session, bureau.log_id, [Record("scheme.imported", data, actor)])
    return _find(session, bureau, cycle, definition["code"], version)


def publish_scheme(
    session: Session,
    bureau: Bureau,
    cycle_code: str,
    code: str,
    version: int | None,
    actor: str,
) -> Scheme:
    """Freeze a version (default: the latest). A published version is never changed."""
    cycle = get_cycle(session, bureau, cycle_code)
    if version is None:
        version = session.scalar(
            select(func.max(Scheme.version)).where(
                Scheme.bureau_id == bureau.id, Scheme.cycle_id == cycle.id, Scheme.code == code
            )
        )
        if version is None:
            raise NotFound(
                f"no scheme {code!r} in cycle {cycle.code}", [FieldError("code", "no such scheme")]
            )
    scheme = _find(session, bureau, cycle, code, version)
    if scheme.status == "published":
        raise Conflict(
            f"{code} version {version} is already published",
            [FieldError("version", "already published")],
        )
    data = {"cycle": cycle.code, "code": code, "version": version, "digest": scheme.digest}
    record(session, bureau.log_id, [Record("scheme.published", data, actor)])
    return scheme


def describe(scheme: Scheme) -> dict:
    definition = json.loads(scheme.definition)
    return {
        "code": scheme.code,
        "version": scheme.version,
        "name": scheme.name,
        "group": scheme.group_code,
        "status": scheme.status,
        "digest": scheme.digest,
        "cycle": scheme.cycle.code,
        "nodes": len(definition["nodes"]),
        "definition": definition,
    }


def listing(session: Session, bureau: Bureau, cycle_code: str | None = None) -> list[dict]:
    stmt = select(Scheme).where(Scheme.bureau_id == bureau.id)
    if cycle_code:
        stmt = stmt.where(Scheme.cycle_id == get_cycle(session, bureau, cycle_code).id)
    return [describe(s) for s in session.scalars(stmt.order_by(Scheme.code, Scheme.version))]
