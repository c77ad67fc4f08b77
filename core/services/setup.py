"""Setting an instance up: the platform log, projections after a migration, the demo."""

from __future__ import annotations

from sqlalchemy import func, select

from core.domain.models import Bureau, ValueWarning
from core.domain.replay import rebuild_into, replay_kinds
from core.ledger.models import LedgerEntry, LedgerLog
from core.ledger.store import PLATFORM_ORIGIN, platform_log
from core.services.platform import Platform

DEMO_BUREAU = "demo"


# Projections a migration added after entries of their kinds were already recorded:
# (table, kinds that fill it). An empty table beside such entries is filled from the
# ledger by :func:`prepare`, so upgrading never loses what the ledger says.
BACKFILLED = ((ValueWarning, ("warning.raised",)),)


def prepare(platform: Platform) -> None:
    """Create the platform log if missing; fill projections a migration reset or added
    from the ledger (the ledger is the record; tables only follow it); compute stored
    results that are missing."""
    with platform.db.transaction() as session:
        platform_log(session)
        entries = session.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .join(LedgerLog, LedgerEntry.log_id == LedgerLog.id)
            .where(LedgerLog.origin != PLATFORM_ORIGIN)
        )
        bureaus = session.scalar(select(func.count()).select_from(Bureau))
    if entries and not bureaus:
        rebuild_in_place(platform)
        return
    if entries:
        backfill(platform)


def backfill(platform: Platform) -> None:
    """Project the kinds of :data:`BACKFILLED` into their tables when those are empty,
    and compute the results of cycles that have published schemes but no stored rows."""
    from core.services.context import Context
    from core.services.rebuild import missing_results, rebuilt_results

    with platform.db.transaction() as session:
        for model, kinds in BACKFILLED:
            if session.scalar(select(func.count()).select_from(model)) == 0:
                replay_kinds(session, platform.catalogue, kinds)
        if missing_results(session):
            rebuilt_results(Context.system(platform, "system:migrate"), session)


def rebuild_in_place(platform: Platform) -> None:
    """Re-project every bureau's ledger into the (empty) projection tables."""
    from core.services.context import Context
    from core.services.rebuild import rebuilt_results

    with platform.db.transaction() as session:
        scratch_logs = {log.origin: log for log in session.scalars(select(LedgerLog))}
        rebuild_into(session, session, platform.catalogue, None, existing=scratch_logs)
        rebuilt_results(Context.system(platform, "system:migrate"), session)


def demo(platform: Platform) -> str | None:
    """Create the demo bureau unless it exists; returns its admin's token."""
    from core.services.demo import create_demo

    with platform.db.read_sessions() as session, session.begin():
        if session.scalar(select(Bureau.id).where(Bureau.code == DEMO_BUREAU)):
            return None
    token = create_demo(platform)
    from core.services import ledger
    from core.services.context import Context

    ledger.checkpoint_all(Context.system(platform, "system:demo"))
    return token
