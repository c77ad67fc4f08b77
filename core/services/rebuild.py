"""Rebuilding projections from the ledger: in a scratch database for ``replay --check``,
or in place after a migration that changed the projection tables."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain.assessment import standings
from core.domain.assessment.projectors import ANY_CYCLE, invalidate
from core.domain.models import Bureau, PluginInstallation
from core.plugin_api import PluginContext
from core.services.context import Context


def rebuilt_results(ctx: Context, session: Session) -> None:
    """Compute every cycle's results on ``session`` (a rebuild from the ledger), with
    each bureau's installed plugins, as the live writes did."""
    host = ctx.platform.plugins
    for bureau in session.scalars(select(Bureau).order_by(Bureau.code)):
        installed = dict(
            session.execute(
                select(PluginInstallation.plugin, PluginInstallation.settings).where(
                    PluginInstallation.bureau_id == bureau.id
                )
            ).all()
        )
        host.ensure_loaded(installed)

        def context_for(plugin: str, bureau=bureau, installed=installed) -> PluginContext:
            import json

            raw = json.loads(installed.get(plugin) or "{}")
            return PluginContext(plugin, bureau.code, host.load_settings(plugin, raw))

        names = sorted(installed)
        rules = {i.name: i for _, i in host.collect("jixiao_rule_types", names, context_for)}
        post = {i.name: i for _, i in host.collect("jixiao_post_processors", names, context_for)}
        session.info.pop("jixiao.invalidated", None)
        invalidate(session, ANY_CYCLE, None)
        standings.refresh(session, bureau, rules, post, standings.EngineCache(), lambda _: None)


def missing_results(session: Session) -> bool:
    """A cycle with a published scheme and no stored results (after an upgrade)."""
    from core.domain.models import ResultState, Scheme

    published = set(session.scalars(select(Scheme.cycle_id).where(Scheme.status == "published")))
    stored = set(session.scalars(select(ResultState.cycle_id)))
    return bool(published - stored)
