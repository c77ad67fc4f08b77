"""Results as a projection: stored rows per (cycle window, subject), brought up to date
before they are read, read without computing.

**Marks.** Projectors mark what an entry invalidates (a subject in a cycle, a whole
cycle, or every cycle: see ``invalidate`` in :mod:`core.domain.assessment.projectors`);
before the unit of work commits, :func:`mark_pending` stores the marks in
``result_pending``. A write thus costs a few inserts, however many windows it touches
(a single-value write had spent 200 ms rescoring five windows).

**Refresh.** Before results are read, and in between by the server's refresher,
:func:`refresh_pending` takes the marks under the bureau's log lock and rescores just
those subjects in every window they appear in (the cycle and its month/quarter/half/
year standings), then ranks, grades and post-processes each affected group again from
the stored base scores of the others, and writes what changed. Many writes between two
reads are rescored once. A window's state records the ledger size it reflects.

**Engines in memory.** Rebuilding the other subjects' base scores from their rows costs
more than the rescoring itself in a 1,000-subject cycle, so the last engine of each
window is kept in the process, keyed by the ledger size it reflects; it is used only if
the stored state still says that size (nobody else wrote), and it is put back only after
the transaction committed.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import orjson
from sqlalchemy import Insert, Select, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from core.domain.assessment.compiled import published_schemes
from core.domain.assessment.cycle_data import CycleData
from core.domain.assessment.explanation import explain, render_trace
from core.domain.assessment.projectors import ANY_CYCLE, INVALIDATED
from core.domain.assessment.results import ResultsEngine, load_subjects
from core.domain.assessment.scoring import Scored
from core.domain.lookups import cycle_id as cycle_id_of
from core.domain.models import (
    Bureau,
    Cycle,
    Period,
    ResultPending,
    ResultRow,
    ResultState,
    Scheme,
    Subject,
)
from core.domain.replay import SNAPSHOTS
from core.kernel import queries
from core.kernel.numbers import as_text
from core.ledger.models import LedgerLog
from core.plugin_api import PostProcessor, RuleType, UnitResult

STANDING_KINDS = ("month", "quarter", "half", "year")
CYCLE = ""


def windows(cycle: Cycle) -> list[Period | None]:
    """The cycle itself (None) and the periods with a standing of their own."""
    return [None] + [
        p
        for p in cycle.periods
        if p.kind in STANDING_KINDS and not (p.start == cycle.start and p.end == cycle.end)
    ]


@dataclass
class _Cached:
    as_of: int
    schemes: str
    engine: ResultsEngine


class EngineCache:
    """The last engine of each (bureau, cycle, window) in this process."""

    def __init__(self) -> None:
        self._entries: dict[tuple[int, int, str], _Cached] = {}
        self._lock = threading.Lock()

    def take(self, key: tuple[int, int, str]) -> _Cached | None:
        with self._lock:
            return self._entries.pop(key, None)

    def put(self, key: tuple[int, int, str], entry: _Cached) -> None:
        with self._lock:
            self._entries[key] = entry


@dataclass
class RefreshPlan:
    """What one unit of work must refresh: cycle → subject ids (None: all)."""

    cycles: dict[int, set[int] | None]

    @classmethod
    def from_marks(cls, session: Session, bureau: Bureau, marks: Mapping) -> RefreshPlan:
        if ANY_CYCLE in marks:
            cycles = {
                c.code: c.id
                for c in session.scalars(select(Cycle).where(Cycle.bureau_id == bureau.id))
            }
        else:  # the cycles a write named: their ids are usually remembered already
            found = ((code, cycle_id_of(session, bureau.id, code)) for code in marks)
            cycles = {code: found_id for code, found_id in found if found_id is not None}
        out: dict[int, set[int] | None] = {}

        def add(cycle_id: int, subjects: set[int] | None) -> None:
            if subjects is None or out.get(cycle_id, set()) is None:
                out[cycle_id] = None
            else:
                out.setdefault(cycle_id, set()).update(subjects)

        for code, subjects in marks.items():
            targets = (
                cycles.values() if code == ANY_CYCLE else [cycles[code]] if code in cycles else []
            )
            for cycle_id in targets:
                add(cycle_id, None if subjects is None else set(subjects))
        return cls(out)


ALL_SUBJECTS = 0
"""In ``result_pending``: every subject of the cycle."""


def mark_pending(session: Session, bureau: Bureau) -> None:
    """Record what this unit of work invalidated (the projectors' marks), to be
    rescored before the results are next read; a write pays for a few inserts, not for
    rescoring five windows."""
    marks = session.info.pop(INVALIDATED, None)
    if not marks:
        return
    plan = RefreshPlan.from_marks(session, bureau, marks)
    pending = [
        {"bureau_id": bureau.id, "cycle_id": cycle_id, "subject_id": subject}
        for cycle_id, subjects in plan.cycles.items()
        for subject in ([ALL_SUBJECTS] if subjects is None else sorted(subjects))
    ]
    if not pending:
        return
    queries.write(session, _insert_pending(session.get_bind().dialect.name), pending)


@cache
def _insert_pending(dialect: str) -> Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` into ``result_pending``, built once per
    dialect and run with the rows as parameters (a statement carrying its rows as
    values was compiled afresh for every write)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    return upsert(ResultPending.__table__).on_conflict_do_nothing()


def has_pending(session: Session, bureau: Bureau) -> bool:
    return (
        session.scalar(
            select(ResultPending.cycle_id).where(ResultPending.bureau_id == bureau.id).limit(1)
        )
        is not None
    )


def pending_bureaus(session: Session) -> list[int]:
    return list(session.scalars(select(ResultPending.bureau_id).distinct()))


def refresh_pending(
    session: Session,
    bureau: Bureau,
    rule_types: Mapping[str, RuleType],
    post_processors: Mapping[str, PostProcessor],
    cache: EngineCache,
    after_commit: Callable[[Callable[[], None]], None],
) -> int:
    """Rescore what the marks name, in every window, and clear the marks; returns how
    many subjects were rescored. The caller holds the bureau's log lock, so no write
    adds marks or entries meanwhile and the rows reflect the log's size exactly."""
    mark_pending(session, bureau)  # this unit of work's own marks too
    rows = session.execute(
        select(ResultPending.cycle_id, ResultPending.subject_id).where(
            ResultPending.bureau_id == bureau.id
        )
    ).all()
    if not rows:
        return 0
    cycles: dict[int, set[int] | None] = {}
    for cycle_id, subject in rows:
        if subject == ALL_SUBJECTS or cycles.get(cycle_id, set()) is None:
            cycles[cycle_id] = None
        else:
            cycles.setdefault(cycle_id, set()).add(subject)
    session.execute(delete(ResultPending).where(ResultPending.bureau_id == bureau.id))
    return refresh_plan(
        session, bureau, RefreshPlan(cycles), rule_types, post_processors, cache, after_commit
    )


def refresh(
    session: Session,
    bureau: Bureau,
    rule_types: Mapping[str, RuleType],
    post_processors: Mapping[str, PostProcessor],
    cache: EngineCache,
    after_commit: Callable[[Callable[[], None]], None],
) -> int:
    """Rescore at once what this unit of work invalidated (a rebuild from the ledger)."""
    marks = session.info.pop(INVALIDATED, None)
    if not marks:
        return 0
    plan = RefreshPlan.from_marks(session, bureau, marks)
    return refresh_plan(session, bureau, plan, rule_types, post_processors, cache, after_commit)


def refresh_plan(
    session: Session,
    bureau: Bureau,
    plan: RefreshPlan,
    rule_types: Mapping[str, RuleType],
    post_processors: Mapping[str, PostProcessor],
    cache: EngineCache,
    after_commit: Callable[[Callable[[], None]], None],
) -> int:
    """Rescore the plan's subjects in every window of their cycles."""
    as_of = session.get(LedgerLog, bureau.log_id).size
    rescored = 0
    for cycle_id, subjects in plan.cycles.items():
        cycle = session.get(Cycle, cycle_id)
        for within in windows(cycle):
            rescored += _refresh_window(
                session, bureau, cycle, within, subjects, rule_types, post_processors,
                cache, as_of, after_commit,
            )  # fmt: skip
    return rescored


def _refresh_window(
    session: Session,
    bureau: Bureau,
    cycle: Cycle,
    within: Period | None,
    subjects: set[int] | None,
    rule_types: Mapping[str, RuleType],
    post_processors: Mapping[str, PostProcessor],
    cache: EngineCache,
    as_of: int,
    after_commit: Callable[[Callable[[], None]], None],
) -> int:
    window = within.code if within else CYCLE
    key = (bureau.id, cycle.id, window)
    state = session.get(ResultState, (cycle.id, window))
    schemes = ",".join(
        sorted(f"{s.code}@{s.version}" for s in published_schemes(session, cycle.id))
    )
    if not schemes and state is None:
        return 0
    cached = cache.take(key)
    full = subjects is None or state is None or state.schemes != schemes
    warm = not full and cached is not None and cached.as_of == state.as_of
    if warm and cached.schemes == schemes:
        engine = cached.engine
        engine.session = session
    else:
        warm = False
        engine = ResultsEngine(session, bureau, cycle, rule_types, post_processors, within)
    posted = within is None and any(scheme.post for scheme in engine.schemes)
    # A warm engine is what the stored rows hold (its ``as_of`` is theirs): what a
    # re-rank changed is found by comparing it before and after, not the rows.
    ranked = _ranked(engine) if warm and not posted else None
    stored_rows = (
        dict.fromkeys(ranked)
        if ranked is not None
        else _stored_rows(session, cycle, window, not full and not warm, posted)
    )
    if full:
        engine.compute()
        rescored = set(engine.scored)
    else:
        if not warm:
            _adopt(engine, stored_rows)
        engine.refresh(subjects)
        rescored = set(subjects) & set(engine.scored)
    _write(session, engine, cycle, window, stored_rows, rescored, ranked)
    if state is None:
        state = ResultState(cycle_id=cycle.id, window=window, as_of=as_of, schemes=schemes)
        session.add(state)
    state.as_of, state.schemes = as_of, schemes
    session.flush()
    for scored in engine.scored.values():
        scored.trace = None  # persisted: the cached engine keeps scores, not traces
    after_commit(lambda: cache.put(key, _Cached(as_of, schemes, engine)))
    return len(rescored)


_COMPARED = ("scheme_code", "scheme_version", "total", "base_total", "rank", "grade",
             "group_size")  # fmt: skip
"""The columns a refresh compares for every subject; the rest (the trees) are loaded
only where they are needed, since 1,000 rows of them took most of a refresh's time."""


def _stored_rows(
    session: Session, cycle: Cycle, window: str, adopting: bool, posted: bool
) -> dict[int, dict[str, Any]]:
    """A window's stored rows as plain dicts of the columns this refresh compares;
    base scores too when a fresh engine adopts them, the trees too when
    post-processors may change them. Plain rows, not ORM objects: building 1,000
    objects per window took most of a refresh's time."""
    columns = _COMPARED
    if adopting:
        columns += ("base_nodes", "vetoed_by")
    if posted:
        columns += ("flags", "nodes", "adjustments")
    found = queries.fetch(
        session, _stored_statement(columns), {"cycle": cycle.id, "window": window}
    )
    return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in found}


