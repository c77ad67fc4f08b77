"""The submission service: one unit's (or person's) figures for one period, from any
entry channel (.xlsx upload, the xlwings add-in, the console's form, the API).

It checks the form the figures were entered on still matches the published scheme (a
workbook made for version 2 is refused once version 3 is published), checks every row
(types, units of measure, ranges through the entry path, required evidence, the
collection round's state, plugin checks) and then appends all rows in one batch, or
nothing. A row for an indicator that already has a value becomes a correction of it,
since a clerk resubmitting a corrected sheet means exactly that; a row whose value is
the one already recorded (and that brings no note or evidence) is left out, so sending
back a pre-filled form records nothing twice. Errors come back per row and field, in
Chinese with English alongside.

:func:`submit_many` records several subjects' forms in one unit of work (an office's
汇总表, one sheet per unit): all of them, or none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.domain.cycles import get_cycle, get_period
from core.domain.inputs import values
from core.kernel.errors import (
    Conflict,
    FieldError,
    InvalidInput,
    ServiceError,
    invalid,
    rows_have_errors,
)
from core.kernel.numbers import MAX_SAFE_INT
from core.services import forms
from core.services.context import Context, Work
from core.services.values import recorded

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”")
_CJK = re.compile(r"[\u4e00-\u9fff]")

REASONS_ZH = {
    "is required": "必填",
    "must not be empty": "不能为空",
}


def _english_of(reason: str) -> str | None:
    """The English of a ``中文 (English)`` reason: what the parentheses after the last
    Chinese character hold (None when that cannot be told)."""
    last = max((m.end() for m in _CJK.finditer(reason)), default=0)
    start = reason.find(" (", last)
    return reason[start + 2 : -1] if start >= 0 and reason.endswith(")") else None


CONFLICT = (
    "与已填报数据冲突，请重新下载表格 "
    "(conflicts with a figure recorded since: download the form again)"
)
"""What a clerk is told where the service's reason advises the API's ``corrects``."""


def bilingual(reason: str) -> str:
    """A reason in Chinese with the English alongside, for clerks."""
    if _CJK.search(_QUOTED.sub("", reason)):  # already bilingual (a quoted value may be too)
        english = _english_of(reason)
        if english and ("already recorded" in english or "corrects" in english):
            # the service's advice names the API's ``corrects``; a clerk downloads anew
            return CONFLICT
        return reason
    for english, chinese in REASONS_ZH.items():
        if reason.startswith(english):
            return f"{chinese} ({reason})"
    if "is not a decimal number" in reason or "not a number" in reason:
        return f"不是有效数字 ({reason})"
    if "decimal places" in reason or "digits before the point" in reason:
        return f"数字位数超出范围 ({reason})"
    if "another script" in reason:
        return f"请用阿拉伯数字0–9 ({reason})"
    if "thousands separators" in reason:
        return f"请勿使用千位分隔符 ({reason})"
    if "evidence" in reason:
        return f"缺少佐证材料 ({reason})"
    if "closed" in reason:
        return f"填报已截止 ({reason})"
    if "already recorded" in reason or "corrects" in reason:
        return CONFLICT
    if "not attached for" in reason:
        return f"佐证材料未上传到本单位 ({reason})"
    if "the same" in reason and "as row" in reason:
        return f"重复行 ({reason})"
    if "characters long; the limit is" in reason:
        return f"超过长度限制 ({reason})"
    if reason.startswith("may not") or "not assigned to" in reason:
        return f"无权填报 ({reason})"
    return f"填报有误 ({reason})"


@dataclass(frozen=True)
class Submission:
    """One subject's form for one period, as a channel read it."""

    cycle: Any
    period: Any
    subject: dict[str, Any]
    rows: Sequence[dict[str, Any]]
    scheme_version: Any = None


def _unchanged(spec: forms.FormRow, row: dict[str, Any]) -> bool:
    """The row repeats the recorded value and adds nothing (no note, evidence or
    explicit correction)."""
    if spec.value is None or any(row.get(k) not in (None, "", []) for k in ("note", "evidence")):
        return False
    if "corrects" in row:
        return False
    try:
        given = values.value_text(spec.measure, row["value"])
    except ServiceError:
        return False  # record_values names the problem
    if spec.measure == values.GRADE_MEASURE:
        return given == spec.value
    return Decimal(given) == Decimal(spec.value)  # 95.0 is the 95 on record


