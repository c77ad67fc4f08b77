"""The running platform: database, signing keys, plugin host and personal-data vault.

Built once by the app factory and kept in ``app.extensions["jixiao"]``; services that
need it take it as an argument, so they work the same from the API, the CLI and tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core.domain.models import Bureau, PluginInstallation
from core.domain.plugin_host import PluginHost
from core.kernel.db import Database
from core.kernel.privacy import Vault
from core.ledger.models import LedgerLog
from core.ledger.signing import KeyRing, NoteSigner
from core.ledger.store import PLATFORM_ORIGIN, Appended, Record, append, platform_log
from core.ledger.tlog import Report

log = logging.getLogger("jixiao")


class NotInitialised(RuntimeError):
    """The instance has no signing key yet."""


@dataclass
class Platform:
    config: dict
    instance: Path
    db: Database
    plugins: PluginHost
    keys: KeyRing = field(init=False)
    # Called with (session, bureau, entries) inside every bureau append's transaction.
    bureau_listeners: list[Callable[[Session, Bureau, Sequence[Appended]], object]] = field(
        default_factory=list
    )

    def __post_init__(self) -> None:
        self.keys = KeyRing(self.instance / "keys")

    @cached_property
    def vault(self) -> Vault:
        return Vault.from_instance(self.instance)

    def signers(self) -> list[NoteSigner]:
        signers = self.keys.signers()
        if not signers:
            raise NotInitialised(f"no signing key in {self.keys.directory}; run `jixiao init`")
        return signers

    def installed_plugins(self, session: Session, bureau_id: int) -> list[str]:
        return list(
            session.scalars(
                select(PluginInstallation.plugin).where(PluginInstallation.bureau_id == bureau_id)
            )
        )

    def on_append(self, session: Session, entries: Sequence[Appended]) -> None:
        """Ledger listener: tell the bureau's own plugins and the bureau listeners (the
        webhook outbox) what was appended, in the append's transaction."""
        if not entries or entries[0].origin == PLATFORM_ORIGIN:
            return
        bureau = session.scalar(select(Bureau).where(Bureau.log_id == entries[0].log_id))
        if bureau is None:  # the bureau.created entry itself
            return
        names = self.installed_plugins(session, bureau.id)
        self.plugins.notify_appended(bureau.code, names, list(entries))
        for listener in self.bureau_listeners:
            listener(session, bureau, entries)


def announce_failures(
    session: Session, platform: Platform, reports: Sequence[Report], actor: str
) -> int:
    """Record each failed bureau log as ``ledger.verification_failed`` and tell that
    bureau's subscribers (the webhook outbox).

    The entry goes to the platform log, never to the log under suspicion: its head may
    disagree with its rows, and the finding is the platform's observation anyway. A
    savepoint keeps a failure here from breaking the verification that called it.
    """
    count = 0
    for report in reports:
        if report.ok or report.origin == PLATFORM_ORIGIN:
            continue
        bureau = session.scalar(
            select(Bureau).join(Bureau.log).where(LedgerLog.origin == report.origin)
        )
        data = {
            "bureau": bureau.code,
            "origin": report.origin,
            "first_bad_seq": report.finding.seq,
            "reason": report.finding.reason,
            "detail": report.finding.detail,
        }
        try:
            with session.begin_nested():
                entry = append(
                    session,
                    platform_log(session).id,
                    Record("ledger.verification_failed", data, actor),
                )
                for listener in platform.bureau_listeners:
                    listener(session, bureau, [entry])
        except SQLAlchemyError:
            log.exception("could not record the verification failure of %s", report.origin)
            continue
        count += 1
    return count


def current() -> Platform:
    return current_app.extensions["jixiao"]
