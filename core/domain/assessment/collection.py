"""Data collection besides values (D-13, D-14, D-20…D-24): ratings, expert panels drawn
at random, reviewers' bonus/deduction items and review decisions — all ledger entries.

Every function validates everything first and writes nothing when anything is wrong.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain.access import Principal
from core.domain.cycles import get_cycle, get_period
from core.domain.models import Bureau, EvidenceFile, ExpertPanel, IndicatorValue, User
from core.domain.organisation import get_indicator, get_unit
from core.domain.projections import record
from core.kernel.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    validate_rows,
)
from core.kernel.numbers import as_text, parse_decimal
from core.ledger.store import Appended, Record
from plugins.rules.raters import RATER_ROLES

RATING_MAX = 100
DRAW_ALGORITHM = "sha256-rank-v1"
REVIEW_DECISIONS = ("approved", "rejected")


def required_fields(row: dict, names: Sequence[str]) -> None:
    missing = [f for f in names if row.get(f) in (None, "")]
    if missing:
        raise InvalidInput("missing fields", [FieldError(f, "is required") for f in missing])


def _number(row: dict, name: str, low: int | None = None, high: int | None = None):
    try:
        value = parse_decimal(row[name])
    except ValueError as exc:
        raise InvalidInput(str(exc), [FieldError(name, str(exc))]) from exc
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidInput("out of range", [FieldError(name, f"must be between {low} and {high}")])
    return value


def resolve_target(session: Session, bureau: Bureau, row: dict) -> dict:
    """Resolve (unit, indicator, cycle, period) of a row into ledger data."""
    unit = get_unit(session, bureau, str(row["unit"]))
    indicator = get_indicator(session, bureau, str(row["indicator"]))
    cycle = get_cycle(session, bureau, str(row["cycle"]))
    period = get_period(session, cycle, str(row["period"]))
    return {
        "unit": unit.code,
        "indicator": indicator.code,
        "cycle": cycle.code,
        "period": period.code,
        "_ids": (unit.id, indicator.id, cycle.id, period.id),
    }


def _validated(rows: Sequence[dict], validate: Callable[[dict], dict]) -> list[dict]:
    """Every row valid (see :func:`validate_rows`), without the ids kept for checks."""
    datas = validate_rows(rows, lambda _, row: validate(row))
    for data in datas:
        data.pop("_ids", None)
    return datas


# --------------------------------------------------------------------------- ratings


def submit_ratings(
    session: Session,
    bureau: Bureau,
    rows: Sequence[dict[str, Any]],
    who: Principal | None,
    actor: str,
) -> list[Appended]:
    """Ratings by role (D-13). Experts rate only as ``expert``, as themselves, and only
    where they were drawn onto the indicator's panel (D-14)."""

    def validate(row: dict) -> dict:
        required_fields(row, ("unit", "indicator", "cycle", "period", "role", "score"))
        data = resolve_target(session, bureau, row)
        role = str(row["role"])
        if role not in RATER_ROLES:
            raise InvalidInput(
                "unknown role", [FieldError("role", f"one of {', '.join(RATER_ROLES)}")]
            )
        rater = str(row.get("rater") or (who.username if who else actor))
        if who is not None and who.role == "expert" and (role != "expert" or rater != who.username):
            raise Forbidden(
                "an expert rates as themselves", [FieldError("rater", "must be you, as expert")]
            )
        if role == "expert":
            _check_panel(session, data["_ids"][2], data["_ids"][1], rater)
        data.update(
            role=role, rater=rater[:100], score=as_text(_number(row, "score", 0, RATING_MAX))
        )
        if row.get("comment"):
            data["comment"] = str(row["comment"])[:2000]
        return data

    datas = _validated(rows, validate)
    return record(session, bureau.log_id, [Record("rating.submitted", d, actor) for d in datas])


def _check_panel(session: Session, cycle_id: int, indicator_id: int, rater: str) -> None:
    panel = session.get(ExpertPanel, (cycle_id, indicator_id))
    if panel is None:
        raise Conflict(
            "no expert panel drawn", [FieldError("indicator", "draw a panel for it first")]
        )
    if rater not in panel.members.split(","):
        raise Forbidden(
            "not on the panel", [FieldError("rater", f"{rater} was not drawn (seq {panel.seq})")]
        )


# --------------------------------------------------------------------------- expert panels


def draw(pool: Sequence[str], size: int, seed: str) -> list[str]:
    """The reproducible draw (D-14): rank the pool by SHA-256(seed ‖ ":" ‖ member) and
    take the first ``size``. Anyone with the seed and pool from the ledger can redo it
    with nothing but SHA-256."""
    key = lambda m: hashlib.sha256(f"{seed}:{m}".encode()).hexdigest()  # noqa: E731
    return sorted(sorted(set(pool), key=key)[:size])


