"""Reviewers' bonus and deduction items (加分/扣分项, D-10, D-16) and review decisions on
recorded values (人工复核, D-23): recorded, corrected or withdrawn, never edited.

An item is a quantity (occurrences, or points for ``source: items`` leaves) with its
reason and evidence hashes; an audit or inspection finding is cited in ``finding``
(D-16). A correction names the item's seq and replaces it; a withdrawal removes it from
the score. A review decision approves or rejects the *current* value; a rejected value
scores as missing until it is corrected; a decision can itself be corrected or withdrawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from core.domain.inputs.targets import Target, resolve
from core.domain.inputs.values import seq_field
from core.domain.models import EvidenceFile, IndicatorValue, ScoreItem, Subject
from core.domain.work import BureauWork
from core.kernel.errors import Conflict, FieldError, InvalidInput, NotFound, invalid, validate_rows
from core.kernel.numbers import as_text, parse_decimal
from core.kernel.text import NOTE_MAX, REASON_MAX, check_text
from core.ledger.store import Record
from core.plugin_api import Event

REVIEW_DECISIONS = ("approved", "rejected")
QUANTITY_MAX = 10**9


def quantity_in(row: dict, name: str = "quantity") -> str:
    """A quantity above 0: an item of none changes no score, and is always a slip (an
    item that should not count is withdrawn, which the ledger shows as such)."""
    try:
        value = parse_decimal(row.get(name))
    except ValueError as exc:
        raise invalid(name, str(exc)) from exc
    if value <= 0:
        raise invalid(
            name,
            "须大于 0，不计的项请撤回 "
            "(must be more than 0: withdraw an item that should not count)",
        )
    if value > QUANTITY_MAX:
        raise invalid(name, f"不得超过 {QUANTITY_MAX} (must be at most {QUANTITY_MAX})")
    return as_text(value)


def evidence_hashes(work: BureauWork, values: Any, unit: Any = None) -> list[str]:
    """SHA-256 digests of evidence already attached in this bureau, so a citation always
    points at stored bytes; with ``unit`` (a Unit), attached for that unit, as a value's
    evidence must be: an appeal citing another unit's file would show it to the appeal's
    readers, and tell a reporter whether a file exists in units it cannot see."""
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(v, str) and len(v) == 64 for v in values):
        raise invalid(
            "evidence",
            "须为 SHA-256 摘要列表（64 位十六进制） "
            "(a list of SHA-256 digests (64 hex characters))",
        )
    stmt = select(EvidenceFile.sha256).where(
        EvidenceFile.bureau_id == work.bureau.id, EvidenceFile.sha256.in_(values)
    )
    if unit is not None:
        stmt = stmt.where(EvidenceFile.unit_id == unit.id)
    known = set(work.session.scalars(stmt))
    unknown = [v for v in values if v not in known]
    if unknown:
        missing = ", ".join(unknown)
        if unit is not None:
            raise invalid(
                "evidence",
                f"佐证材料未上传到 {unit.code}：{missing} "
                f"(not attached for {unit.code}: {missing})",
            )
        raise invalid(
            "evidence", f"未上传到本局：{missing} (not attached in this bureau: {missing})"
        )
    return list(values)


def live_item(
    work: BureauWork, seq: int | None, target: Target | None = None, field: str = "corrects"
) -> ScoreItem:
    """The live item with ledger seq ``seq`` (for ``target``, if given); a refusal names
    ``field``, the caller's name for the seq (``corrects``, or ``withdraws``)."""
    item = work.session.get(ScoreItem, (seq, work.bureau.id)) if seq is not None else None
    if item is None:
        raise Conflict(
            f"第 {seq} 条不是本局现行的加扣分项（已更正或撤回？） "
            f"(seq {seq} is not a live item of this bureau (corrected or withdrawn already?))",
            [FieldError(field, "不是现行的加扣分项 (not a live item)")],
        )
    if target is not None and (item.subject_id, item.indicator_id, item.period_id) != target.key:
        raise invalid(
            field,
            f"第 {seq} 条加扣分项针对的是其他对象、指标或期间 "
            f"(item {seq} is about another subject, indicator or period)",
        )
    return item


def record_items(
    work: BureauWork, rows: Sequence[dict[str, Any]], appeal: str | None = None
) -> list[Event]:
    """Record (or correct, with ``corrects``) bonus/deduction items: all rows or none."""
    corrected: dict[int, int] = {}

    def validate(number: int, row: dict) -> dict:
        target = resolve(work, row, number)
        data: dict[str, Any] = target.data()
        data["quantity"] = quantity_in(row)
        data["reason"] = check_text("reason", row.get("reason"), NOTE_MAX, multiline=True)
        data["evidence"] = evidence_hashes(work, row.get("evidence"))
        finding = check_text("finding", row.get("finding"), 200, required=False)
        if finding:
            data["finding"] = finding
        corrects = seq_field(row, "corrects")
        if corrects is not None:
            live_item(work, corrects, target)
            if corrects in corrected:
                earlier = corrected[corrects]
                raise invalid(
                    "corrects",
                    f"第 {earlier} 行更正的是同一项 (row {earlier} corrects the same item)",
                )
            corrected[corrects] = number
            data["corrects"] = corrects
        if appeal:
            data["appeal"] = appeal
        return data

    datas = validate_rows(rows, validate)
    return work.log.record_many([Record("item.recorded", d, work.actor) for d in datas])


