"""Installing and uninstalling plugins for a bureau: ledger events, then projection."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.domain.models import Bureau, PluginInstallation
from core.domain.plugin_host import PluginError
from core.domain.projections import record
from core.kernel.errors import Conflict, FieldError, NotFound
from core.ledger.store import Record
from core.services.platform import Platform


def install(session: Session, platform: Platform, bureau: Bureau, name: str, actor: str) -> str:
    try:
        info = platform.plugins.info(name)
    except PluginError as exc:
        raise NotFound(str(exc), [FieldError("plugin", str(exc))]) from exc
    if session.get(PluginInstallation, (bureau.id, name)) is not None:
        raise Conflict(
            f"{name} is already installed for {bureau.code}",
            [FieldError("plugin", "already installed")],
        )
    record(
        session,
        bureau.log_id,
        [Record("plugin.installed", {"plugin": name, "version": info.version}, actor)],
    )
    return info.version


def uninstall(session: Session, bureau: Bureau, name: str, actor: str) -> None:
    if session.get(PluginInstallation, (bureau.id, name)) is None:
        raise NotFound(
            f"{name} is not installed for {bureau.code}", [FieldError("plugin", "not installed")]
        )
    record(session, bureau.log_id, [Record("plugin.uninstalled", {"plugin": name}, actor)])