@cache
def _stored_statement(columns: tuple[str, ...]) -> Select:
    """Built once per column set (a refresh reads 1,000 rows through the driver: the
    compared columns are integers and text, which need no conversion)."""
    return select(ResultRow.subject_id, *(getattr(ResultRow, c) for c in columns)).where(
        ResultRow.cycle_id == bindparam("cycle"), ResultRow.window == bindparam("window")
    )


def _adopt(engine: ResultsEngine, rows: Mapping[int, Mapping[str, Any]]) -> None:
    """Load the stored base scores of every subject into a fresh engine, so only the
    invalidated ones need scoring."""
    schemes = {(s.code, s.version): s for s in engine.schemes}
    infos = {s.id: s for s in load_subjects(engine.session, engine.bureau.id, list(rows))}
    for subject_id, row in rows.items():
        scheme = schemes.get((row["scheme_code"], row["scheme_version"]))
        info = infos.get(subject_id)
        if scheme is None or info is None:
            continue
        base_nodes = {k: Decimal(v) for k, v in json.loads(row["base_nodes"]).items()}
        base_total = Decimal(row["base_total"])
        result = UnitResult(
            info.code, info.name, info.group, info.parent, base_total, dict(base_nodes)
        )
        vetoed = json.loads(row["vetoed_by"])
        engine.scored[subject_id] = Scored(
            result, info, scheme, None, vetoed, base_total, base_nodes
        )
    engine._ratings = _ratings_for(engine)


