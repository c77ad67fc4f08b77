"""Readiness, for load balancers and orchestrators (``/readyz``)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core.services.platform import Platform


def readiness(platform: Platform) -> list[str]:
    """What stops this instance from serving (empty when ready)."""
    problems = []
    try:
        with platform.db.read_sessions() as session, session.begin():
            session.execute(text("SELECT 1 FROM ledger_logs LIMIT 1"))
    except SQLAlchemyError as exc:
        problems.append(f"database: {type(exc).__name__}")
    if not platform.keys.signers():
        problems.append("no signing key (run jixiao init)")
    return problems
