"""Database tables.

The domain's tables are **projections** (bureaus, units, people, cycles, periods,
indicators, current values, plugin installations, assessment inputs): ordinary tables
kept in step with the ledger (``core.ledger.models``) in the same transaction, which
``jixiao ledger replay --check`` rebuilds from it.

Users and tokens are credentials, not assessment records: they are not projections,
though granting a role is still written to the ledger for the audit trail.

The tables are declared in submodules: ``bureaus`` (imported here) and
``organisation``, ``access``, ``assessment``, ``collection`` and ``plugins``, imported on
first use of one of their names (``from core.domain.models import Scheme`` works as for
the others). Their relationships point only at the bureaus, the organisation and the
ledger's log heads, which the submodules import, so each configures on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.domain.models.bureaus import Bureau, utc_now
from core.kernel.db import Base
from core.kernel.lazy import lazy_names
from core.ledger.models import LedgerLog

# ----------------------------------------------------------------- the other tables, lazily

_ELSEWHERE: dict[str, str] = {
    "Unit": "organisation",
    "Person": "organisation",
    "Subject": "organisation",
    "Cycle": "organisation",
    "Period": "organisation",
    "Indicator": "organisation",
    "IndicatorValue": "organisation",
    "User": "access",
    "UserUnit": "access",
    "ApiToken": "access",
    "UserCredential": "access",
    "ConsoleSession": "access",
    "LoginFailure": "access",
    "Scheme": "assessment",
    "Rating": "assessment",
    "ExpertPanel": "assessment",
    "ScoreItem": "assessment",
    "EvidenceFile": "assessment",
    "Appeal": "assessment",
    "ValueWarning": "assessment",
    "SourceKey": "assessment",
    "ResultRow": "assessment",
    "ResultState": "assessment",
    "ResultPending": "assessment",
    "ClosedPeriod": "collection",
    "CollectionRound": "collection",
    "CollectionExtension": "collection",
    "CollectionReminder": "collection",
    "PluginInstallation": "plugins",
    "PluginRecord": "plugins",
}
"""Tables defined in a submodule, imported on first use: a command that touches only the
bureaus (``jixiao bureaus list``) does not pay for declaring and configuring the mappers
of every other table (about 90 ms of its start-up, the ledger's tables included)."""

__all__ = [
    "ApiToken",
    "Appeal",
    "Base",
    "Bureau",
    "ClosedPeriod",
    "CollectionExtension",
    "CollectionReminder",
    "CollectionRound",
    "ConsoleSession",
    "Cycle",
    "EvidenceFile",
    "ExpertPanel",
    "Indicator",
    "IndicatorValue",
    "LedgerLog",
    "LoginFailure",
    "Period",
    "Person",
    "PluginInstallation",
    "PluginRecord",
    "Rating",
    "ResultPending",
    "ResultRow",
    "ResultState",
    "Scheme",
    "ScoreItem",
    "SourceKey",
    "Subject",
    "Unit",
    "User",
    "UserCredential",
    "UserUnit",
    "ValueWarning",
    "load_all",
    "utc_now",
]

if TYPE_CHECKING:
    from core.domain.models.access import (
        ApiToken,
        ConsoleSession,
        LoginFailure,
        User,
        UserCredential,
        UserUnit,
    )
    from core.domain.models.assessment import (
        Appeal,
        EvidenceFile,
        ExpertPanel,
        Rating,
        ResultPending,
        ResultRow,
        ResultState,
        Scheme,
        ScoreItem,
        SourceKey,
        ValueWarning,
    )
    from core.domain.models.collection import (
        ClosedPeriod,
        CollectionExtension,
        CollectionReminder,
        CollectionRound,
    )
    from core.domain.models.organisation import (
        Cycle,
        Indicator,
        IndicatorValue,
        Period,
        Person,
        Subject,
        Unit,
    )
    from core.domain.models.plugins import PluginInstallation, PluginRecord


__getattr__, __dir__, _load_submodules = lazy_names(__name__, _ELSEWHERE, globals())


def load_all() -> None:
    """Import every table, for what needs the whole schema (``Base.metadata``): creating
    a scratch database, migrations comparing the models with the database."""
    from core.ledger import models as ledger_models

    ledger_models.load_all()
    _load_submodules()
