"""The catalogue of every event kind: the core's (declared next to their projectors in
:mod:`core.domain.projectors` and :mod:`core.domain.assessment.projectors`) and the
plugins'."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from core.domain import projectors as _organisation  # noqa: F401 - declares its kinds
from core.domain.assessment import projectors as _assessment  # noqa: F401 - declares its kinds
from core.domain.collection import projectors as _collection  # noqa: F401 - declares its kinds
from core.domain.events import Catalogue, core_kinds
from core.domain.plugin_records import projector_for
from core.plugin_api import EventKind


def build(plugin_kinds: Iterable[tuple[str, EventKind]] = ()) -> Catalogue:
    """The core kinds plus ``plugin_kinds`` ((plugin, kind) pairs); a plugin's projector
    gets a record store of its own instead of the database session."""
    wrapped = [
        (
            plugin,
            replace(kind, project=projector_for(plugin, kind.project) if kind.project else None),
        )
        for plugin, kind in plugin_kinds
    ]
    return Catalogue(core_kinds(), wrapped)
