"""Results (D-10…D-17, D-30): scores computed from what the ledger recorded.

The pipeline, for one cycle of one bureau:

1. **Leaf scores per period.** Each leaf's rule scores the unit's input for every period
   of the leaf's frequency: the recorded value (or, for ``source: items``, the sum of the
   reviewers' bonus/deduction items), a grade label, or the ratings. A missing value, or
   one a reviewer rejected, scores 0 and says so in the explanation.
2. **Period combination.** A leaf's cycle score is the mean of its period scores (or the
   last, or weights by period), rounded half-up to 0.01.
3. **Roll-up.** A node scores the sum of its children; the total is the sum of the top
   nodes, ``extra`` bonus nodes included. A veto leaf that fires sets the total to 0.
4. **Post-processors** of ``score`` stage (coefficient, gate…), in the scheme's order.
5. **Ranking** within the scheme's group: highest total first, equal totals share a rank
   and the next rank is skipped (1, 2, 2, 4: "standard competition ranking").
6. **Grades**, best first: a unit gets the first grade whose ``min`` it reaches and whose
   ``quota`` (at most ⌊quota × group size⌋ units) still has room for it *and everyone
   tied with it*; units tied at the quota boundary all go to the next grade, so a quota
   is never exceeded. Vetoed units get the last grade.
7. **Post-processors** of ``grade`` stage (department linkage), seeing the whole cycle.

Every number carries an explanation down to the ledger seqs behind it. The inputs are
projections of the ledger (replay-checked), so recomputing from a rebuild of the ledger
gives identical output (tested).
"""

from __future__ import annotations

import gc
import json
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from core.errors import FieldError, NotFound
from core.hookspecs import PostContext, PostProcessor, RatingInput, RuleType, UnitResult
from core.models import (
    Bureau,
    Cycle,
    Indicator,
    IndicatorValue,
    Period,
    Rating,
    Scheme,
    ScoreItem,
    Unit,
)
from core.numbers import as_text, parse_decimal, quantize

ZERO = Decimal("0.00")
ITEMS_SOURCE = "items"


# --------------------------------------------------------------------------- the scheme


@dataclass(frozen=True)
class Leaf:
    code: str
    points: Decimal
    indicator: int
    rule: RuleType
    rule_name: str
    params: Mapping[str, Any]
    inputs: Mapping[str, int]
    periods: tuple[tuple[int, str], ...]
    combine: Any
    from_items: bool


@dataclass
class CompiledScheme:
    """A published scheme ready to score: rules loaded, periods resolved, ids not codes."""

    code: str
    version: int
    group: str | None
    imported_seq: int
    published_seq: int | None
    total: Decimal
    nodes: list[dict]
    leaves: list[Leaf]
    grades: list[dict]
    post: list[dict]
    outcomes: dict

    def describe(self) -> dict:
        return {
            "code": self.code,
            "version": self.version,
            "group": self.group,
            "imported_seq": self.imported_seq,
            "published_seq": self.published_seq,
        }


def compile_scheme(
    scheme: Scheme,
    rule_types: Mapping[str, RuleType],
    indicator_ids: Mapping[str, int],
    periods: Sequence[Period],
) -> CompiledScheme:
    definition = json.loads(scheme.definition)
    by_kind: dict[str, list[tuple[int, str]]] = {}
    for period in sorted(periods, key=lambda p: (p.start, p.end)):
        by_kind.setdefault(period.kind, []).append((period.id, period.code))
    leaves = []
    for node in definition["nodes"]:
        if "rule" not in node:
            continue
        rule = rule_types.get(node["rule"]["type"])
        if rule is None:
            raise NotFound(
                f"rule type {node['rule']['type']!r} of scheme {scheme.code} is not installed",
                [FieldError("plugins", "install the plugin that provides it")],
            )
        meta = node["meta"]
        leaves.append(
            Leaf(
                code=node["code"],
                points=parse_decimal(node["points"]),
                indicator=indicator_ids[node["indicator"]],
                rule=rule,
                rule_name=node["rule"]["type"],
                params=rule.params_schema().load(node["rule"]["params"]),
                inputs={k: indicator_ids[v] for k, v in node.get("inputs", {}).items()},
                periods=tuple(by_kind.get(meta["frequency"], ())),
                combine=meta.get("combine", "mean"),
                from_items=meta.get("source") == ITEMS_SOURCE,
            )
        )
    return CompiledScheme(
        code=scheme.code,
        version=scheme.version,
        group=scheme.group_code,
        imported_seq=scheme.imported_seq,
        published_seq=scheme.published_seq,
        total=parse_decimal(definition["total"]),
        nodes=definition["nodes"],
        leaves=leaves,
        grades=definition.get("grades", []),
        post=definition.get("post", []),
        outcomes=definition.get("outcomes", {}),
    )


