"""What hooks and contributions are given: contexts, events and results.

Hooks receive a :class:`PluginContext` named ``context`` (pluggy passes arguments by
name, so an implementation declares only what it uses, as datasette's hooks do). Events
and results are plain frozen records: nothing here exposes database ids or the
platform's internals, so the core can change underneath a plugin.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Subject = Literal["unit", "person"]
"""What a scheme assesses: units (departments, institutions) or people (D-43)."""


@dataclass(frozen=True)
class BureauRef:
    """A bureau as projectors see it: its table id (for foreign keys) and its code."""

    id: int
    code: str


@dataclass(frozen=True)
class Event:
    """An entry appended to a bureau's ledger, as listeners and projectors see it."""

    bureau: str
    seq: int
    kind: str
    data: Mapping[str, Any]
    actor: str
    ts: str
    leaf_hash: str
    """hex SHA-256 leaf hash: ask ``/ledger/proof?seq=…`` for its inclusion proof"""


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name: str
    group: str | None
    parent: str | None


@dataclass(frozen=True)
class PersonInfo:
    """A member of staff as plugins see them: never their identifiers (D-41)."""

    code: str
    name: str
    unit: str | None
    group: str | None


class BureauReader(Protocol):
    """Read access to the bureau's data, through the same services every channel uses
    (and inside the caller's transaction, so a listener sees what was just written)."""

    def units(self) -> list[UnitInfo]: ...

    def people(self) -> list[PersonInfo]: ...

    def indicator_codes(self) -> list[str]: ...

    def value(self, subject: str, indicator: str, cycle: str, period: str) -> str | None:
        """The current value (decimal or label text) of a unit or person, or None."""
        ...

    def results(self, cycle: str, period: str | None = None, explain: bool = False) -> list[dict]:
        """The stored result rows of a cycle (or one period's standing), as the results
        service gives them (``subject``, ``kind``, ``unit``, ``total``, ``rank``…), each
        with its ``explanation`` tree when ``explain`` is true (since API 1.1)."""
        ...

    def experts(self) -> list[str]:
        """The usernames of the bureau's expert users, sorted (since API 1.2): those the
        core draws panels from, so a plugin keeping a pool of raters refuses anyone else
        when they join, not at the draw."""
        ...

    def unattached(self, unit: str, digests: Sequence[str]) -> list[str]:
        """Those of the SHA-256 ``digests`` that no file attached for ``unit`` has, in
        the order given (since API 1.2): a plugin recording evidence a decision cites
        checks it was uploaded, as the core's entry path does for values."""
        ...


class RecordStore(Protocol):
    """A plugin's own records in one bureau, by collection and key (JSON data). Written
    only by the plugin's projectors (so replay rebuilds them); read from hooks through
    ``context.records``."""

    def put(self, collection: str, key: str, data: dict[str, Any]) -> None: ...

    def delete(self, collection: str, key: str) -> None: ...

    def get(self, collection: str, key: str) -> dict[str, Any] | None: ...

    def all(self, collection: str) -> list[dict[str, Any]]:
        """Every record of a collection, oldest first, each with its ``key`` and ``seq``."""
        ...


@dataclass(frozen=True)
class PluginContext:
    """Given to every hook as ``context``: whose hook call this is and what it may see.

    ``settings`` are the calling plugin's settings for this bureau, loaded with the
    plugin's own schema (defaults filled in). ``bureau`` is None for platform-wide calls
    (discovering event kinds, CLI commands, blueprints, and the check at start-up); such
    calls get empty ``settings`` (not the defaults) and no ``reader``, ``record`` or
    ``records``. ``session`` is the caller's SQLAlchemy session, for listeners that keep
    tables of their own (the webhook outbox); projectors get a :class:`RecordStore`.
    """

    plugin: str
    bureau: str | None
    settings: Mapping[str, Any]
    reader: BureauReader | None = None
    session: Session | None = None
    record: Callable[[str, dict], Event] | None = None
    """Append an entry of a kind this plugin declared (listeners and commands)."""
    records: RecordStore | None = None
    """This plugin's records in the bureau (read-only here)."""
    units: frozenset[str] | None = None
    """The unit codes the caller may see, in a view declared ``scoped`` and opened by a
    role limited to some units (a reporter); None when the caller sees the whole bureau
    (since API 1.2). ``reader`` still reads the whole bureau: a scoped view filters
    what it shows by ``units`` itself."""
    regroup: Callable[[str, str | None], None] | None = None
    """``regroup(person, group)``: move a person of the bureau into a group
    (``person.regrouped``) in the same unit of work as ``record`` (API 1.2), so a
    decision that regroups someone and records why is all or nothing. Write contexts
    of plugins' commands only; refused unless the caller may manage people."""


