"""The submission service: one unit's (or person's) figures for one period, from any
entry channel (.xlsx upload, the xlwings add-in, the console's form, the API).

It checks the form the figures were entered on still matches the published scheme (a
workbook made for version 2 is refused once version 3 is published), checks every row
(types, units of measure, ranges through the entry path, required evidence, the
collection round's state, plugin checks) and then appends all rows in one batch, or
nothing. A row for an indicator that already has a value becomes a correction of it,
since a clerk resubmitting a corrected sheet means exactly that; errors come back per
row and field, in Chinese with English alongside.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from core.domain.inputs import values
from core.kernel.errors import FieldError, InvalidInput, ServiceError, invalid
from core.kernel.numbers import MAX_SAFE_INT
from core.services import forms
from core.services.context import Context, Work
from core.services.values import recorded

SubmitCheck = Callable[[Work, forms.EntryForm, list[dict]], None]
CHECKS: list[SubmitCheck] = []
"""Further checks of a whole submission (collection rounds add theirs)."""

REASONS_ZH = {
    "is required": "必填",
    "must not be empty": "不能为空",
}


def bilingual(reason: str) -> str:
    """A reason in Chinese with the English alongside, for clerks."""
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
        return f"与已填报数据冲突 ({reason})"
    return f"填报有误 ({reason})"


def _rows(form: forms.EntryForm, given: Sequence[dict[str, Any]]) -> list[tuple[int, dict]]:
    """The value rows of a submission with their row numbers: the form's subject and
    period on every row, a correction of the current value where there is one, nothing
    for empty cells."""
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
        out.append((number, value_row))
    if errors:
        raise InvalidInput(
            f"{len({e.row for e in errors})} row(s) have errors; nothing was written", errors
        )
    return out


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
    if scheme_version is not None and (
        isinstance(scheme_version, bool)
        or not isinstance(scheme_version, int)
        or not 0 < scheme_version <= MAX_SAFE_INT
    ):
        raise invalid("scheme_version", "a scheme version number")
    with ctx.writing(bureau, "values.record") as work:
        form = forms.build(work, cycle, period, subject)
        if scheme_version is not None and scheme_version != form.scheme_version:
            raise InvalidInput(
                "表格版本已过期 (the form was made for another scheme version)",
                [
                    FieldError(
                        "scheme_version",
                        f"表格基于第{scheme_version}版，现行为第{form.scheme_version}版，"
                        "请重新下载 "
                        f"(made for version {scheme_version}, the published one is "
                        f"{form.scheme_version}: download a new form)",
                    )
                ],
            )
        numbered = _rows(form, rows)
        value_rows = [row for _, row in numbered]
        for check in CHECKS:
            check(work, form, value_rows)
        try:
            done = values.record_values(work, value_rows)
        except ServiceError as exc:
            # rows of the submission, not of the non-empty rows recorded
            number = {i: n for i, (n, _) in enumerate(numbered, start=1)}
            exc.errors = [
                FieldError(e.field, bilingual(e.reason), number.get(e.row, e.row))
                for e in exc.errors
            ]
            raise
        out = recorded(done)
        out["warnings"] = [{**w, "row": number_of(numbered, w["row"])} for w in out["warnings"]]
        return {"form": form.as_dict(), **out}


def number_of(numbered: list[tuple[int, dict]], index: int) -> int:
    return numbered[index - 1][0] if 0 < index <= len(numbered) else index