# --------------------------------------------------------------------------- the inputs


@dataclass
class CycleData:
    """Everything recorded for a cycle, keyed by ids: values, items and ratings."""

    values: dict[tuple[int, int, int], tuple[str, int, str]] = field(default_factory=dict)
    items: dict[tuple[int, int, int], list[tuple[Decimal, int]]] = field(default_factory=dict)
    ratings: dict[tuple[int, int, int], list[RatingInput]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, period_ids: Sequence[int], units: Iterable[int] | None = None):
        """Read the projections for the cycle's periods (only ``units`` if given)."""
        data = cls()
        unit_filter = list(units) if units is not None else None

        def scoped(stmt, model):
            stmt = stmt.where(model.period_id.in_(period_ids))
            return stmt if unit_filter is None else stmt.where(model.unit_id.in_(unit_filter))

        values = scoped(
            select(
                IndicatorValue.unit_id,
                IndicatorValue.indicator_id,
                IndicatorValue.period_id,
                IndicatorValue.value,
                IndicatorValue.seq,
                IndicatorValue.review,
            ),
            IndicatorValue,
        )
        for u, i, p, value, seq, review in session.execute(values):
            data.values[(u, i, p)] = (value, seq, review)
        items = scoped(
            select(
                ScoreItem.unit_id,
                ScoreItem.indicator_id,
                ScoreItem.period_id,
                ScoreItem.quantity,
                ScoreItem.seq,
            ),
            ScoreItem,
        )
        for u, i, p, quantity, seq in session.execute(items.order_by(ScoreItem.seq)):
            data.items.setdefault((u, i, p), []).append((Decimal(quantity), seq))
        ratings = scoped(
            select(
                Rating.unit_id,
                Rating.indicator_id,
                Rating.period_id,
                Rating.role,
                Rating.score,
                Rating.rater,
                Rating.seq,
            ),
            Rating,
        )
        for u, i, p, role, score, rater, seq in session.execute(ratings.order_by(Rating.seq)):
            data.ratings.setdefault((u, i, p), []).append(
                RatingInput(role, Decimal(score), rater, seq)
            )
        return data


# --------------------------------------------------------------------------- scoring


@dataclass
class Scored:
    """One unit scored by one scheme, before ranking. ``trace`` holds, per leaf, its
    cycle score and per-period (period, input, seqs, score, note) tuples."""

    result: UnitResult
    scheme: CompiledScheme
    trace: dict[str, tuple[Decimal, list[tuple]]]
    vetoed_by: list[str]
    base_total: Decimal
    base_nodes: dict[str, Decimal]

    def reset(self) -> None:
        """Back to the roll-up, before any post-processor ran."""
        self.result.total = self.base_total
        self.result.nodes = dict(self.base_nodes)
        self.result.flags = ["veto"] if self.vetoed_by else []
        self.result.adjustments = []
        self.result.rank = self.result.grade = None


def _period_input(leaf: Leaf, unit: int, period: int, data: CycleData) -> tuple[Any, Any, str]:
    """The rule's inputs for one period, where they came from, and a note ("" when the
    inputs are complete; "missing"/"rejected" when the leaf must score 0).

    The source is an object the data already holds (a value row, the items or ratings
    list), so the explanation costs no copy; :func:`_render_period` reads it."""
    key = (unit, leaf.indicator, period)
    if leaf.rule.inputs == "ratings":
        ratings = data.ratings.get(key, ())
        return {"ratings": ratings}, ratings, "" if ratings else "missing"
    if leaf.from_items:
        items = data.items.get(key, ())
        return {"value": sum((q for q, _ in items), Decimal(0))}, items, ""
    found = data.values.get(key)
    if found is None:
        return None, None, "missing"
    if found[2] == "rejected":
        return None, found, "rejected"
    if leaf.rule.inputs == "label":
        return {"label": found[0]}, found, ""
    if not leaf.inputs:
        return {"value": Decimal(found[0])}, found, ""
    inputs: dict[str, Any] = {"value": Decimal(found[0])}
    sources = [found]
    for name, indicator in leaf.inputs.items():
        other = data.values.get((unit, indicator, period))
        if other is None or other[2] == "rejected":
            return None, sources, f"missing input {name}"
        inputs[name] = Decimal(other[0])
        sources.append(other)
    return inputs, sources, ""