@dataclass(frozen=True)
class RatingInput:
    role: str
    score: Decimal
    rater: str
    seq: int


@dataclass
class UnitResult:
    """One subject's result while post-processors run (a unit, or a person when the
    scheme's subject is ``person``; ``unit`` then holds the person's code). Steps may
    change ``total``, ``nodes``, ``grade`` and ``flags`` and must say why in
    ``adjustments`` (shown in the explanation with the ledger seqs they relied on)."""

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
    """What a post-processor sees besides the results: the grade codes best first, and
    ``ratings(indicator)`` → {subject: [RatingInput]} for the cycle."""

    grades: Sequence[str]
    ratings: Callable[[str], Mapping[str, Sequence[RatingInput]]]
    members: frozenset[str] = frozenset()
    """The subjects assessed by the scheme that named this step: a ``grade`` step sees
    every result of the cycle but should change only these."""
    parents: Mapping[str, str | None] = field(default_factory=dict)
    """The scheme's tree, node code → parent code, for steps that change a node's score
    and must carry the change up to its ancestors (see :func:`adjust_node`)."""
    settings: Mapping[str, Any] = field(default_factory=dict)
    """The settings of the plugin that contributed this step, for this bureau. Not yet
    filled in by the core (always empty in API 1.1): read ``context.settings`` in
    ``jixiao_post_processors`` and close over it instead."""


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
class ValueContext:
    """A value being recorded, as entry checks see it (D-22, D-23).

    ``target``, ``direction`` and ``warn_after`` come from the published scheme that
    scores the indicator for the subject's group (None/defaults when none does).
    ``history()``: earlier values of this subject and indicator as (period, value),
    oldest first, same period kind, earlier cycles included (computed on first call).
    ``lookup(indicator, period)``: this subject's value of another indicator, for
    cross-source checks (D-23).
    """

    bureau: str
    unit: str
    indicator: str
    cycle: str
    period: str
    value: Decimal
    measure: str = ""
    period_kind: str = ""
    indicator_name: str = ""
    target: Decimal | None = None
    direction: Literal["higher", "lower"] = "higher"
    warn_after: int = 3
    settings: Mapping[str, Any] = field(default_factory=dict)
    history: Callable[[], Sequence[tuple[str, Decimal]]] = lambda: ()
    lookup: Callable[[str, str], Decimal | None] = lambda indicator, period: None


@dataclass(frozen=True)
class OutcomeContext:
    """What an outcome type sees: earlier cycles' grades by subject, most recent first
    (for "excellent two years running"), the points of the scheme's top-level nodes
    (for health reports), the contributing plugin's settings for this bureau and the
    cycle's code."""

    earlier_grades: Sequence[Mapping[str, str | None]]
    dimension_points: Mapping[str, Decimal]
    settings: Mapping[str, Any] = field(default_factory=dict)
    cycle: str = ""
    """The cycle whose results these are (since API 1.1), for outcomes that read the
    plugin's own records of that cycle."""


@dataclass(frozen=True)
class ImportContext:
    """What an importer sees: the bureau, the cycle and period chosen by the user, the
    importer's plugin settings, and read access (to map names to codes)."""

    bureau: str
    cycle: str
    period: str | None
    settings: Mapping[str, Any]
    reader: BureauReader


def current_context() -> PluginContext:
    """Inside a plugin's own API view or console page: the context of this request
    (the plugin's settings for the bureau in the URL, read access, records, and, for
    requests that change things, ``record``)."""
    from flask import g

    return g.jixiao_plugin_context