def _ratings_for(engine: ResultsEngine) -> dict:
    if not any(s.post for s in engine.schemes):
        return {}
    return CycleData.load_ratings(engine.session, [p.id for p in engine.periods])


def _attainable(engine: ResultsEngine, scored: Scored, known: dict[str, str | None]) -> str | None:
    """A period window's attainable points for the subject's scheme (None for the cycle)."""
    key = f"{scored.scheme.code}@{scored.scheme.version}"
    if key not in known:
        found = engine.attainable(scored.scheme) if engine.within else None
        known[key] = None if found is None else as_text(found)
    return known[key]


def _row_values(engine: ResultsEngine, scored: Scored, full: bool) -> dict[str, Any]:
    """The stored columns of a subject's row. ``full=False`` leaves out what only
    rescoring or a post-processor can change (nodes, flags, adjustments): re-ranking
    a group changes the others' rank, grade and group size, not their trees, and
    dumping 200 node scores for each of 1,000 untouched subjects cost seconds."""
    r = scored.result
    sizes = _group_sizes(engine)
    code = scored.scheme.code
    values = {
        "scheme_code": code,
        "scheme_version": scored.scheme.version,
        "total": as_text(r.total),
        "base_total": as_text(scored.base_total),
        "rank": r.rank,
        "grade": r.grade,
        "group_size": sizes[code],
    }
    if full:
        values.update(
            flags=json.dumps(sorted(set(r.flags)), ensure_ascii=False),
            nodes=_dump_numbers(r.nodes),
            adjustments=json.dumps(r.adjustments, ensure_ascii=False, default=str),
        )
    return values


