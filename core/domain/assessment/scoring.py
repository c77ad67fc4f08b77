"""One subject (unit or person) scored by its scheme: leaf scores per period, their
combination and the roll-up (steps 1–3 of :mod:`core.domain.assessment.results`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.domain.assessment.compiled import CompiledScheme, Leaf
from core.domain.assessment.cycle_data import CycleData
from core.kernel.numbers import quantize
from core.plugin_api import UnitResult

ZERO = Decimal("0.00")
RULE_FAILED = "rule_failed"
"""The note of a period whose rule could not score it (see :func:`rule_score`)."""
log = logging.getLogger("jixiao.scoring")


class RuleFailed(Exception):
    """A rule could not score its inputs: a plugin's bug, or an expression that passed
    its checks and still fails on these numbers. ``note`` says so for the explanation."""

    def __init__(self, rule: str, reason: str) -> None:
        shown = reason if len(reason) <= 200 else reason[:200] + "…"
        super().__init__(f"{rule}: {shown}")
        self.note = f"{RULE_FAILED}: 规则 {rule} 无法计分 (rule {rule} could not score: {shown})"


def rule_score(rule: Any, inputs: Mapping[str, Any], params: Any, points: Decimal) -> Decimal:
    """``rule.score``, its failure raised as :class:`RuleFailed`: one rule that cannot
    score one subject's figures scores that period 0 with a note, and must not fail the
    results of every subject in the bureau (results are refreshed bureau by bureau)."""
    try:
        score = rule.score(inputs, params, points)
    except Exception as exc:  # a plugin's rule: any failure is the rule's, not the caller's
        log.warning("rule %s failed: %r", rule.name, exc)
        raise RuleFailed(rule.name, str(exc) or type(exc).__name__) from exc
    if isinstance(score, int) and not isinstance(score, bool):
        score = Decimal(score)
    if not isinstance(score, Decimal) or not score.is_finite():
        raise RuleFailed(rule.name, f"returned {score!r}, not a finite Decimal")
    return score


@dataclass(frozen=True)
class SubjectInfo:
    """What the engine needs of a subject: a unit (``parent``: its supervising
    department) or a person (``parent`` and ``unit``: the unit they work in)."""

    id: int
    kind: str
    code: str
    name: str
    group: str | None
    parent: str | None
    unit: str | None


@dataclass
class Scored:
    """One subject scored by one scheme, before ranking. ``trace`` holds, per leaf, its
    cycle score and per-period (period, source, score, note) tuples (for a ``sum`` leaf,
    the recorded periods with score None, and the sum of their values)."""

    result: UnitResult
    subject: SubjectInfo
    scheme: CompiledScheme
    trace: dict[str, tuple]
    vetoed_by: list[str]
    base_total: Decimal
    base_nodes: dict[str, Decimal]

    def reset(self, editable: bool = True) -> None:
        """Back to the roll-up, before any post-processor ran. ``editable=False`` (no
        post-processor will run) shares the base scores instead of copying them: a
        1,000-subject re-rank spent most of its time copying 200-entry dicts."""
        self.result.total = self.base_total
        self.result.nodes = dict(self.base_nodes) if editable else self.base_nodes
        self.result.flags = ["veto"] if self.vetoed_by else []
        self.result.adjustments = []
        self.result.rank = self.result.grade = None


def _period_input(leaf: Leaf, subject: int, period: int, data: CycleData) -> tuple[Any, Any, str]:
    """The rule's inputs for one period, where they came from, and a note ("" when the
    inputs are complete; "missing"/"rejected" when the leaf must score 0).

    The source is an object the data already holds (a value row, the items or ratings
    list), so the explanation costs no copy; ``explanation.render_period`` reads it."""
    key = (subject, leaf.indicator, period)
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
        other = data.values.get((subject, indicator, period))
        if other is None or other[2] == "rejected":
            return None, sources, f"missing input {name}"
        inputs[name] = Decimal(other[0])
        sources.append(other)
    return inputs, sources, ""


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


def _score_sum(leaf: Leaf, subject: int, data: CycleData) -> tuple[Decimal, list[tuple], Any]:
    """A ``combine: sum`` leaf: its periods' inputs added up, then scored once by the rule
    (daily points: Σ deductions → ``deduction``, 扣完为止; Σ bonus → ``bonus``, capped).
    A period with nothing recorded adds nothing; one whose value is missing an input or
    was rejected is listed with its note and adds nothing either. Returns the rule's
    score, the periods that were recorded (period, source, None, note) and the sum."""
    names = ["value", *leaf.inputs]
    total = dict.fromkeys(names, Decimal(0))
    periods: list[tuple] = []
    for period_id, period_code in leaf.periods:
        inputs, source, note = _period_input(leaf, subject, period_id, data)
        if not source:
            continue  # nothing recorded in this period
        periods.append((period_code, source, None, note))
        if not note:
            for name in names:
                total[name] += inputs[name]
    try:
        return rule_score(leaf.rule, total, leaf.params, leaf.points), periods, total["value"]
    except RuleFailed as failed:
        noted = [(p, source, None, note or failed.note) for p, source, _, note in periods]
        return ZERO, noted, total["value"]


def score_subject(scheme: CompiledScheme, subject: SubjectInfo, data: CycleData) -> Scored:
    trace: dict[str, tuple] = {}
    vetoed_by: list[str] = []
    for leaf in scheme.leaves:
        if leaf.combine == "sum":
            score, recorded, summed = _score_sum(leaf, subject.id, data)
            if leaf.rule.veto:
                if score == 1:
                    vetoed_by.append(leaf.code)
                score = ZERO
            trace[leaf.code] = (quantize(score), recorded, summed)
            continue
        periods, scores = [], []
        for period_id, period_code in leaf.periods:
            inputs, source, note = _period_input(leaf, subject.id, period_id, data)
            try:
                score = ZERO if note else rule_score(leaf.rule, inputs, leaf.params, leaf.points)
            except RuleFailed as failed:
                score, note = ZERO, failed.note
            if leaf.rule.veto:
                if score == 1:
                    vetoed_by.append(leaf.code)
                score = ZERO
            periods.append((period_code, source, score, note))
            scores.append((period_code, score, not note))
        trace[leaf.code] = (_combine(leaf, scores), periods)
    nodes = _roll_up(scheme.nodes, {code: entry[0] for code, entry in trace.items()})
    top = [n["code"] for n in scheme.nodes if n["parent"] is None]
    total = ZERO if vetoed_by else sum((nodes[c] for c in top), ZERO)
    result = UnitResult(
        unit=subject.code,
        name=subject.name,
        group=subject.group,
        parent=subject.parent,
        total=total,
        nodes=dict(nodes),
    )
    if vetoed_by:
        result.flags.append("veto")
    return Scored(result, subject, scheme, trace, vetoed_by, total, nodes)


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
