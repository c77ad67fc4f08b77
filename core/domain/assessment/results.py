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
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from core.domain.assessment.compiled import (
    CompiledScheme,
    compile_scheme,
    published_schemes,
    scheme_for_group,
)
from core.domain.assessment.explanation import explain
from core.domain.assessment.grading import assign_grades, rank
from core.domain.assessment.inputs import CycleData
from core.domain.assessment.scoring import Scored, score_unit
from core.domain.models import Bureau, Cycle, Indicator, Period, Unit
from core.kernel.errors import FieldError, NotFound
from core.kernel.numbers import as_text
from core.plugin_api.hookspecs import PostContext, PostProcessor, RatingInput, RuleType, UnitResult


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
            for s in published_schemes(session, cycle.id)
        ]
        self.results = CycleResults(
            bureau.code, cycle.code, {}, self.schemes, within.code if within else None
        )
        self._ratings: dict[tuple[int, int, int], list[RatingInput]] = {}
        self._unit_codes: dict[int, str] = {}

    def scheme_for(self, unit: Unit) -> CompiledScheme | None:
        """The group's own scheme; a scheme without a group covers units whose group has
        none (D-03)."""
        return scheme_for_group(self.schemes, unit.group_code)

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
            parents={n["code"]: n["parent"] for n in scheme.nodes},
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