def _group_sizes(engine: ResultsEngine) -> dict[str, int]:
    sizes = engine.__dict__.get("_sizes")
    if sizes is None:
        sizes = engine.__dict__["_sizes"] = _count_by_scheme(engine)
    return sizes


def _count_by_scheme(engine: ResultsEngine) -> Counter[str]:
    """Subjects per scheme code: a group's size, as the engine holds it now."""
    return Counter(s.scheme.code for s in engine.scored.values())


def _ranked(engine: ResultsEngine) -> dict[int, tuple]:
    """Per subject, what a re-rank may change of its stored row, as the engine holds
    it: the scheme and the total and base total as objects (compared by identity in
    :func:`_moved`, since 80.0 and 80.00 are equal but not written alike), then rank,
    grade and group size."""
    sizes = _count_by_scheme(engine)
    return {
        sid: (
            s.scheme,
            s.result.total,
            s.base_total,
            s.result.rank,
            s.result.grade,
            sizes[s.scheme.code],
        )
        for sid, s in engine.scored.items()
    }


def _moved(before: tuple | None, now: tuple) -> bool:
    if before is None:
        return True
    return (
        not (before[0] is now[0] and before[1] is now[1] and before[2] is now[2])
        or before[3:] != now[3:]
    )


def _dump_numbers(values: Mapping[str, Decimal]) -> str:
    return json.dumps({k: as_text(v) for k, v in values.items()}, sort_keys=True)


