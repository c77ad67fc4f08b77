"""What a sector plugin contributes beyond today's hooks, as small frozen dataclasses.

The plugin API v1 (``core/plugin_api``) will have hooks for scheme templates, indicator
libraries, event kinds, outcome types and importers. Until then each sector plugin
exposes module-level lists of these records (``TEMPLATES``, ``EVENT_KINDS``,
``OUTCOME_TYPES``, ``IMPORTERS``) for the lead to wire. Both sector plugins of this
branch (``tax`` and ``staffing_office``) use these classes; they live here once, and
NEEDS.md proposes them for the public API.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from marshmallow import Schema


@dataclass(frozen=True)
class GroupSpec:
    """A unit group (D-03): units are ranked only within their group."""

    code: str
    name: str
    name_en: str
    description: str = ""


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator of a sector's library: what ``jixiao indicators create`` needs,
    plus whether the sector treats it as a core indicator (early warnings, D-22)."""

    code: str
    name: str
    name_en: str
    measure: str = ""
    description: str = ""
    core: bool = False


@dataclass(frozen=True)
class Template:
    """A scheme template: a YAML file in the scheme format of docs/schemes.md.

    ``subject`` is ``unit`` or ``person`` (individuals as subjects, which the engine
    does not support yet: those templates carry ``subject: person`` at the top and
    are kept out of today's imports)."""

    code: str
    title: str
    path: Path
    group: str | None
    subject: str = "unit"


@dataclass(frozen=True)
class EventKind:
    """A ledger entry kind the plugin writes: ``name`` is the entry's ``kind``,
    ``schema`` validates its ``data`` (marshmallow, load → the data to record)."""

    name: str
    title: str
    schema: type[Schema]
    description: str = ""


@dataclass(frozen=True)
class OutcomeType:
    """A results application (结果运用, D-31) beyond pay, promotion and training.

    ``apply(cycle, rows, params, history)`` gets the cycle code, result rows
    (``CycleResults.rows()``, of the cycle or of one period), the params loaded by
    ``params_schema`` and what came before (earlier cycles' rows, or earlier notices;
    each outcome type says which), and returns one dict per unit concerned."""

    name: str
    title: str
    params_schema: type[Schema]
    apply: Callable[
        [str, Sequence[Mapping[str, Any]], Mapping[str, Any], Sequence[Any]], list[dict]
    ]
    description: str = ""


@dataclass(frozen=True)
class Importer:
    """A data importer (D-42): rows from another system (already parsed from CSV or
    Excel into dicts) → rows for the core (``target``: ``values``, ``items`` or an
    event kind's name). ``convert`` validates with ``row_schema`` and raises
    ``marshmallow.ValidationError`` naming the row on bad input."""

    name: str
    title: str
    row_schema: type[Schema]
    target: str
    convert: Callable[..., list[dict]]
    columns: tuple[str, ...] = ()
    description: str = ""