def withdraw_item(
    work: BureauWork, seq: object, reason: object, appeal: str | None = None
) -> Event:
    """Withdraw a live item: it no longer counts (the entry stays on the record)."""
    item = live_item(
        work, seq_field({"withdraws": seq}, "withdraws", required=True), field="withdraws"
    )
    data = _item_target(work, item)
    data.update(withdraws=item.seq, reason=check_text("reason", reason, REASON_MAX, multiline=True))
    if appeal:
        data["appeal"] = appeal
    return work.log.record("item.withdrawn", data)


def _item_target(work: BureauWork, item: ScoreItem) -> dict[str, Any]:
    from core.domain.models import Indicator, Period

    subject = work.session.get(Subject, item.subject_id)
    period = work.session.get(Period, item.period_id)
    return {
        subject.kind: subject.code,
        "indicator": work.session.get(Indicator, item.indicator_id).code,
        "cycle": period.cycle.code,
        "period": period.code,
    }


def live_items(work: BureauWork, target: Target) -> list[ScoreItem]:
    return list(
        work.session.scalars(
            select(ScoreItem)
            .where(
                ScoreItem.bureau_id == work.bureau.id,
                ScoreItem.subject_id == target.subject.id,
                ScoreItem.indicator_id == target.indicator.id,
                ScoreItem.period_id == target.period.id,
            )
            .order_by(ScoreItem.seq)
        )
    )


# --------------------------------------------------------------------------- reviews


def current_value_by_seq(work: BureauWork, value_seq: object) -> IndicatorValue:
    seq = seq_field({"seq": value_seq}, "seq", required=True)
    row = work.session.scalar(
        select(IndicatorValue)
        .join(Subject, IndicatorValue.subject_id == Subject.id)
        .where(IndicatorValue.seq == seq, Subject.bureau_id == work.bureau.id)
    )
    if row is None:
        raise NotFound(
            f"第 {seq} 条不是现行数据 (seq {seq} is not a current value)",
            [
                FieldError(
                    "seq",
                    "不是任何对象、指标和期间的现行数据 "
                    "(not the current value of any subject, indicator and period)",
                )
            ],
        )
    return row


def _value_target(row: IndicatorValue) -> dict[str, Any]:
    return {
        row.subject.kind: row.subject.code,
        "indicator": row.indicator.code,
        "cycle": row.period.cycle.code,
        "period": row.period.code,
    }


def decide_review(
    work: BureauWork,
    value_seq: object,
    decision: object,
    note: object = "",
    corrects: object = None,
    appeal: str | None = None,
) -> Event:
    """Approve or reject the current value with ledger seq ``value_seq``. A value already
    reviewed is re-decided only by a correction naming the earlier decision's seq."""
    if decision not in REVIEW_DECISIONS:
        choices = ", ".join(REVIEW_DECISIONS)
        raise invalid("decision", f"须为以下之一：{choices} (one of {choices})")
    row = current_value_by_seq(work, value_seq)
    corrects = seq_field({"corrects": corrects}, "corrects")
    if row.review_seq is not None and corrects != row.review_seq:
        raise Conflict(
            f"第 {row.seq} 条已审核（{row.review}，第 {row.review_seq} 条） "
            f"(seq {row.seq} was already reviewed ({row.review}, seq {row.review_seq}))",
            [
                FieldError(
                    "corrects",
                    f"要改变审核决定，请发送 corrects: {row.review_seq} "
                    f"(send corrects: {row.review_seq} to change the decision)",
                )
            ],
        )
    if row.review_seq is None and corrects is not None:
        raise Conflict(
            "没有可更正的内容 (nothing to correct)",
            [FieldError("corrects", "尚未审核 (not reviewed yet)")],
        )
    if corrects is not None and row.review == decision:
        raise InvalidInput(
            f"该数据已是 {decision}，更正必须改变审核决定 "
            f"(the value is already {decision}; a correction must change the decision)",
            [FieldError("decision", f"已是 {decision} (already {decision})")],
        )
    data = _value_target(row)
    data.update(
        value_seq=row.seq,
        decision=decision,
        note=check_text("note", note, NOTE_MAX, required=False, multiline=True),
    )
    if corrects is not None:
        data["corrects"] = corrects
    if appeal:
        data["appeal"] = appeal
    return work.log.record("review.decided", data)


def withdraw_review(
    work: BureauWork,
    value_seq: object,
    withdraws: object,
    reason: object,
    appeal: str | None = None,
) -> Event:
    """Withdraw a review decision: the value is pending review again."""
    row = current_value_by_seq(work, value_seq)
    withdraws = seq_field({"withdraws": withdraws}, "withdraws", required=True)
    if row.review_seq != withdraws:
        raise Conflict(
            f"第 {withdraws} 条不是第 {row.seq} 条数据的现行审核 "
            f"(seq {withdraws} is not the current review of value {row.seq})",
            [
                FieldError(
                    "withdraws",
                    f"现行审核是第 {row.review_seq} 条 (the current review is {row.review_seq})",
                )
            ],
        )
    data = _value_target(row)
    data.update(
        value_seq=row.seq,
        withdraws=withdraws,
        reason=check_text("reason", reason, REASON_MAX, multiline=True),
    )
    if appeal:
        data["appeal"] = appeal
    return work.log.record("review.withdrawn", data)