def _write(
    session: Session,
    engine: ResultsEngine,
    cycle: Cycle,
    window: str,
    stored: Mapping[int, Mapping[str, Any] | None],
    rescored: set[int],
    ranked: Mapping[int, tuple] | None = None,
) -> None:
    """Store what changed: new rows, whole rows of rescored subjects, and the compared
    columns of the rest (a re-rank moves others' ranks and grades, not their trees).
    With ``ranked`` (the warm engine's rows before this refresh, see :func:`_ranked`),
    ``stored`` only says which rows exist, and a row whose ranked values did not move
    is left alone without being rendered."""
    engine.__dict__.pop("_sizes", None)
    now = _ranked(engine) if ranked is not None else {}
    key = {"cycle_id": cycle.id, "window": window}
    gone = set(stored) - set(engine.scored)
    if gone:
        session.execute(
            delete(ResultRow).where(
                ResultRow.cycle_id == cycle.id,
                ResultRow.window == window,
                ResultRow.subject_id.in_(gone),
            )
        )
    posted = engine.within is None and any(scheme.post for scheme in engine.schemes)
    attainable: dict[str, str | None] = {}
    inserts: list[dict[str, Any]] = []
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for subject_id, scored in engine.scored.items():
        exists = subject_id in stored
        moved = (
            ranked is None
            or subject_id in rescored
            or _moved(ranked.get(subject_id), now[subject_id])
        )
        if exists and not moved:
            continue
        row = stored.get(subject_id)
        full = posted or not exists or subject_id in rescored
        values = _row_values(engine, scored, full)
        if subject_id in rescored or not exists:  # attainable changes only with the scheme
            values.update(
                attainable=_attainable(engine, scored, attainable),
                base_nodes=_dump_numbers(scored.base_nodes),
                vetoed_by=json.dumps(scored.vetoed_by),
                trace=json.dumps(render_trace(scored), ensure_ascii=False),
            )
        if not exists:
            inserts.append({**key, "subject_id": subject_id, **values})
            continue
        if row is None:  # ranked: the row holds what the engine held, and that moved
            changed = values
        else:
            changed = {k: v for k, v in values.items() if k not in row or row[k] != v}
        if changed:
            updates.setdefault(tuple(sorted(changed)), []).append(
                {**key, "subject_id": subject_id, **changed}
            )
    if inserts:
        session.execute(insert(ResultRow), inserts)
    for batch in updates.values():  # ORM bulk UPDATE by primary key, one per column set
        session.execute(update(ResultRow), batch)
    for found in [o for o in session.identity_map.values() if isinstance(o, ResultRow)]:
        session.expire(found)  # bulk statements leave loaded objects as they were


# --------------------------------------------------------------------------- reads


class SchemeDefinitions:
    """Scheme definitions by (code, version), loaded once per read."""

    def __init__(self, session: Session, cycle: Cycle) -> None:
        self.session = session
        self.cycle = cycle
        self._found: dict[tuple[str, int], dict] = {}

    def get(self, code: str, version: int) -> dict:
        key = (code, version)
        if key not in self._found:
            scheme = self.session.scalar(
                select(Scheme).where(
                    Scheme.cycle_id == self.cycle.id, Scheme.code == code, Scheme.version == version
                )
            )
            definition = json.loads(scheme.definition)
            self._found[key] = {
                "definition": definition,
                "dimensions": [n["code"] for n in definition["nodes"] if n["parent"] is None],
                "grades": {g["code"]: g["name"] for g in definition.get("grades", [])},
                "imported_seq": scheme.imported_seq,
                "published_seq": scheme.published_seq,
                "group": scheme.group_code,
                "subject": scheme.subject_kind,
            }
        return self._found[key]


def row_dict(row: Any, info: Any, definitions: SchemeDefinitions, window: str) -> dict[str, Any]:
    """One stored row as the API shows it; ``row`` has the stored columns (a plain
    result row, not an ORM object: a ranking reads 1,000 of them) and ``info`` is the
    subject as :func:`load_subjects` sees it."""
    scheme = definitions.get(row.scheme_code, row.scheme_version)
    nodes = orjson.loads(row.nodes)  # ~200 scores; orjson reads a ranking's 3× faster
    out = {
        "subject": info.code,
        "kind": info.kind,
        "unit": info.unit,
        "name": info.name,
        "group": info.group,
        "scheme": row.scheme_code,
        "version": row.scheme_version,
        "total": row.total,
        "rank": row.rank,
        "group_size": row.group_size,
        "grade": row.grade,
        "grade_name": scheme["grades"].get(row.grade),
        "flags": orjson.loads(row.flags),
        "dimensions": {code: nodes[code] for code in scheme["dimensions"]},
    }
    if info.kind == "person":
        out["person"] = info.code
    if window:
        out["period"] = window
        out["attainable"] = row.attainable
        attainable = Decimal(row.attainable or "0")
        out["share"] = (
            as_text((Decimal(row.total) / attainable).quantize(Decimal("0.0001")))
            if attainable
            else None
        )
    return out


