"""What plugins contribute: small frozen records with a ``name``.

The host collects them per plugin, refuses two plugins that contribute the same name
(naming both) and sorts them by name, as conda does with its plugin records. Titles
shown to users are Chinese first with English alongside: ``"目标完成率 (target ratio)"``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import click
    from flask import Blueprint
    from marshmallow import Schema

    from core.plugin_api.context import (
        Event,
        ImportContext,
        OutcomeContext,
        PostContext,
        RecordStore,
        UnitResult,
        ValueContext,
    )

RuleInput = Literal["value", "label", "ratings"]
"""What a rule reads: ``value`` a number recorded for the indicator (or, for a leaf with
``source: items``, the sum of the reviewers' bonus/deduction items), ``label`` a
qualitative grade recorded as text, ``ratings`` the list of
:class:`~core.plugin_api.context.RatingInput` submitted for the indicator."""

Stage = Literal["score", "grade"]
"""When a post-processor runs: ``score`` before ranking (may change totals), ``grade``
after grades are given (may change grades; sees every group of the cycle)."""


@dataclass(frozen=True)
class RuleType:
    """A way of turning indicator inputs into points.

    ``params_schema`` validates the rule's ``params`` in a scheme; ``score(inputs,
    params, points)`` gets the named inputs (``Decimal`` values, a label, or ratings),
    the loaded params and the leaf's points, and returns the points earned as a
    ``Decimal`` rounded half-up (``quantize``). A rule with ``veto=True`` returns 1 when
    the subject is vetoed (一票否决) and 0 otherwise.
    """

    name: str
    title: str
    params_schema: type[Schema]
    score: Callable[[Mapping[str, Any], Mapping[str, Any], Decimal], Decimal]
    description: str = ""
    inputs: RuleInput = "value"
    veto: bool = False


@dataclass(frozen=True)
class ValueCheck:
    """A check run when a value is recorded; returns warnings (text), never blocks.
    Warnings are recorded as ``warning.raised`` entries, so webhooks carry them."""

    name: str
    check: Callable[[ValueContext], list[str]]
    title: str = ""


@dataclass(frozen=True)
class PostProcessor:
    """A step after the roll-up (D-14…D-17), named in a scheme's ``post`` list.
    ``apply(results, params, ctx)`` changes the results in place and says why in each
    result's ``adjustments``."""

    name: str
    title: str
    params_schema: type[Schema]
    stage: Stage
    apply: Callable[[list[UnitResult], Mapping[str, Any], PostContext], None]


@dataclass(frozen=True)
class OutcomeType:
    """A use of results (D-31, D-32), named as a key of a scheme's ``outcomes`` section.
    ``apply(rows, params, ctx)`` adds fields to each subject's outcome row (a dict with
    ``subject`` (its code), ``kind`` (``unit`` or ``person``), ``unit``, ``name``,
    ``group``, ``total``, ``rank``, ``grade`` and ``health``)."""

    name: str
    title: str
    params_schema: type[Schema]
    apply: Callable[[list[dict], Mapping[str, Any], OutcomeContext], None]
    columns: tuple[str, ...] = ()
    """The fields it adds, for tables and spreadsheets."""
    grades: Callable[[Mapping[str, Any]], Iterable[str]] | None = None
    """The grade codes its loaded params name (API 1.3): a scheme that does not define one
    of them is refused at import, naming the path (a pay coefficient for a grade no one
    can get would leave its pool undistributed)."""


Projector = Callable[["RecordStore", "Event"], None]


@dataclass(frozen=True)
class EventKind:
    """A kind of ledger entry: its name, the marshmallow schema its ``data`` must pass
    (checked when it is appended; an unknown kind or bad data is refused), and the
    projector that keeps the plugin's records in step with it (``None`` for entries kept
    only for the audit trail). A projector gets the plugin's :class:`RecordStore` for the
    bureau and the event; it must be deterministic: replay runs it again on a database
    rebuilt from the ledger and compares."""

    name: str
    schema: type[Schema]
    project: Projector | None = None
    title: str = ""


@dataclass(frozen=True)
class IndicatorSpec:
    """An indicator a template or library offers: code, 中文名, English name, measure."""

    code: str
    name: str
    name_en: str = ""
    measure: str = ""


@dataclass(frozen=True)
class SchemeTemplate:
    """Groups and indicator trees a bureau imports with one command (D-03, D-06).

    ``schemes(settings)`` returns scheme documents (the format of docs/schemes.md) with
    the bureau's settings applied; importing records each as a new scheme version, so a
    bureau's adaptations and the plugin's next release never rewrite a published one.
    """

    name: str
    title: str
    indicators: Sequence[IndicatorSpec]
    schemes: Callable[[Mapping[str, Any]], list[dict]]
    groups: Mapping[str, str] = field(default_factory=dict)
    """group code → 中文名 (English)"""
    description: str = ""


@dataclass(frozen=True)
class IndicatorLibrary:
    """A named set of indicators a bureau can add to its library (D-06)."""

    name: str
    title: str
    indicators: Sequence[IndicatorSpec]


@dataclass(frozen=True)
class Importer:
    """A feed from another system (D-42): ``parse(data, filename, ctx)`` turns a file
    into value rows ``{unit, indicator, cycle, period, value, note?, evidence?,
    source_key?, source_rows?}`` and per-row errors; the rows are recorded through the
    entry path, all or nothing, and a row whose ``source_key`` was recorded before is not
    recorded again. ``source_rows`` (API 1.2) are the file's lines a row came from, where
    a refusal found only when recording is reported."""

    name: str
    title: str
    formats: tuple[str, ...]
    parse: Callable[[bytes, str, ImportContext], tuple[list[dict], list[dict]]]


@dataclass(frozen=True)
class ApiBlueprint:
    """API endpoints of a plugin, mounted at ``/api/v1/bureaus/<bureau>/plugins/<plugin>/``.
    Only bureaus that installed the plugin get an answer; others get 404. Roles limited
    to some units (reporters) get 403 unless ``scoped``: the views promise to show only
    what concerns ``context.units`` (since API 1.2)."""

    name: str
    blueprint: Blueprint
    scoped: bool = False


@dataclass(frozen=True)
class ConsolePage:
    """A page a plugin adds to the web console, listed under 插件 (Plugins) for bureaus
    that installed it. ``blueprint`` is mounted at ``/bureaus/<bureau>/plugins/<plugin>/``
    and ``endpoint`` names its landing view."""

    name: str
    title: str
    blueprint: Blueprint
    endpoint: str
    scoped: bool = False
    """As for :class:`ApiBlueprint`: the pages show only ``context.units`` to a role
    limited to some units, who otherwise gets 403."""


@dataclass(frozen=True)
class CliCommand:
    """A command added under ``jixiao <plugin> …``. It should take ``--bureau`` and work
    only for bureaus that installed the plugin: the bundled plugins open their context
    with ``core.cli.common.plugin_context``, which refuses the others (see
    docs/plugin-authors.md, ``jixiao_cli_commands``)."""

    name: str
    command: click.Command


@dataclass(frozen=True)
class ExcelLayout:
    """A sheet layout for entry workbooks: ``columns`` are extra per-indicator columns
    (header 中文 (English), field name) shown after the standard ones."""

    name: str
    title: str
    columns: Sequence[tuple[str, str]] = ()
    description: str = ""
