"""Hook specifications of the jixiao plugin system (pluggy project name ``jixiao``).

Every hook is prefixed ``jixiao_``. Collection hooks return lists of small frozen
dataclasses with a ``name``; the host merges them, rejects two plugins that contribute
the same name (naming both), and sorts them. Hooks only ever change by gaining
arguments, so a plugin written today keeps working.

A plugin is a module (or object) with ``@hookimpl`` functions, registered under the
entry-point group ``jixiao`` in its distribution's metadata::

    [options.entry_points]
    jixiao =
        my_sector = my_package.jixiao_plugin

or dropped as ``<name>.py`` into the instance's plugins directory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from marshmallow import Schema

    from core.ledger.store import Appended

PROJECT = "jixiao"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@dataclass(frozen=True)
class RuleType:
    """A way of turning indicator inputs into points.

    ``params_schema`` is a marshmallow Schema class validating the rule's parameters;
    ``score(inputs, params, points)`` gets the validated params, the named inputs as
    ``Decimal`` and the leaf's points, and returns the points earned as ``Decimal``.
    """

    name: str
    title: str
    params_schema: type[Schema]
    score: Callable[[Mapping[str, Decimal], Mapping[str, Any], Decimal], Decimal]
    description: str = ""


@dataclass(frozen=True)
class ValueCheck:
    """A check run when a value is recorded; returns warnings (strings), never blocks."""

    name: str
    check: Callable[[ValueContext], list[str]]


@dataclass(frozen=True)
class ValueContext:
    bureau: str
    unit: str
    indicator: str
    cycle: str
    period: str
    value: Decimal
    extra: Mapping[str, Any] = field(default_factory=dict)


@hookspec
def jixiao_rule_types() -> list[RuleType]:
    """Scoring rule types this plugin contributes.

    Example::

        @hookimpl
        def jixiao_rule_types():
            return [RuleType(name="threshold", title="阈值 (threshold)",
                             params_schema=ThresholdParams, score=score_threshold)]
    """


@hookspec
def jixiao_value_checks() -> list[ValueCheck]:
    """Checks that raise warnings when a value is recorded (D-22, D-23).

    Example::

        @hookimpl
        def jixiao_value_checks():
            def too_good(ctx):
                return ["满意度超过99%，需复核 (satisfaction > 99%: review)"] \\
                    if ctx.indicator.endswith("satisfaction") and ctx.value > 99 else []
            return [ValueCheck(name="satisfaction-ceiling", check=too_good)]
    """


@hookspec
def jixiao_ledger_appended(bureau: str, entries: Sequence[Appended]) -> None:
    """Called after entries were appended to ``bureau``'s log, inside its transaction.

    Raising aborts the transaction, so keep it to recording follow-up work (an outbox
    row, a warning); never call out over the network from here.

    Example::

        @hookimpl
        def jixiao_ledger_appended(bureau, entries):
            for entry in entries:
                if entry.kind == "value.recorded":
                    queue_recalculation(bureau, entry.data["unit"])
    """