def explanation(row: Any, definitions: SchemeDefinitions) -> dict:
    scheme = definitions.get(row.scheme_code, row.scheme_version)
    definition = scheme["definition"]
    view = _SchemeView(definition, row.scheme_code, row.scheme_version, scheme)
    return explain(
        view,  # type: ignore[arg-type]
        json.loads(row.trace),
        json.loads(row.nodes),
        row.total,
        json.loads(row.adjustments),
        json.loads(row.vetoed_by),
    )


@dataclass
class _SchemeView:
    """What :func:`explain` needs of a scheme, from its stored definition."""

    definition: dict
    code: str
    version: int
    meta: dict

    @property
    def nodes(self) -> list[dict]:
        return self.definition["nodes"]

    def describe(self) -> dict:
        return {
            "code": self.code,
            "version": self.version,
            "group": self.meta["group"],
            "subject": self.meta["subject"],
            "imported_seq": self.meta["imported_seq"],
            "published_seq": self.meta["published_seq"],
        }


def stored_state(session: Session, cycle: Cycle, window: str) -> ResultState | None:
    return session.get(ResultState, (cycle.id, window))


def result_rows(
    session: Session,
    bureau: Bureau,
    cycle: Cycle,
    window: str,
    subject_ids: Iterable[int] | None = None,
    with_explanation: bool = False,
) -> list[dict]:
    """Stored rows of a cycle window, ordered by group, rank and code. Plain column
    rows, not ORM objects: building 1,000 of each (result and subject) took half of a
    ranking's time; the trees, most of a row's bytes, only with the explanation."""
    columns = _SHOWN + (_EXPLAINED if with_explanation else ())
    stmt = select(*(getattr(ResultRow, c) for c in columns)).where(
        ResultRow.cycle_id == cycle.id, ResultRow.window == window
    )
    if subject_ids is not None:
        stmt = stmt.where(ResultRow.subject_id.in_(list(subject_ids)))
    found = session.execute(stmt).all()
    infos = {s.id: s for s in load_subjects(session, bureau.id, [r.subject_id for r in found])}
    definitions = SchemeDefinitions(session, cycle)
    rows = []
    for row in found:
        out = row_dict(row, infos[row.subject_id], definitions, window)
        if with_explanation:
            out["explanation"] = explanation(row, definitions)
        rows.append(out)
    rows.sort(key=lambda r: (r["kind"], r["group"] or "", r["rank"] or 0, r["subject"]))
    return rows


_SHOWN = ("subject_id", "scheme_code", "scheme_version", "total", "rank", "grade",
          "group_size", "flags", "nodes", "attainable")  # fmt: skip
_EXPLAINED = ("trace", "adjustments", "vetoed_by")


def _snapshot() -> Any:
    """Stored results by natural keys, for replay (``as_of`` is left out: a rebuild is
    computed once, at the end, where the live rows were refreshed write by write)."""
    return (
        select(
            Bureau.code,
            Cycle.code,
            ResultRow.window,
            Subject.kind,
            Subject.code,
            ResultRow.scheme_code,
            ResultRow.scheme_version,
            ResultRow.total,
            ResultRow.base_total,
            ResultRow.rank,
            ResultRow.grade,
            ResultRow.group_size,
            ResultRow.flags,
            ResultRow.nodes,
            ResultRow.adjustments,
            ResultRow.vetoed_by,
            ResultRow.trace,
            ResultRow.attainable,
        )
        .join(Cycle, ResultRow.cycle_id == Cycle.id)
        .join(Subject, ResultRow.subject_id == Subject.id)
        .join(Bureau, Cycle.bureau_id == Bureau.id)
    )


SNAPSHOTS["results"] = _snapshot