def _rows(
    form: forms.EntryForm, given: Sequence[dict[str, Any]], unchanged: list[int]
) -> list[tuple[int, dict]]:
    """The value rows of a submission with their row numbers: the form's subject and
    period on every row, a correction of the current value where there is one, nothing
    for empty cells or values already recorded (their numbers go to ``unchanged``)."""
    by_indicator = {row.indicator: row for row in form.rows}
    out, errors = [], []
    for number, row in enumerate(given, start=1):
        if not isinstance(row, dict):
            errors.append(FieldError("row", "必须是对象 (must be an object)", number))
            continue
        code = row.get("indicator")
        spec = by_indicator.get(code) if isinstance(code, str) else None
        if spec is None:
            errors.append(
                FieldError(
                    "indicator",
                    f"此表无该指标 (indicator {code!r} is not on this form)",
                    number,
                )
            )
            continue
        if row.get("value") in (None, ""):
            continue  # an empty cell: nothing reported yet
        if _unchanged(spec, row):
            unchanged.append(number)
            continue
        value_row = {
            form.subject_kind: form.subject,
            "indicator": spec.indicator,
            "cycle": form.cycle,
            "period": form.period,
            "value": row["value"],
            "corrects": row.get("corrects", spec.seq),
        }
        for optional in ("note", "evidence"):
            if row.get(optional) not in (None, "", []):
                value_row[optional] = row[optional]
        if spec.evidence and not value_row.get("evidence"):
            errors.append(
                FieldError("evidence", bilingual("evidence is required for this indicator"), number)
            )
            try:  # the missing file must not hide a bad figure in the same row
                values.value_text(spec.measure, row["value"])
            except InvalidInput as exc:
                errors.extend(FieldError(e.field, e.reason, number) for e in exc.errors)
        out.append((number, value_row))
    if errors:
        raise InvalidInput(rows_have_errors(errors), errors)
    return out


def _check_version(given: object) -> int | None:
    if given is not None and (
        isinstance(given, bool) or not isinstance(given, int) or not 0 < given <= MAX_SAFE_INT
    ):
        raise invalid("scheme_version", "须为方案版本号 (a scheme version number)")
    return given


def _stale(given: int, published: int | None) -> Conflict:
    """A form made for a scheme version no longer published: stale, as a form whose
    figure changed meanwhile is (409), not malformed."""
    return Conflict(
        "表格版本已过期 (the form was made for another scheme version)",
        [
            FieldError(
                "scheme_version",
                f"表格基于第{given}版，现行为第{published}版，请重新下载 "
                f"(made for version {given}, the published one is {published}: "
                "download a new form)",
            )
        ],
    )


def submit(
    ctx: Context,
    bureau: str,
    *,
    cycle: str,
    period: str,
    subject: dict[str, Any],
    rows: Sequence[dict[str, Any]],
    scheme_version: int | None = None,
) -> dict[str, Any]:
    """Record one subject's figures for one period: all rows or none."""
    return submit_many(ctx, bureau, [Submission(cycle, period, subject, rows, scheme_version)])[0]


def submit_many(ctx: Context, bureau: str, given: Sequence[Submission]) -> list[dict[str, Any]]:
    """Record several subjects' forms in one unit of work: all or none. A refusal says
    which one (``submission``, numbered from 1, on the error) and its rows' problems."""
    for item in given:
        _check_version(item.scheme_version)
    with ctx.writing(bureau, "values.record") as work:
        plans: dict[int, forms.FormPlan] = {}
        seen: dict[tuple, int] = {}
        out, failures = [], []
        for index, item in enumerate(given, start=1):
            try:
                key = _subject_key(item)
                if key in seen:
                    raise invalid(
                        next(iter(item.subject), "unit"),
                        f"同一单位重复提交 (the same subject and period as submission {seen[key]})",
                    )
                seen[key] = index
                out.append(_submit_one(work, item, plans))
            except ServiceError as exc:
                # go on: every form's problems are reported at once; nothing is kept,
                # since the unit of work rolls back when this raises
                failures.append((index, exc))
        if failures:
            first_index, first = failures[0]
            if len(given) > 1:
                first.detail = f"submission {first_index}: {first.detail}"
            first.submission = first_index  # type: ignore[attr-defined]
            first.failures = failures  # type: ignore[attr-defined]
            raise first
        return out


def _subject_key(item: Submission) -> tuple:
    """What makes two submissions the same form: subject, cycle and period (as text, so
    malformed codes cannot make it unhashable; the form's checks refuse them)."""
    subject = item.subject if isinstance(item.subject, dict) else {}
    return tuple(str(v) for v in (*sorted(subject.items()), item.cycle, item.period))


def _submit_one(work: Work, item: Submission, plans: dict[int, forms.FormPlan]) -> dict:
    cycle = get_cycle(work.session, work.bureau, item.cycle)
    period = get_period(work.session, cycle, item.period)
    plan = plans.get(period.id) or plans.setdefault(period.id, forms.FormPlan(work, cycle, period))
    form = forms.build(work, cycle.code, period.code, item.subject, plan)
    if item.scheme_version is not None and item.scheme_version != form.scheme_version:
        raise _stale(item.scheme_version, form.scheme_version)
    unchanged: list[int] = []
    numbered = _rows(form, item.rows, unchanged)
    try:
        done = values.record_values(work, [row for _, row in numbered])
    except ServiceError as exc:
        # rows of the submission, not of the non-empty rows recorded
        number = {i: n for i, (n, _) in enumerate(numbered, start=1)}
        exc.errors = [
            FieldError(e.field, bilingual(e.reason), number.get(e.row, e.row)) for e in exc.errors
        ]
        raise
    out = recorded(done)
    out["warnings"] = [{**w, "row": number_of(numbered, w["row"])} for w in out["warnings"]]
    return {"form": form.as_dict(), "unchanged": unchanged, **out}


def number_of(numbered: list[tuple[int, dict]], index: int) -> int:
    return numbered[index - 1][0] if 0 < index <= len(numbered) else index
