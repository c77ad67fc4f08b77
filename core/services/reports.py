"""Reports built from stored results, for every channel that prints or draws them: the
performance health report (D-32, D-43), the score notice (成绩通知书), the group ranking
for publication (公示) and the stamp that ties a document to the ledger.

A health report shows one subject's dimension scores against the **group median**, its
standing period by period, and the explanation tree down to ledger seqs. The median is
an aggregate the caller may see even when it may not see the other members' results
(a reporter sees its own units only); it is left out for groups of fewer than three,
where a median would give away a neighbour's score.
"""

from __future__ import annotations

import base64
import statistics
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.domain.assessment import standings
from core.domain.cycles import get_cycle, get_period
from core.domain.inputs.targets import KIND_ZH
from core.domain.models import Subject
from core.kernel.errors import FieldError, NotFound
from core.ledger import checkpoints
from core.ledger.models import LedgerCheckpoint, LedgerLog
from core.services import ledger
from core.services.context import Context, Work
from core.services.results import stored_as_of, visible_subjects

MEDIAN_MIN_GROUP = 3


def _subject(work: Work, kind: object, code: object) -> Subject:
    found = None
    if kind in ("unit", "person") and isinstance(code, str) and len(code) <= 64:
        found = work.session.scalar(
            select(Subject).where(
                Subject.bureau_id == work.bureau.id, Subject.kind == kind, Subject.code == code
            )
        )
    visible = visible_subjects(work)
    if found is None or (visible is not None and found.id not in visible):
        raise NotFound(
            f"{KIND_ZH.get(str(kind), kind)} {code!r} 没有考核结果 (no result for {kind} {code!r})",
            [FieldError(str(kind), "未考核 (not assessed)")],
        )
    return found


def _median(values: list[Decimal]) -> str:
    return str(statistics.median(values).quantize(Decimal("0.01")))


def health(
    ctx: Context, bureau: str, cycle: str, kind: str, code: str, period: str | None = None
) -> dict[str, Any]:
    """One subject's health report: the result (with explanation) of the cycle or one
    period, the group's medians by dimension, and the trend over the cycle's periods."""
    with ctx.current(bureau, "results.read") as work:
        found = get_cycle(work.session, work.bureau, cycle)
        subject = _subject(work, kind, code)
        window = standings.CYCLE if not period else get_period(work.session, found, period).code
        as_of = stored_as_of(work, found, window)
        rows = standings.result_rows(work.session, work.bureau, found, window, [subject.id], True)
        if not rows:
            raise NotFound(
                f"{KIND_ZH.get(kind, kind)} {code!r} 没有考核结果 (no result for {kind} {code!r})",
                [FieldError(kind, "未考核 (not assessed)")],
            )
        result = {**rows[0], "as_of": as_of}
        everyone = standings.result_rows(work.session, work.bureau, found, window)
        peers = [
            r
            for r in everyone
            if r["group"] == result["group"] and r["scheme"] == result["scheme"]
            and r["kind"] == result["kind"]
        ]  # fmt: skip
        medians: dict[str, str] = {}
        if len(peers) >= MEDIAN_MIN_GROUP:
            for dim in result["dimensions"]:
                medians[dim] = _median([Decimal(p["dimensions"][dim]) for p in peers])
            medians["total"] = _median([Decimal(p["total"]) for p in peers])
        trend = []
        for p in sorted(found.periods, key=lambda p: (p.start, p.end)):
            if standings.stored_state(work.session, found, p.code) is None:
                continue
            mine = standings.result_rows(work.session, work.bureau, found, p.code, [subject.id])
            if mine:
                trend.append(
                    {
                        "period": p.code,
                        "kind": p.kind,
                        "total": mine[0]["total"],
                        "attainable": mine[0].get("attainable"),
                        "share": mine[0].get("share"),
                        "rank": mine[0]["rank"],
                    }
                )
        names = {
            n["code"]: n["name"] for n in result["explanation"]["nodes"]
        }  # top-level nodes are the dimensions
        return {
            "result": result,
            "medians": medians,
            "group_size": len(peers),
            "trend": trend,
            "dimension_names": names,
        }


def mask_name(name: str) -> str:
    """A person's name as a public notice shows it: the surname only (张**)."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def publication(
    ctx: Context, bureau: str, cycle: str, group: str | None, period: str | None = None
) -> dict[str, Any]:
    """A group's ranking for publication (公示): rank, name, total and grade only; no
    codes, no personal identifiers, people's names masked (D-41)."""
    with ctx.current(bureau, "results.read") as work:
        if work.unit_scope() is not None:
            from core.kernel.errors import Forbidden

            raise Forbidden(
                "公示名单列出全组，填报人员只能查看本单位 "
                "(a publication lists the whole group; reporters see their own units)"
            )
        found = get_cycle(work.session, work.bureau, cycle)
        window = standings.CYCLE if not period else get_period(work.session, found, period).code
        as_of = stored_as_of(work, found, window)
        rows = [
            r
            for r in standings.result_rows(work.session, work.bureau, found, window)
            if (r["group"] or "") == (group or "")
        ]
        return {
            "bureau": work.bureau.name,
            "cycle": found.code,
            "cycle_name": found.name,
            "period": period,
            "group": group,
            "as_of": as_of,
            "rows": [
                {
                    "rank": r["rank"],
                    "name": r["name"] if r["kind"] == "unit" else mask_name(r["name"]),
                    "total": r["total"],
                    "grade": r["grade_name"],
                }
                for r in rows
            ],
        }


def stamp(ctx: Context, bureau: str, seq: int) -> dict[str, Any]:
    """The signed checkpoint a printed document cites: the oldest one that covers
    ``seq`` (signed now if none does yet, as an inclusion proof would be), so a reader
    can check the document's entries against it."""
    try:
        with ctx.writing(bureau, "bureau.read") as work:
            log = work.session.get(LedgerLog, work.bureau.log_id)
            row = work.session.scalar(
                select(LedgerCheckpoint)
                .where(LedgerCheckpoint.log_id == log.id, LedgerCheckpoint.size > seq)
                .order_by(LedgerCheckpoint.size)
                .limit(1)
            ) or ledger.sign(ctx, work.session, log)
            return {
                "origin": log.origin,
                "seq": seq,
                "size": row.size,
                "root": base64.b64encode(bytes(row.root)).decode(),
                "note": row.note,
                "signed_at": row.created_at.isoformat(timespec="seconds"),
            }
    except checkpoints.InconsistentLog as exc:
        raise ledger._refused(ctx, exc) from exc
