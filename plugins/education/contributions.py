"""Contribution records for the hooks of plugin API v1 that do not exist yet.

Scheme templates, outcome types, event kinds and data importers are listed by a sector
plugin as module-level lists of these small frozen dataclasses (``TEMPLATES``,
``OUTCOME_TYPES``, ``EVENT_KINDS``, ``IMPORTERS``), each with a ``name``, so the lead can
register them with the new hooks the same way rule types are registered today.

Shared by the sector plugins (education, community correction); a candidate for the
public plugin API (see plugins/education/NEEDS.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from marshmallow import Schema

    from core.errors import FieldError

SUBJECTS = ("unit", "person")
"""What a scheme assesses: organisational units, or people (``subject: person``)."""


@dataclass(frozen=True)
class SchemeTemplate:
    """One scheme shipped as YAML in a plugin's ``templates/`` folder.

    ``group`` is the unit or person group the scheme assesses; ``subject`` says which
    (people's schemes wait for the engine's ``subject: person``)."""

    name: str
    title: str
    file: str
    group: str
    subject: str = "unit"


@dataclass(frozen=True)
class OutcomeType:
    """A results application (结果运用, D-31) beyond the core's pay/promotion/training.

    ``apply(rows, params, earlier)`` adds fields to each result row in place. A row has
    ``subject`` (the person or unit assessed), ``unit`` (the unit it rolls up to: for a
    unit, itself), ``group``, ``total`` (text), ``rank`` and ``grade``. ``earlier`` holds
    the grades of previous cycles, most recent first, as {subject: grade}. ``params``
    are validated by ``params_schema``."""

    name: str
    title: str
    params_schema: type[Schema]
    apply: Callable[[list[dict], Mapping[str, Any], Sequence[Mapping[str, str | None]]], None]
    description: str = ""


@dataclass(frozen=True)
class EventKind:
    """A ledger entry kind a plugin adds: its ``data`` is validated by ``data_schema``.
    Names are prefixed with the plugin's name (``education.talent_designated``)."""

    name: str
    title: str
    data_schema: type[Schema]
    description: str = ""


@dataclass(frozen=True)
class Importer:
    """A parser of another system's export (D-42): ``parse(data, filename)`` returns the
    value rows ``{unit, person?, indicator, cycle, period, value, source_key}`` and the
    errors (row, field, reason). It parses and maps only; recording goes through the
    core's submission service, which skips rows whose ``source_key`` it has seen."""

    name: str
    title: str
    formats: tuple[str, ...]
    parse: Callable[[bytes, str], tuple[list[dict], list[FieldError]]]
    description: str = ""
