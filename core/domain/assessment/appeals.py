"""Appeals (申诉复核, D-33): filed → assigned → decided, every step on the record.

A subject appeals the score of one indicator in one period, with a reason and evidence
hashes. The deadline (``JIXIAO_APPEAL_HOURS``, 48 hours by default) is fixed when the
appeal is filed and written into the ledger, so replay gives the same deadline.

A decision upholds the score or corrects it. A correction applies to **the input that
feeds the indicator's leaf** in the published scheme: a value, a reviewers' item
(``source: items``), a rating, or a review decision. It is a new entry that points at
the one it corrects (or withdraws) and names the appeal; results follow it like any
other input. A decision that would change nothing (a correction of an input the leaf
does not read, or a value equal to the current one) is refused, saying why.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.domain.assessment.compiled import published_schemes, scheme_for_group
from core.domain.inputs import items, ratings, values
from core.domain.inputs.targets import Target, resolve
from core.domain.models import Appeal, IndicatorValue, Period, Rating, ScoreItem, Subject, User
from core.domain.work import BureauWork
from core.kernel.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, invalid
from core.kernel.text import REASON_MAX, check_text
from core.ledger.store import lock_log
from core.plugin_api import Event

OPEN = ("filed", "assigned")
DECISIONS = ("upheld", "corrected")
STAMP = "%Y-%m-%dT%H:%M:%SZ"
REVIEWER_ROLES = ("reviewer", "bureau_admin")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def get_appeal(session: Session, bureau_id: int, code: object) -> Appeal:
    found = None
    if isinstance(code, str) and len(code) <= 64:
        found = session.scalar(
            select(Appeal).where(Appeal.bureau_id == bureau_id, Appeal.code == code)
        )
    if found is None:
        raise NotFound(
            f"没有申诉 {code!r} (no appeal {code!r})",
            [FieldError("appeal", "没有此申诉 (no such appeal)")],
        )
    return found


def _none_open(work: BureauWork, target: Target) -> None:
    """One open appeal per subject, indicator and period: a second filing while the
    first awaits its decision would be decided twice (checked under the lock)."""
    open_code = work.session.scalar(
        select(Appeal.code).where(
            Appeal.bureau_id == work.bureau.id,
            Appeal.subject_id == target.subject.id,
            Appeal.indicator_id == target.indicator.id,
            Appeal.period_id == target.period.id,
            Appeal.status != "decided",
        )
    )
    if open_code is not None:
        raise Conflict(
            f"申诉 {open_code} 尚未办结 (appeal {open_code} on this is still open)",
            [FieldError("indicator", f"已有未决申诉 {open_code} (appeal {open_code} is open)")],
        )


def file_appeal(work: BureauWork, row: dict[str, Any], hours: int) -> Appeal:
    """File an appeal for a subject the caller may appeal for (reporters: their units)."""
    target = resolve(work, row, None, "appeals.file")
    reason = check_text("reason", row.get("reason"), REASON_MAX, multiline=True)
    current = work.session.get(IndicatorValue, target.key)
    # Numbered under the bureau's log lock (the unit of work holds it), so two filings
    # at once cannot take the same code.
    lock_log(work.session, work.bureau.log_id)
    _none_open(work, target)
    count = work.session.scalar(
        select(func.count()).select_from(Appeal).where(Appeal.bureau_id == work.bureau.id)
    )
    data: dict[str, Any] = target.data()
    data.update(
        code=f"A{(count or 0) + 1:05d}",
        value_seq=current.seq if current else None,
        reason=reason,
        evidence=items.evidence_hashes(work, row.get("evidence"), target.subject.unit),
        deadline=(now() + dt.timedelta(hours=hours)).strftime(STAMP),
    )
    work.log.record("appeal.filed", data)
    return get_appeal(work.session, work.bureau.id, data["code"])


def assign_appeal(work: BureauWork, code: str, reviewer: object) -> Appeal:
    appeal = get_appeal(work.session, work.bureau.id, code)
    _still_open(appeal)
    user = None
    if isinstance(reviewer, str) and len(reviewer) <= 100:
        user = work.session.scalar(
            select(User).where(User.username == reviewer, User.bureau_id == work.bureau.id)
        )
    if user is None or user.role not in REVIEWER_ROLES:
        raise invalid(
            "reviewer", f"{str(reviewer)[:100]!r} 不是本局的复核人 (no reviewer of the bureau)"
        )
    if appeal.status == "assigned" and appeal.reviewer == user.username:
        raise Conflict(
            f"申诉 {appeal.code} 已指派给 {user.username} "
            f"(appeal {appeal.code} is assigned to {user.username} already)",
            [FieldError("reviewer", f"已指派给 {user.username} (assigned already)")],
        )
    work.log.record("appeal.assigned", {"code": appeal.code, "reviewer": user.username})
    return appeal


@dataclass(frozen=True)
class Correction:
    """What a "corrected" decision changes: the input entry it points at (``target``,
    a seq; default: the current value), a new value, quantity, score or review decision
    (``value``), or ``withdraw`` to take the input out of the score."""

    value: Any = None
    target: int | None = None
    withdraw: bool = False


def decide_appeal(
    work: BureauWork, code: str, decision: object, reason: object, correction: Correction
) -> Appeal:
    """Uphold, or correct the input that feeds the leaf; only the assigned reviewer (or
    a bureau admin) decides."""
    appeal = get_appeal(work.session, work.bureau.id, code)
    _still_open(appeal)
    if appeal.status != "assigned":
        raise Conflict(
            "尚未指派复核人 (not assigned)",
            [FieldError("appeal", "请先指派复核人 (assign a reviewer first)")],
        )
    principal = work.principal
    if principal.role == "reviewer" and principal.username != appeal.reviewer:
        raise Forbidden(
            "不是指派给您的申诉 (not your appeal)",
            [FieldError("appeal", f"已指派给 {appeal.reviewer} (assigned to {appeal.reviewer})")],
        )
    if decision not in DECISIONS:
        raise invalid("decision", "须为 upheld（维持）或 corrected（更正）(upheld or corrected)")
    correction = _checked(decision, correction)
    reason = check_text("reason", reason, REASON_MAX, multiline=True)
    entry: Event | None = None
    if decision == "corrected":
        entry = _correct(work, appeal, correction)
    data = {
        "code": appeal.code,
        "decision": decision,
        "reason": reason,
        "correction_seq": entry.seq if entry else None,
    }
    if entry is not None:
        data["corrected"] = entry.kind
    work.log.record("appeal.decided", data)
    return appeal


def _checked(decision: str, correction: Correction) -> Correction:
    """A correction that means what it says: ``target`` a ledger seq (digits typed in a
    form are one), and nothing to change in an upheld decision (a value typed and then
    upheld had been dropped without a word)."""
    target = correction.target
    if isinstance(target, str) and target.isascii() and target.isdecimal():
        target = int(target)
    if target is not None and (isinstance(target, bool) or not isinstance(target, int)
                               or target < 0):  # fmt: skip
        raise invalid("target", "须为台账序号 (must be a ledger seq, a whole number from 0)")
    changes = correction.value not in (None, "") or target is not None or correction.withdraw
    if decision == "upheld" and changes:
        raise invalid(
            "decision",
            "维持原结果不改变任何数据，请勿填写更正内容 (an upheld decision changes nothing: "
            "leave value, target and withdraw empty)",
        )
    return Correction(correction.value, target, correction.withdraw)


def _target_of(work: BureauWork, appeal: Appeal) -> Target:
    subject = work.session.get(Subject, appeal.subject_id)
    period = work.session.get(Period, appeal.period_id)
    row = {
        subject.kind: subject.code,
        "indicator": appeal.indicator.code,
        "cycle": period.cycle.code,
        "period": period.code,
    }
    return resolve(work, row)


def feeding_input(work: BureauWork, target: Target) -> tuple[str, str]:
    """Which input feeds the indicator for this subject, and in which scheme:
    ``value``, ``items`` or ``ratings`` (a label counts as a value)."""
    group = (
        target.subject.person.group_code
        if target.subject.kind == "person"
        else target.subject.unit.group_code
    )
    scheme = scheme_for_group(
        published_schemes(work.session, target.cycle.id), group, target.subject.kind
    )
    if scheme is None:
        raise Conflict(
            f"周期 {target.cycle.code} 中没有已发布的方案考核 {target.subject.code} "
            f"(no published scheme assesses {target.subject.code} in cycle {target.cycle.code})",
            [
                FieldError(
                    "appeal",
                    "此指标不计分：请改为维持原结果 "
                    "(nothing scores this indicator: uphold instead)",
                )
            ],
        )
    rule_types = work.contributions("jixiao_rule_types")
    for node in json.loads(scheme.definition)["nodes"]:
        if node.get("indicator") == target.indicator.code and "rule" in node:
            if node["meta"].get("source") == "items":
                return "items", scheme.code
            rule = rule_types.get(node["rule"]["type"])
            return ("ratings" if rule and rule.inputs == "ratings" else "value"), scheme.code
    raise Conflict(
        f"方案 {scheme.code} 不对指标 {target.indicator.code} 计分 "
        f"(scheme {scheme.code} does not score indicator {target.indicator.code})",
        [
            FieldError(
                "appeal",
                "更正不会改变任何得分：请改为维持原结果 "
                "(a correction would change no score: uphold instead)",
            )
        ],
    )


def _correct(work: BureauWork, appeal: Appeal, correction: Correction) -> Event:
    target = _target_of(work, appeal)
    feeds, scheme = feeding_input(work, target)
    entry_kind = _kind_of(work, correction.target) if correction.target is not None else None
    if entry_kind == "review.decided":
        return _correct_review(work, appeal, target, correction)
    if feeds == "items":
        return _correct_item(work, appeal, target, correction, scheme, entry_kind)
    if feeds == "ratings":
        return _correct_rating(work, appeal, target, correction, scheme, entry_kind)
    return _correct_value(work, appeal, target, correction, scheme, entry_kind)


def _kind_of(work: BureauWork, seq: int) -> str:
    values.seq_field({"target": seq}, "target", required=True)
    from core.ledger.models import LedgerEntry

    kind = work.session.scalar(
        select(LedgerEntry.kind).where(
            LedgerEntry.log_id == work.bureau.log_id, LedgerEntry.seq == seq
        )
    )
    if kind is None:
        raise invalid(
            "target", f"本局台账中没有第 {seq} 条记录 (no entry {seq} in this bureau's ledger)"
        )
    return kind


def _refuse_kind(feeds: str, scheme: str, indicator: str, candidates: list[int]) -> InvalidInput:
    what = {"items": "reviewers' items", "ratings": "ratings", "value": "its recorded value"}[feeds]
    what_zh = {"items": "复核人员录入的加扣分项", "ratings": "评分", "value": "填报值"}[feeds]
    shown = ", ".join(map(str, candidates))
    hint = f" (current: {shown})" if candidates else ""
    hint_zh = f"（当前：{shown}）" if candidates else ""
    return InvalidInput(
        f"方案 {scheme} 中指标 {indicator} 按{what_zh}计分，更正其他内容不会改变任何结果 "
        f"(in scheme {scheme}, indicator {indicator} is scored from {what}; correcting anything "
        f"else would change nothing)",
        [
            FieldError(
                "target",
                f"请填其{what_zh}之一的序号{hint_zh} (name the seq of one of its {what}{hint})",
            )
        ],
    )


def _same(recorded: str, given: str) -> bool:
    """Would recording ``given`` in place of ``recorded`` change nothing? Numbers compare
    as numbers: 2, 2.0 and ２ score alike, so a "correction" from one to another is no
    correction (compared as text, it was recorded). Text that is no number (a grade
    label recorded before its indicator was made numeric) compares as text."""
    try:
        return Decimal(recorded) == Decimal(given)
    except InvalidOperation:
        return recorded == given


def _correct_value(
    work: BureauWork,
    appeal: Appeal,
    target: Target,
    correction: Correction,
    scheme: str,
    entry_kind: str | None,
) -> Event:
    current = work.session.get(IndicatorValue, target.key)
    if entry_kind not in (None, "value.recorded") or (
        correction.target is not None and (current is None or correction.target != current.seq)
    ):
        raise _refuse_kind("value", scheme, target.indicator.code, [current.seq] if current else [])
    row = target.data()
    if correction.withdraw:
        if current is None:
            raise Conflict(
                "没有可撤回的数据 (no value to withdraw)",
                [FieldError("withdraw", "尚未填报 (nothing recorded)")],
            )
        row.update(withdraws=current.seq, reason=f"appeal {appeal.code}")
        return values.withdraw_value(work, row, appeal=appeal.code, permission=None)
    if correction.value is None:
        raise invalid("value", "请填更正后的值（或撤回）(the corrected value (or withdraw))")
    text = values.value_text(target.indicator.measure, correction.value)
    label = target.indicator.measure == values.GRADE_MEASURE
    unchanged = current is not None and (
        current.value == text if label else _same(current.value, text)
    )
    if unchanged and current.review != "rejected":
        raise InvalidInput(
            f"当前值已是 {text}，更正不会改变任何结果：请改为维持原结果 "
            f"(the value is already {text}: a correction would change nothing; uphold instead)",
            [
                FieldError(
                    "value",
                    f"与当前值 {current.value} 相同 (equals the current value {current.value})",
                )
            ],
        )
    row.update(value=correction.value, corrects=current.seq if current else None)
    row["note"] = f"appeal {appeal.code}"
    (entry,) = values.record_values(work, [row], appeal=appeal.code, permission=None).entries
    return entry


def _correct_item(
    work: BureauWork,
    appeal: Appeal,
    target: Target,
    correction: Correction,
    scheme: str,
    entry_kind: str | None,
) -> Event:
    live = items.live_items(work, target)
    seqs = [i.seq for i in live]
    if entry_kind != "item.recorded" or correction.target not in seqs:
        raise _refuse_kind("items", scheme, target.indicator.code, seqs)
    item = work.session.get(ScoreItem, (correction.target, work.bureau.id))
    if correction.withdraw:
        return items.withdraw_item(work, item.seq, f"appeal {appeal.code}", appeal=appeal.code)
    if correction.value is None:
        raise invalid("value", "请填更正后的数量（或撤回）(the corrected quantity (or withdraw))")
    quantity = items.quantity_in({"value": correction.value}, "value")
    if _same(quantity, item.quantity):
        raise InvalidInput(
            "该项数量已是此值，更正不会改变任何结果 "
            "(the item already has that quantity: a correction would change nothing)",
            [
                FieldError(
                    "value",
                    f"与当前数量 {item.quantity} 相同 "
                    f"(equals the current quantity {item.quantity})",
                )
            ],
        )
    row = target.data()
    row.update(
        quantity=quantity,
        reason=f"{item.reason} (appeal {appeal.code})"[:2000],
        evidence=json.loads(item.evidence),
        corrects=item.seq,
    )
    (entry,) = items.record_items(work, [row], appeal=appeal.code)
    return entry


def _correct_rating(
    work: BureauWork,
    appeal: Appeal,
    target: Target,
    correction: Correction,
    scheme: str,
    entry_kind: str | None,
) -> Event:
    live = work.session.scalars(
        select(Rating).where(
            Rating.subject_id == target.subject.id,
            Rating.indicator_id == target.indicator.id,
            Rating.period_id == target.period.id,
        )
    ).all()
    by_seq = {r.seq: r for r in live}
    if entry_kind != "rating.submitted" or correction.target not in by_seq:
        raise _refuse_kind("ratings", scheme, target.indicator.code, sorted(by_seq))
    rating = by_seq[correction.target]
    row = target.data()
    if correction.withdraw:
        row.update(rater=rating.rater, withdraws=rating.seq, reason=f"appeal {appeal.code}")
        return ratings.withdraw_rating(work, row, appeal=appeal.code)
    score = ratings.number_in({"value": correction.value}, "value", 0, ratings.RATING_MAX)
    if _same(score, rating.score):
        raise InvalidInput(
            "该评分已是此分值，更正不会改变任何结果 "
            "(the rating already has that score: a correction would change nothing)",
            [
                FieldError(
                    "value",
                    f"与当前分值 {rating.score} 相同 (equals the current score {rating.score})",
                )
            ],
        )
    # The appeal's reviewer records the corrected rating on the rater's behalf.
    data = {**row, "role": rating.role, "rater": rating.rater, "score": score,
            "corrects": rating.seq, "appeal": appeal.code}  # fmt: skip
    return work.log.record("rating.submitted", data)


def _correct_review(
    work: BureauWork, appeal: Appeal, target: Target, correction: Correction
) -> Event:
    current = work.session.get(IndicatorValue, target.key)
    if current is None or current.review_seq != correction.target:
        raise invalid(
            "target",
            "不是该申诉所涉数据的当前审核决定 "
            "(not the current review decision of this appeal's value)",
        )
    if correction.withdraw:
        return items.withdraw_review(
            work, current.seq, current.review_seq, f"appeal {appeal.code}", appeal=appeal.code
        )
    return items.decide_review(
        work, current.seq, correction.value, f"appeal {appeal.code}", current.review_seq,
        appeal=appeal.code,
    )  # fmt: skip


def _still_open(appeal: Appeal) -> None:
    if appeal.status not in OPEN:
        raise Conflict(
            f"申诉 {appeal.code} 已办结 (appeal {appeal.code} is already decided)",
            [
                FieldError(
                    "appeal",
                    f"已于第 {appeal.decided_seq} 条记录办结 (decided at seq {appeal.decided_seq})",
                )
            ],
        )


def describe(appeal: Appeal, at: dt.datetime | None = None) -> dict:
    at = at or now()
    deadline = dt.datetime.strptime(appeal.deadline, STAMP).replace(tzinfo=dt.UTC)
    subject = appeal.subject
    return {
        "code": appeal.code,
        "subject": subject.code,
        "kind": subject.kind,
        "unit": subject.unit.code if subject.unit else None,
        "indicator": appeal.indicator.code,
        "cycle": appeal.period.cycle.code,
        "period": appeal.period.code,
        "value_seq": appeal.value_seq,
        "reason": appeal.reason,
        "evidence": json.loads(appeal.evidence),
        "status": appeal.status,
        "reviewer": appeal.reviewer,
        "deadline": appeal.deadline,
        "seconds_left": int((deadline - at).total_seconds()) if appeal.status in OPEN else None,
        "overdue": appeal.status in OPEN and deadline < at,
        "decision": appeal.decision,
        "filed_seq": appeal.filed_seq,
        "decided_seq": appeal.decided_seq,
        "correction_seq": appeal.correction_seq,
    }


def listing(
    session: Session,
    bureau_id: int,
    units: frozenset[int] | None,
    overdue_only: bool = False,
    at: dt.datetime | None = None,
) -> list[dict]:
    stmt = select(Appeal).where(Appeal.bureau_id == bureau_id).order_by(Appeal.code)
    if units is not None:
        stmt = stmt.join(Subject, Appeal.subject_id == Subject.id).where(Subject.unit_id.in_(units))
    out = [describe(a, at) for a in session.scalars(stmt)]
    return [a for a in out if a["overdue"]] if overdue_only else out