def _render_period(leaf: Leaf, period: str, source: Any, score: Decimal, note: str) -> dict:
    """One period of a leaf in the explanation: its input, the seqs behind it, the score."""
    if source is None:
        shown, seqs = None, []
    elif leaf.rule.inputs == "ratings":
        shown = [{"role": r.role, "score": as_text(r.score)} for r in source]
        seqs = [r.seq for r in source]
    elif leaf.from_items:
        shown = as_text(sum((q for q, _ in source), Decimal(0)))
        seqs = [seq for _, seq in source]
    elif isinstance(source, list):
        names = ["value", *leaf.inputs]
        shown = {n: row[0] for n, row in zip(names, source, strict=False)}
        seqs = [row[1] for row in source]
    else:
        shown, seqs = source[0], [source[1]]
    if note == "rejected":
        shown = None
    out = {"period": period, "input": shown, "seqs": seqs, "score": as_text(score)}
    if note:
        out["note"] = note
    return out


def _combine(leaf: Leaf, scores: list[tuple[str, Decimal, bool]]) -> Decimal:
    """Scores per period → the leaf's cycle score (``scores``: period, score, has_input)."""
    if not scores:
        return ZERO
    if leaf.combine == "last":
        present = [s for _, s, ok in scores if ok]
        return quantize(present[-1]) if present else ZERO
    if isinstance(leaf.combine, dict):
        weights = {k: Decimal(v) for k, v in leaf.combine.items()}
        return quantize(sum((weights.get(p, Decimal(0)) * s for p, s, _ in scores), Decimal(0)))
    return quantize(sum((s for _, s, _ in scores), Decimal(0)) / len(scores))


def score_unit(scheme: CompiledScheme, unit: Unit, data: CycleData) -> Scored:
    trace: dict[str, tuple[Decimal, list[tuple]]] = {}
    vetoed_by: list[str] = []
    for leaf in scheme.leaves:
        periods, scores = [], []
        for period_id, period_code in leaf.periods:
            inputs, source, note = _period_input(leaf, unit.id, period_id, data)
            score = ZERO if note else leaf.rule.score(inputs, leaf.params, leaf.points)
            if leaf.rule.veto:
                if score == 1:
                    vetoed_by.append(leaf.code)
                score = ZERO
            periods.append((period_code, source, score, note))
            scores.append((period_code, score, not note))
        trace[leaf.code] = (_combine(leaf, scores), periods)
    nodes = _roll_up(scheme.nodes, {code: score for code, (score, _) in trace.items()})
    top = [n["code"] for n in scheme.nodes if n["parent"] is None]
    total = ZERO if vetoed_by else sum((nodes[c] for c in top), ZERO)
    result = UnitResult(
        unit=unit.code,
        name=unit.name,
        group=unit.group_code,
        parent=unit.parent.code if unit.parent else None,
        total=total,
        nodes=dict(nodes),
    )
    if vetoed_by:
        result.flags.append("veto")
    return Scored(result, scheme, trace, vetoed_by, total, nodes)


