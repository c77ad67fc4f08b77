"""What domain functions are handed: a unit of work on one bureau.

The application layer (:class:`core.services.context.Work`) implements it; the domain
only depends on this protocol, so the layers point one way. Domain functions do the
lookups and checks of their operation and append through ``work.log``; they never open
transactions, take locks or build contexts: the unit of work already did, before any of
them read the bureau's state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.domain.access import Principal
    from core.domain.events import EventLog
    from core.domain.models import Bureau, Subject
    from core.plugin_api import BureauRef, PluginContext


class BureauWork(Protocol):
    session: Session
    bureau: Bureau
    dirty: dict[str, Any]

    @property
    def ref(self) -> BureauRef: ...

    @property
    def log(self) -> EventLog: ...

    @property
    def actor(self) -> str: ...

    @property
    def principal(self) -> Principal: ...

    @property
    def installed(self) -> list[str]: ...

    def require(self, permission: str, unit_id: int | None = None) -> None: ...

    def can(self, permission: str, unit_id: int | None = None) -> bool: ...

    def can_for(self, permission: str, subject: Subject) -> bool: ...

    def require_for(self, permission: str, subject: Subject) -> None: ...

    def unit_scope(self) -> frozenset[int] | None: ...

    def contributions(self, hook: str) -> dict[str, Any]:
        """name → item of a collection hook, from the bureau's installed plugins."""
        ...

    def collect(self, hook: str) -> list[tuple[str, Any]]:
        """(plugin, item) pairs of a collection hook, from the bureau's plugins."""
        ...

    def context_for(self, plugin: str) -> PluginContext: ...
