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
    score: Callable[[Mapping[str, Any], Mapping[str, Any], Decimal], Decimal]
    description: str = ""
    inputs: str = "value"
    veto: bool = False


RULE_INPUTS = ("value", "label", "ratings")
"""What a rule reads: ``value`` a number recorded for the indicator (or the sum of the
reviewers' bonus/deduction items), ``label`` a qualitative grade recorded as text, and
``ratings`` the list of :class:`RatingInput` submitted for the indicator. A rule with
``veto=True`` returns 1 when the unit is vetoed (一票否决) and 0 otherwise."""


@dataclass(frozen=True)
class RatingInput:
    role: str
    score: Decimal
    rater: str
    seq: int


@dataclass
class UnitResult:
    """One unit's result while post-processors run: they may change ``total``,
    ``grade`` and ``flags`` and must say why in ``adjustments`` (shown in the
    explanation, with the ledger seqs they relied on)."""

    unit: str
    name: str
    group: str | None
    parent: str | None
    total: Decimal
    nodes: dict[str, Decimal]
    rank: int | None = None
    grade: str | None = None
    flags: list[str] = field(default_factory=list)
    adjustments: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class PostContext:
    """What a post-processor can see besides the results: the grade codes best first,
    and ``ratings(indicator)`` → {unit: [RatingInput]} for the cycle."""

    grades: Sequence[str]
    ratings: Callable[[str], Mapping[str, Sequence[RatingInput]]]
    members: frozenset[str] = frozenset()
    """The units assessed by the scheme that named this step: a ``grade`` step sees
    every result of the cycle but should change only these."""
    parents: Mapping[str, str | None] = field(default_factory=dict)
    """The scheme's tree, node code → parent code, for steps that change a node's score
    and must carry the change up to its ancestors (see :func:`adjust_node`)."""


def adjust_node(result: UnitResult, node: str, score: Decimal, ctx: PostContext) -> Decimal:
    """Set a node's score and carry the difference up to its ancestors and the total, so
    the tree still adds up; returns the difference."""
    delta = score - result.nodes[node]
    at: str | None = node
    while at is not None:
        result.nodes[at] += delta
        at = ctx.parents.get(at)
    result.total += delta
    return delta


@dataclass(frozen=True)
class PostProcessor:
    """A step after the roll-up (D-14…D-17). ``stage`` is ``score`` (before ranking,
    may change totals) or ``grade`` (after grades are given, may change grades; sees
    every group of the cycle, for linkages between a department and its institutions).
    ``apply(results, params, ctx)`` changes the results in place."""

    name: str
    title: str
    params_schema: type[Schema]
    stage: str
    apply: Callable[[list[UnitResult], Mapping[str, Any], PostContext], None]


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
    history: Callable[[], Sequence[tuple[str, Decimal]]] = lambda: ()
    lookup: Callable[[str, str], Decimal | None] = lambda indicator, period: None
    """``extra`` holds ``measure``, ``period_kind``, ``name`` and, where a published
    scheme scores the indicator for the unit's group, ``target``, ``direction`` and
    ``warn_after``. ``history()``: earlier values of this unit and indicator as
    (period, value), oldest first, same period kind, earlier cycles included (computed
    on first call). ``lookup(indicator, period)``: this unit's value of another
    indicator, for cross-source checks (D-23)."""


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


@hookspec
def jixiao_post_processors() -> list[PostProcessor]:
    """Steps applied to a cycle's results after the roll-up, named in a scheme's
    ``post`` list (recognition coefficient, linkages, threshold gates).

    Example::

        @hookimpl
        def jixiao_post_processors():
            def floor_at_60(results, params, ctx):
                for r in results:
                    if r.total < 60:
                        r.flags.append("rectify")
            return [PostProcessor("rectify", "整改 (rectification)", Schema, "score",
                                  floor_at_60)]
    """