def _roll_up(nodes: list[dict], leaf_scores: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Node score = sum of its children's, bottom-up (nodes may come in any order)."""
    scores = dict(leaf_scores)
    children: dict[str, list[str]] = {}
    for node in nodes:
        if node["parent"] is not None:
            children.setdefault(node["parent"], []).append(node["code"])

    def total(code: str) -> Decimal:
        if code not in scores:
            scores[code] = sum((total(c) for c in children.get(code, ())), ZERO)
        return scores[code]

    for node in nodes:
        total(node["code"])
    return scores


# --------------------------------------------------------------------------- ranking, grades


def rank(results: list[UnitResult]) -> None:
    """Standard competition ranking by total, highest first (1, 2, 2, 4)."""
    ordered = sorted(results, key=lambda r: (-r.total, r.unit))
    for i, result in enumerate(ordered):
        tied = i > 0 and result.total == ordered[i - 1].total
        result.rank = ordered[i - 1].rank if tied else i + 1


def assign_grades(results: list[UnitResult], grades: Sequence[Mapping[str, Any]]) -> None:
    """Thresholds and quotas, best grade first; ties never split across a quota."""
    if not grades:
        return
    size = len(results)
    waiting = sorted(
        (r for r in results if "veto" not in r.flags), key=lambda r: (-r.total, r.unit)
    )
    for r in results:
        if "veto" in r.flags:
            r.grade = grades[-1]["code"]
    for grade in grades:
        room = math.floor(Decimal(grade["quota"]) * size) if "quota" in grade else size
        low = Decimal(grade["min"]) if "min" in grade else None
        given = 0
        while waiting:
            total = waiting[0].total
            tied = [r for r in waiting if r.total == total]
            if (low is not None and total < low) or given + len(tied) > room:
                break
            for r in tied:
                r.grade = grade["code"]
            given += len(tied)
            waiting = waiting[len(tied) :]


# --------------------------------------------------------------------------- the explanation


def explain(scored: Scored) -> dict:
    """The tree behind a total: nodes → leaves → periods, each with the seqs it used."""
    scheme, result = scored.scheme, scored.result
    leaves = {leaf.code: leaf for leaf in scheme.leaves}
    children: dict[str | None, list[dict]] = {}
    for node in scheme.nodes:
        children.setdefault(node["parent"], []).append(node)

    def render(node: dict) -> dict:
        out = {
            "code": node["code"],
            "name": node["name"],
            "points": node["points"],
            "score": as_text(scored.result.nodes[node["code"]]),
        }
        if node.get("extra"):
            out["extra"] = True
        if "rule" in node:
            out["indicator"] = node["indicator"]
            out["rule"] = node["rule"]["type"]
            leaf = leaves[node["code"]]
            out["periods"] = [
                _render_period(leaf, *period) for period in scored.trace[leaf.code][1]
            ]
        else:
            out["children"] = [render(child) for child in children.get(node["code"], [])]
        return out

    tree = {
        "scheme": scheme.describe(),
        "total": as_text(result.total),
        "nodes": [render(node) for node in children.get(None, [])],
    }
    if scored.vetoed_by:
        tree["veto"] = scored.vetoed_by
    if result.adjustments:
        tree["adjustments"] = result.adjustments
    return tree


# --------------------------------------------------------------------------- the whole cycle


@dataclass
class CycleResults:
    bureau: str
    cycle: str
    scored: dict[str, Scored]
    schemes: list[CompiledScheme]
    period: str | None = None
    scored_units: int = 0

    def rows(self, with_explanation: bool = True) -> list[dict]:
        sizes = Counter(s.scheme.code for s in self.scored.values())
        rows = []
        for code in sorted(self.scored, key=lambda c: self._order(self.scored[c])):
            s = self.scored[code]
            r = s.result
            row = {
                "unit": r.unit,
                "name": r.name,
                "group": r.group,
                "scheme": s.scheme.code,
                "version": s.scheme.version,
                "total": as_text(r.total),
                "rank": r.rank,
                "group_size": sizes[s.scheme.code],
                "grade": r.grade,
                "grade_name": _grade_name(s.scheme, r.grade),
                "flags": sorted(set(r.flags)),
                "dimensions": {
                    n["code"]: as_text(r.nodes[n["code"]])
                    for n in s.scheme.nodes
                    if n["parent"] is None
                },
            }
            if self.period:
                row["period"] = self.period
            if with_explanation:
                row["explanation"] = explain(s)
            rows.append(row)
        return rows

    @staticmethod
    def _order(s: Scored) -> tuple:
        return (s.scheme.group or "", s.result.rank or 0, s.result.unit)


def _grade_name(scheme: CompiledScheme, grade: str | None) -> str | None:
    return next((g["name"] for g in scheme.grades if g["code"] == grade), None)


class ResultsEngine:
    """Computes a cycle's results and keeps them, so a change recomputes one unit.

    ``refresh(units)`` rescored only those units, then re-ranks and re-grades (cheap
    for a cycle's few thousand units); ``scored_units`` counts units scored, so a test
    can prove an incremental update touched one unit.
    """

    def __init__(
        self,
        session: Session,
        bureau: Bureau,
        cycle: Cycle,
        rule_types: Mapping[str, RuleType],
        post_processors: Mapping[str, PostProcessor],
        within: Period | None = None,
    ) -> None:
        self.session = session
        self.bureau = bureau
        self.cycle = cycle
        self.rule_types = rule_types
        self.post_processors = post_processors
        self.within = within
        self.periods = [
            p
            for p in cycle.periods
            if within is None or (within.start <= p.start and p.end <= within.end)
        ]
        indicator_ids = {
            code: id_
            for code, id_ in session.execute(
                select(Indicator.code, Indicator.id).where(Indicator.bureau_id == bureau.id)
            )
        }
        self.indicator_codes = {v: k for k, v in indicator_ids.items()}
        self.schemes = [
            compile_scheme(s, rule_types, indicator_ids, self.periods)
            for s in published_schemes(session, cycle)
        ]
        self.results = CycleResults(
            bureau.code, cycle.code, {}, self.schemes, within.code if within else None
        )
        self._ratings: dict[tuple[int, int, int], list[RatingInput]] = {}
        self._unit_codes: dict[int, str] = {}

    def scheme_for(self, unit: Unit) -> CompiledScheme | None:
        """The group's own scheme; a scheme without a group covers units whose group has
        none (D-03)."""
        own = [s for s in self.schemes if s.group == unit.group_code]
        fallback = [s for s in self.schemes if s.group is None]
        return (own or fallback or [None])[0]

    def compute(self) -> CycleResults:
        return self.refresh(None)

    def refresh(self, unit_codes: Iterable[str] | None) -> CycleResults:
        with _cyclic_gc_paused():
            return self._refresh(unit_codes)

    def _refresh(self, unit_codes: Iterable[str] | None) -> CycleResults:
        units = self._units(unit_codes)
        self._unit_codes.update((u.id, u.code) for u in units)
        data = CycleData.load(
            self.session,
            [p.id for p in self.periods],
            None if unit_codes is None else [u.id for u in units],
        )
        if unit_codes is None:
            self._ratings = data.ratings
        else:
            refreshed = {u.id for u in units}
            for key in [k for k in self._ratings if k[0] in refreshed]:
                del self._ratings[key]
            self._ratings.update(data.ratings)
        for unit in units:
            scheme = self.scheme_for(unit)
            if scheme is None:
                self.results.scored.pop(unit.code, None)
                continue
            self.results.scored[unit.code] = score_unit(scheme, unit, data)
            self.results.scored_units += 1
        self._finish()
        return self.results

    def _units(self, codes: Iterable[str] | None) -> list[Unit]:
        stmt = select(Unit).where(Unit.bureau_id == self.bureau.id).options(joinedload(Unit.parent))
        if codes is not None:
            stmt = stmt.where(Unit.code.in_(list(codes)))
        return list(self.session.scalars(stmt.order_by(Unit.code)))

    def _finish(self) -> None:
        """Post-processors, ranks and grades, from the (re)scored leaf results."""
        everything = []
        for scheme in self.schemes:
            members = [s for s in self.results.scored.values() if s.scheme is scheme]
            results = [s.result for s in members]
            for s in members:  # undo earlier post-processing before applying it again
                s.reset()
            self._post(scheme, results, "score", results)
            rank(results)
            assign_grades(results, scheme.grades)
            everything.extend(results)
        for scheme in self.schemes:
            members = [s.result for s in self.results.scored.values() if s.scheme is scheme]
            self._post(scheme, members, "grade", everything)

    def _post(
        self,
        scheme: CompiledScheme,
        members: list[UnitResult],
        stage: str,
        results: list[UnitResult],
    ) -> None:
        ctx = PostContext(
            grades=[g["code"] for g in scheme.grades],
            ratings=self._ratings_of,
            members=frozenset(r.unit for r in members),
        )
        for step in scheme.post:
            processor = self.post_processors.get(step["type"])
            if processor is None:
                raise NotFound(
                    f"post-processor {step['type']!r} of scheme {scheme.code} is not installed",
                    [FieldError("plugins", "install the plugin that provides it")],
                )
            if processor.stage == stage:
                processor.apply(results, processor.params_schema().load(step["params"]), ctx)

    def _ratings_of(self, indicator_code: str) -> dict[str, list[RatingInput]]:
        out: dict[str, list[RatingInput]] = {}
        for (unit_id, indicator_id, _), ratings in self._ratings.items():
            if self.indicator_codes.get(indicator_id) == indicator_code:
                out.setdefault(self._unit_codes[unit_id], []).extend(ratings)
        return out


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """A cycle allocates millions of small objects (scores, explanation tuples) that all
    live until the end and form no reference cycles; the cyclic collector would scan
    them again and again as they pile up, making a large cycle superlinear. Reference
    counting still frees everything; the collector resumes afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def published_schemes(session: Session, cycle: Cycle) -> list[Scheme]:
    """The latest published version of each scheme code in the cycle."""
    latest: dict[str, Scheme] = {}
    rows = session.scalars(
        select(Scheme)
        .where(Scheme.cycle_id == cycle.id, Scheme.status == "published")
        .order_by(Scheme.code, Scheme.version)
    )
    for scheme in rows:
        latest[scheme.code] = scheme
    return list(latest.values())