def draw_panel(
    session: Session,
    bureau: Bureau,
    cycle_code: str,
    indicator_code: str,
    size: int,
    actor: str,
    pool: Sequence[str] | None = None,
    seed: str | None = None,
) -> tuple[Appended, list[str]]:
    """Draw ``size`` experts from the pool (default: the bureau's expert users) and record
    pool, seed and members; a new draw for the same indicator replaces the panel."""
    cycle = get_cycle(session, bureau, cycle_code)
    indicator = get_indicator(session, bureau, indicator_code)
    experts = sorted(
        session.scalars(
            select(User.username).where(User.bureau_id == bureau.id, User.role == "expert")
        )
    )
    pool = sorted(set(pool)) if pool else experts
    errors = []
    unknown = sorted(set(pool) - set(experts))
    if unknown:
        errors.append(FieldError("pool", f"not expert users of the bureau: {', '.join(unknown)}"))
    if not isinstance(size, int) or not 1 <= size <= len(pool):
        errors.append(FieldError("size", f"between 1 and the pool's {len(pool)} experts"))
    if errors:
        raise InvalidInput("cannot draw the panel; nothing was written", errors)
    seed = seed or secrets.token_hex(16)
    members = draw(pool, size, seed)
    data = {
        "cycle": cycle.code,
        "indicator": indicator.code,
        "pool": pool,
        "size": size,
        "seed": seed,
        "algorithm": DRAW_ALGORITHM,
        "members": members,
    }
    (entry,) = record(session, bureau.log_id, [Record("panel.drawn", data, actor)])
    return entry, members


# --------------------------------------------------------------------------- reviewers


def record_items(
    session: Session, bureau: Bureau, rows: Sequence[dict[str, Any]], actor: str
) -> list[Appended]:
    """Bonus or deduction items (加分/扣分项, D-10, D-16): a quantity (occurrences, or
    points for ``source: items`` leaves) with the reason and optional evidence hashes."""

    def validate(row: dict) -> dict:
        required_fields(row, ("unit", "indicator", "cycle", "period", "quantity", "reason"))
        data = resolve_target(session, bureau, row)
        data["quantity"] = as_text(_number(row, "quantity", 0, 10**9))
        data["reason"] = str(row["reason"])[:2000]
        data["evidence"] = evidence_hashes(session, bureau, row.get("evidence", []))
        return data

    datas = _validated(rows, validate)
    return record(session, bureau.log_id, [Record("item.recorded", d, actor) for d in datas])


def evidence_hashes(session: Session, bureau: Bureau, values: Any) -> list[str]:
    """SHA-256 digests of evidence already attached in this bureau (``jixiao evidence
    attach`` first), so a citation always points at stored bytes."""
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InvalidInput("bad evidence", [FieldError("evidence", "a list of SHA-256 digests")])
    known = set(
        session.scalars(
            select(EvidenceFile.sha256).where(
                EvidenceFile.bureau_id == bureau.id, EvidenceFile.sha256.in_(values)
            )
        )
    )
    unknown = [v for v in values if v not in known]
    if unknown:
        raise InvalidInput(
            "unknown evidence",
            [FieldError("evidence", f"not attached in this bureau: {', '.join(unknown)}")],
        )
    return list(values)


def decide_review(
    session: Session, bureau: Bureau, value_seq: int, decision: str, note: str, actor: str
) -> Appended:
    """A reviewer approves or rejects the current value (human review of flagged data,
    D-23). A rejected value scores as missing until a correction is recorded."""
    if decision not in REVIEW_DECISIONS:
        raise InvalidInput(
            "unknown decision", [FieldError("decision", f"one of {', '.join(REVIEW_DECISIONS)}")]
        )
    row = session.scalar(
        select(IndicatorValue)
        .join(IndicatorValue.unit)
        .where(IndicatorValue.seq == value_seq, IndicatorValue.unit.has(bureau_id=bureau.id))
    )
    if row is None:
        raise NotFound(
            f"seq {value_seq} is not a current value",
            [FieldError("seq", "not the current value of any unit, indicator and period")],
        )
    data = {
        "value_seq": value_seq,
        "unit": row.unit.code,
        "indicator": row.indicator.code,
        "cycle": row.period.cycle.code,
        "period": row.period.code,
        "decision": decision,
        "note": note[:2000],
    }
    (entry,) = record(session, bureau.log_id, [Record("review.decided", data, actor)])
    return entry
