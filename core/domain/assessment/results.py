"""Results (D-10…D-17, D-30): scores computed from what the ledger recorded.

The pipeline, for one cycle of one bureau (or one period's standing within it):

1. **Leaf scores per period.** Each leaf's rule scores the subject's input for every
   period of the leaf's frequency: the recorded value (or, for ``source: items``, the
   sum of the reviewers' bonus/deduction items), a grade label, or the ratings. A
   missing value, or one a reviewer rejected, scores 0 and says so in the explanation.
2. **Period combination.** A leaf's cycle score is the mean of its period scores (or
   the last, or weights by period), rounded half-up to 0.01. A ``sum`` leaf instead adds
   up its periods' inputs (daily points) and its rule scores the sum once.
3. **Roll-up.** A node scores the sum of its children; the total is the sum of the top
   nodes, ``extra`` bonus nodes included. A veto leaf that fires sets the total to 0.
4. **Post-processors** of ``score`` stage (coefficient, gate…), in the scheme's order.
5. **Ranking** within the scheme's group: highest total first, equal totals share a
   rank and the next rank is skipped (1, 2, 2, 4: "standard competition ranking").
6. **Grades**, best first: a subject gets the first grade whose ``min`` it reaches and
   whose ``quota`` (at most ⌊quota × group size⌋ subjects) still has room for it *and
   everyone tied with it*; ties at the quota boundary all go to the next grade, so a
   quota is never exceeded. Vetoed subjects get the last grade.
7. **Post-processors** of ``grade`` stage (department linkage), seeing the whole cycle.

A **period standing** (the quarterly ranking of D-11) scores only the leaves with
periods inside the period and ranks them; it gives no grades and runs no
post-processors (grades and coefficients are the cycle's), and reports each total as a
share of the points attainable in the period (see docs/results.md).

Subjects are units or people: a scheme assesses one kind (``subject``), and the
engine scores people exactly as it scores units.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, aliased

from core.domain.assessment.compiled import (
    CompiledScheme,
    compile_scheme,
    published_schemes,
    scheme_for_group,
)
from core.domain.assessment.cycle_data import CycleData
from core.domain.assessment.grading import assign_grades, rank
from core.domain.assessment.scoring import ZERO, Scored, SubjectInfo, score_subject
from core.domain.models import Bureau, Cycle, Indicator, Period, Person, Subject, Unit
from core.kernel.errors import FieldError, NotFound
from core.kernel.numbers import as_text
from core.plugin_api import PostContext, PostProcessor, RatingInput, RuleType, UnitResult


def window_periods(cycle: Cycle, within: Period | None) -> list[Period]:
    return [
        p
        for p in cycle.periods
        if within is None or (within.start <= p.start and p.end <= within.end)
    ]


def load_subjects(
    session: Session, bureau_id: int, ids: Iterable[int] | None = None
) -> list[SubjectInfo]:
    """Units and people of the bureau as the engine sees them (only ``ids`` if given)."""
    params: dict[str, Any] = {"bureau": bureau_id}
    if ids is not None:
        params["ids"] = list(ids)
    out = []
    for (
        sid,
        kind,
        code,
        unit_name,
        person_name,
        unit_group,
        person_group,
        up,
        unit,
    ) in session.execute(_subjects_statement(ids is not None), params):
        if kind == "person":
            out.append(SubjectInfo(sid, kind, code, person_name, person_group, unit, unit))
        else:
            out.append(SubjectInfo(sid, kind, code, unit_name, unit_group, up, unit))
    return out


@cache
def _subjects_statement(some: bool) -> Select:
    """Built once (every refresh and every ranking reads subjects: building the
    four-table statement cost as much as running it)."""
    parent = aliased(Unit)
    stmt = (
        select(
            Subject.id,
            Subject.kind,
            Subject.code,
            Unit.name,
            Person.name,
            Unit.group_code,
            Person.group_code,
            parent.code,
            Unit.code,
        )
        .join(Unit, Subject.unit_id == Unit.id, isouter=True)
        .join(Person, Subject.person_id == Person.id, isouter=True)
        .join(parent, Unit.parent_id == parent.id, isouter=True)
        .where(Subject.bureau_id == bindparam("bureau"))
    )
    if some:
        stmt = stmt.where(Subject.id.in_(bindparam("ids", expanding=True)))
    return stmt.order_by(Subject.kind, Subject.code)


class ResultsEngine:
    """Computes a cycle's (or one period's) results and keeps them, so a change
    rescores only the subjects it touched and re-ranks and re-grades the rest.

    ``scored_subjects`` counts subjects scored, so a test can prove an incremental
    update touched one subject.
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
        self.post_processors = post_processors
        self.within = within
        self.periods = window_periods(cycle, within)
        indicator_ids = dict(
            session.execute(
                select(Indicator.code, Indicator.id).where(Indicator.bureau_id == bureau.id)
            ).all()
        )
        self.indicator_codes = {v: k for k, v in indicator_ids.items()}
        self.schemes = [
            compile_scheme(s, rule_types, indicator_ids, self.periods)
            for s in published_schemes(session, cycle.id)
        ]
        self.scored: dict[int, Scored] = {}
        self.scored_subjects = 0
        self._ratings: dict[tuple[int, int, int], list[RatingInput]] = {}

    @property
    def window(self) -> str:
        """ "" for the cycle, else the period's code."""
        return self.within.code if self.within else ""

    def scheme_for(self, subject: SubjectInfo) -> CompiledScheme | None:
        return scheme_for_group(self.schemes, subject.group, subject.kind)

    def compute(self) -> ResultsEngine:
        return self.refresh(None)

    def refresh(self, subject_ids: Iterable[int] | None) -> ResultsEngine:
        """Rescore ``subject_ids`` (None: everyone), then rank and grade again."""
        with _cyclic_gc_paused():
            ids = None if subject_ids is None else list(subject_ids)
            subjects = load_subjects(self.session, self.bureau.id, ids)
            data = CycleData.load(self.session, [p.id for p in self.periods], ids)
            if ids is None:
                self.scored.clear()
                self._ratings = data.ratings
            else:
                gone = set(ids)
                self._ratings = {k: v for k, v in self._ratings.items() if k[0] not in gone}
                self._ratings.update(data.ratings)
                for sid in ids:
                    self.scored.pop(sid, None)
            for subject in subjects:
                scheme = self.scheme_for(subject)
                if scheme is not None:
                    self.scored[subject.id] = score_subject(scheme, subject, data)
                    self.scored_subjects += 1
            self.finish()
        return self

    def finish(self) -> None:
        """Post-processors, ranks and grades, from the (re)scored leaf results."""
        everything = []
        # a post-processor may edit any subject's scores (its grade stage sees them all)
        posting = self.within is None and any(scheme.post for scheme in self.schemes)
        for scheme in self.schemes:
            members = [s for s in self.scored.values() if s.scheme is scheme]
            results = [s.result for s in members]
            for s in members:  # undo earlier post-processing before applying it again
                s.reset(posting)
            if self.within is None:
                self._post(scheme, results, "score", results)
                _vetoed_stay_at_zero(members)
            rank(results)
            if self.within is None:
                assign_grades(results, scheme.grades)
            everything.extend(results)
        if self.within is None:
            for scheme in self.schemes:
                members = [s.result for s in self.scored.values() if s.scheme is scheme]
                self._post(scheme, members, "grade", everything)
            _vetoed_stay_at_zero(self.scored.values())

    def _post(
        self, scheme: CompiledScheme, members: list[UnitResult], stage: str, results: list
    ) -> None:
        ctx = PostContext(
            grades=[g["code"] for g in scheme.grades],
            ratings=lambda indicator: self._ratings_of(indicator, scheme.subject),
            members=frozenset(r.unit for r in members),
            parents={n["code"]: n["parent"] for n in scheme.nodes},
        )
        for step in scheme.post:
            processor = self.post_processors.get(step["type"])
            if processor is None:
                raise NotFound(
                    f"方案 {scheme.code} 的后处理 {step['type']!r} 未安装 "
                    f"(post-processor {step['type']!r} of scheme {scheme.code} is not installed)",
                    [
                        FieldError(
                            "plugins", "请安装提供它的插件 (install the plugin that provides it)"
                        )
                    ],
                )
            if processor.stage == stage:
                processor.apply(results, processor.params_schema().load(step["params"]), ctx)

    def _ratings_of(self, indicator_code: str, kind: str) -> dict[str, list[RatingInput]]:
        codes = {sid: s.subject.code for sid, s in self.scored.items() if s.subject.kind == kind}
        out: dict[str, list[RatingInput]] = {}
        for (subject_id, indicator_id, _), ratings in self._ratings.items():
            if subject_id in codes and self.indicator_codes.get(indicator_id) == indicator_code:
                out.setdefault(codes[subject_id], []).extend(ratings)
        return out

    def attainable(self, scheme: CompiledScheme) -> Decimal:
        """Points a subject can earn in this window: the leaves scored in it."""
        return sum((leaf.points for leaf in scheme.leaves if leaf.periods), Decimal(0))


def _vetoed_stay_at_zero(scored: Iterable[Scored]) -> None:
    """一票否决 means a total of 0 whatever the post-processors do: a step that changes a
    node with :func:`~core.plugin_api.adjust_node` carries the change into the total
    (the coefficient would give a vetoed unit (coefficient − 1) × its task score), so
    the total is set back to 0 after each stage and the explanation says so. The node
    scores stay as the steps left them."""
    for s in scored:
        if s.vetoed_by and s.result.total != ZERO:
            s.result.adjustments.append(
                {"type": "veto", "before": as_text(s.result.total), "after": as_text(ZERO)}
            )
            s.result.total = ZERO


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
