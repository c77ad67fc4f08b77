"""Recording indicator values (one, or a whole import), all-or-nothing; correcting and
withdrawing them.

Every row is validated before anything is written; if any row is wrong, the caller gets
every error (row, field, reason) and the database is untouched. A value that already
exists for (subject, indicator, period) is replaced only by a *correction* that names
the entry it corrects (``corrects`` = its seq): the old entry stays in the ledger, the
new one points at it, and a stale correction (someone else corrected first) is refused.
All of this is decided under the bureau's log lock (the unit of work holds it), so two
"first" values for one key cannot both be accepted, on either database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.domain.collection.gate import EntryGate
from core.domain.inputs.checks import EntryChecks
from core.domain.inputs.prefetch import known_values, prefetch
from core.domain.inputs.targets import KIND_ZH, Target, resolve
from core.domain.models import EvidenceFile, IndicatorValue, SourceKey
from core.domain.work import BureauWork
from core.kernel.errors import (
    Conflict,
    FieldError,
    InvalidInput,
    invalid,
    rows_have_errors,
    validate_rows,
)
from core.kernel.numbers import MAX_SAFE_INT, as_text, parse_decimal
from core.kernel.text import NOTE_MAX, REASON_MAX, check_text
from core.ledger.store import Record
from core.plugin_api import Event

GRADE_MEASURE = "grade"
ROW_FIELDS = {
    "unit", "person", "indicator", "cycle", "period", "value", "corrects", "note",
    "evidence", "source_key",
}  # fmt: skip

RowCheck = Callable[[Target, dict, dict], None]
"""An extra check of a row before it is recorded: ``(target, row, data)``; it raises a
ServiceError to refuse the row or adds fields to ``data`` (collection rounds use it)."""


@dataclass
class Recorded:
    entries: list[Event]
    warnings: list[dict] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    """Rows not recorded because their ``source_key`` was recorded before (re-imports)."""


def seq_field(row: dict, name: str, required: bool = False) -> int | None:
    """A ledger seq given by a caller: a whole number 0 … 2^53−1 (or None)."""
    value = row.get(name)
    if value is None:
        if required:
            raise invalid(
                name, "必填：所指台账记录的序号 (is required: the seq of the entry it refers to)"
            )
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SAFE_INT:
        raise invalid(
            name, "须为台账序号，即从 0 起的整数 (must be a ledger seq, a whole number from 0)"
        )
    return value


def value_text(measure: str, raw: Any) -> str:
    """A decimal as plain text; for a qualitative indicator (measure ``grade``) the grade
    label itself (优/良/中/差), scored by a ``grade_points`` rule."""
    if measure == GRADE_MEASURE:
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        return check_text("value", raw, 32)
    try:
        return as_text(parse_decimal(raw))
    except ValueError as exc:
        raise invalid("value", str(exc)) from exc


def current_value(work: BureauWork, target: Target) -> IndicatorValue | None:
    """The current value of ``target``, kept in :func:`known_values` for the rest of the
    unit of work (the projector writing the new value finds it there, not in the
    session's weakly held identity map)."""
    known = known_values(work.session)
    if target.key not in known:
        known[target.key] = work.session.get(IndicatorValue, target.key)
    return known[target.key]


def check_correction(current: int | None, corrects: int | None, what: str = "value") -> None:
    """A new input where none exists, or a correction naming the current one's seq."""
    what_zh = {"value": "数据", "rating": "评分"}.get(what, what)
    if current is None and corrects is not None:
        raise Conflict(
            f"没有可更正的内容：尚无{what_zh} (nothing to correct: no {what} is recorded)",
            [
                FieldError(
                    "corrects",
                    f"尚无{what_zh}，请不要填 corrects "
                    f"(no {what} recorded yet; leave corrects out)",
                )
            ],
        )
    if current is not None and corrects != current:
        raise Conflict(
            f"已有{what_zh}（第 {current} 条） (a {what} is already recorded (seq {current}))",
            [
                FieldError(
                    "corrects",
                    f"要更正第 {current} 条{what_zh}，请发送 corrects: {current} "
                    f"(send corrects: {current} to correct the {what} of seq {current})",
                )
            ],
        )


def record_values(
    work: BureauWork,
    rows: Sequence[dict[str, Any]],
    *,
    row_checks: Sequence[RowCheck] = (),
    appeal: str | None = None,
    permission: str | None = "values.record",
) -> Recorded:
    """Validate every row, then append them all under one lock, or write nothing.
    ``permission`` is checked for each row's subject (an appeal's decision records its
    correction under the appeal's own permission instead, and is not held to the
    collection round: correcting a closed period is what appeals are for)."""
    prefetch(work, rows)
    checks = EntryChecks(work)
    gate = None if appeal else EntryGate(work)
    pending: dict[tuple, int] = {}
    warnings: list[tuple[int, str, str]] = []
    known_keys = _recorded_source_keys(work, rows)
    skipped: list[int] = []

    def validate(number: int, row: dict[str, Any]) -> dict | None:
        target = resolve(work, row, number, permission)
        unknown = sorted(set(row) - ROW_FIELDS)
        if unknown:
            raise invalid(unknown[0], "不是数据行的字段 (is not a field of a value row)")
        key = target.key
        if key in pending:
            kind = target.subject.kind
            raise invalid(
                kind,
                f"与第 {pending[key]} 行的{KIND_ZH.get(kind, kind)}、指标和期间相同 "
                f"(the same {kind}, indicator and period as row {pending[key]})",
            )
        pending[key] = number
        source_key = row.get("source_key")
        if source_key is not None:
            # another system's row key, like a value: the ledger's guard still applies
            source_key = check_text("source_key", source_key, 200, personal=False)
            if source_key in known_keys:
                skipped.append(number)
                return None
        late = gate.admit(target) if gate is not None else False
        data: dict[str, Any] = target.data()
        # The row's own fields are checked independently, so one answer lists every
        # mistake in the row (a missing file had hidden a bad figure until it was fixed).
        errors: list[FieldError] = []

        def check(step: Callable[[], Any]) -> Any:
            try:
                return step()
            except InvalidInput as exc:
                errors.extend(exc.errors)
                return None

        data["value"] = check(lambda: value_text(target.indicator.measure, row.get("value")))
        corrects = check(lambda: seq_field(row, "corrects"))
        found = current_value(work, target)
        if not errors:  # a refused corrects says nothing more about the row
            check_correction(found.seq if found else None, corrects)
        data["corrects"] = corrects
        note = check(
            lambda: check_text("note", row.get("note"), NOTE_MAX, required=False, multiline=True)
        )
        if note:
            data["note"] = note
        if row.get("evidence") not in (None, []):
            data["evidence"] = check(lambda: cited_evidence(work, target, row["evidence"]))
        if gate is not None and "evidence" not in {e.field for e in errors}:
            check(lambda: gate.require_evidence(target, data))
        if errors:
            raise InvalidInput(rows_have_errors([FieldError(e.field, e.reason, number)
                                                 for e in errors]), errors)  # fmt: skip
        if late:
            data["late"] = True
        if appeal:
            data["appeal"] = appeal
        if source_key is not None:
            data["source_key"] = source_key
        for check in row_checks:
            check(target, row, data)
        if target.indicator.measure != GRADE_MEASURE:
            warnings.extend(
                (number, name, message)
                for name, message in checks.run(target, Decimal(data["value"]))
            )
        return data

    validated = validate_rows(rows, validate)
    numbered = [(n, d) for n, d in enumerate(validated, start=1) if d is not None]
    events = work.log.record_many([Record("value.recorded", d, work.actor) for _, d in numbered])
    by_row = {n: (d, e) for (n, d), e in zip(numbered, events, strict=True)}
    raised = work.log.record_many(
        [
            Record(
                "warning.raised",
                _warning(by_row[n][0], by_row[n][1], name, message),
                "system:checks",
            )
            for n, name, message in warnings
        ]
    )
    out = [
        {"row": n, "check": name, "message": message, "seq": entry.seq}
        for (n, name, message), entry in zip(warnings, raised, strict=True)
    ]
    return Recorded(events, out, skipped)


def cited_evidence(work: BureauWork, target: Target, digests: object) -> list[str]:
    """Evidence a value cites: SHA-256 digests of files attached for the value's unit."""
    if (
        not isinstance(digests, list)
        or not 0 < len(digests) <= 50
        or not all(isinstance(v, str) and len(v) == 64 for v in digests)
    ):
        raise invalid(
            "evidence",
            "须为最多 50 个 SHA-256 摘要的列表（64 位十六进制） "
            "(a list of up to 50 SHA-256 digests (64 hex characters))",
        )
    known = set(
        work.session.scalars(
            select(EvidenceFile.sha256).where(
                EvidenceFile.bureau_id == work.bureau.id,
                EvidenceFile.unit_id == target.subject.unit_id,
                EvidenceFile.sha256.in_(digests),
            )
        )
    )
    unknown = [v for v in digests if v not in known]
    if unknown:
        raise invalid(
            "evidence",
            f"佐证材料未上传到 {target.subject.code} 所在单位：{', '.join(unknown)} "
            f"(not attached for {target.subject.code}'s unit: {', '.join(unknown)})",
        )
    return list(dict.fromkeys(digests))


def _recorded_source_keys(work: BureauWork, rows: Sequence[Any]) -> set[str]:
    """Source keys (from an importer) among ``rows`` that are already in the ledger."""
    keys = [r.get("source_key") for r in rows if isinstance(r, dict)]
    keys = [k for k in keys if isinstance(k, str) and k]
    if not keys:
        return set()
    found = work.session.scalars(
        select(SourceKey.key).where(SourceKey.bureau_id == work.bureau.id, SourceKey.key.in_(keys))
    )
    return set(found)


def _warning(data: dict, entry: Event, check: str, message: str) -> dict:
    """A warning on the record (D-22, D-23): what was flagged, by which check, and the
    value entry it concerns, so reviewers and subscribers can follow it up."""
    out = {k: data[k] for k in ("unit", "person", "indicator", "cycle", "period") if k in data}
    out.update(value=data["value"], value_seq=entry.seq, check=check, message=message)
    return out


def withdraw_value(
    work: BureauWork,
    row: dict[str, Any],
    appeal: str | None = None,
    permission: str | None = "values.record",
) -> Event:
    """Withdraw the current value (it then scores as missing), naming its seq."""
    target = resolve(work, row, None, permission)
    if not appeal:
        EntryGate(work).check_withdrawal(target)
    withdraws = seq_field(row, "withdraws", required=True)
    found = current_value(work, target)
    if found is None:  # never recorded, or withdrawn meanwhile: as a correction would be
        raise Conflict(
            f"{target.describe()} 没有现行数据 (no current value for {target.describe()})",
            [
                FieldError(
                    "withdraws",
                    "没有可撤回的数据：未填报或已被撤回 "
                    "(nothing to withdraw: never recorded, or withdrawn meanwhile)",
                )
            ],
        )
    if found.seq != withdraws:
        raise Conflict(
            f"现行数据是第 {found.seq} 条，不是第 {withdraws} 条 "
            f"(the current value is seq {found.seq}, not {withdraws})",
            [
                FieldError(
                    "withdraws", f"请发送 withdraws: {found.seq} (send withdraws: {found.seq})"
                )
            ],
        )
    data: dict[str, Any] = target.data()
    data.update(
        withdraws=withdraws,
        reason=check_text("reason", row.get("reason"), REASON_MAX, multiline=True),
    )
    if appeal:
        data["appeal"] = appeal
    return work.log.record("value.withdrawn", data)


__all__ = [
    "GRADE_MEASURE",
    "InvalidInput",
    "Recorded",
    "check_correction",
    "current_value",
    "record_values",
    "seq_field",
    "value_text",
    "withdraw_value",
]
