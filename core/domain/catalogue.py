"""The catalogue of every event kind: the core's (declared next to their projectors in
:mod:`core.domain.projectors` and :mod:`core.domain.assessment.projectors`) and the
plugins'."""

from __future__ import annotations

from collections.abc import Iterable

from core.domain import projectors as _organisation  # noqa: F401 - declares its kinds
from core.domain.assessment import projectors as _assessment  # noqa: F401 - declares its kinds
from core.domain.events import Catalogue, core_kinds
from core.plugin_api import EventKind


def build(plugin_kinds: Iterable[tuple[str, EventKind]] = ()) -> Catalogue:
    """The core kinds plus ``plugin_kinds`` ((plugin, kind) pairs)."""
    return Catalogue(core_kinds(), plugin_kinds)
