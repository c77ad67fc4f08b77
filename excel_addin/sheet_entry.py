"""The JSON entry API behind the add-ins (desktop over HTTP, the server endpoint in
process): a subject's form with its layout and grade lists, and one sheet's raw cells
submitted through the same cell checks as an uploaded workbook and then the submission
service. Problems and warnings come back with the sheet row and cell they concern."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.kernel.errors import FieldError, InvalidInput, ServiceError
from core.kernel.text import check_text
from core.services import submissions
from core.services.context import Context
from excel_addin import importer, sources
from excel_addin.layout import GRADE_MEASURE, INPUTS, Layout, cell
from excel_addin.meta import SheetMeta
from excel_addin.problems import Problem, WorkbookRefused
from excel_addin.reader import EntryRow, EntrySheet

MAX_ROWS = 20_000


def form_payload(
    ctx: Context, bureau: str, cycle: str, period: str, subject: dict[str, str]
) -> dict[str, Any]:
    """``form`` (the entry form), ``columns`` (the layout, plugins' columns included)
    and ``choices`` (grade labels of qualitative indicators)."""
    forms = sources.entry_forms(ctx, bureau, cycle, period, subject)
    return {
        "form": forms[0],
        "columns": sources.layout_for(ctx, bureau).describe(),
        "choices": sources.form_choices(ctx, bureau, forms),
    }


def _decode(raw: Any) -> Any:
    if isinstance(raw, dict) and set(raw) == {"date"}:
        try:
            return dt.datetime.fromisoformat(str(raw["date"]))
        except ValueError:
            return str(raw["date"])
    if isinstance(raw, (dict, list)):
        raise InvalidInput(
            "单元格只能填一个值 (a cell holds a value)",
            [FieldError("rows.cells", "不是单元格的值 (not a cell value)")],
        )
    return raw


def _sheet(body: Any, layout: Layout) -> tuple[EntrySheet, dict[str, Any]]:
    if not isinstance(body, dict):
        raise InvalidInput(
            "请以 JSON 对象发送工作表 (send the sheet as a JSON object)",
            [FieldError("body", "须为对象 (an object)")],
        )
    subject = body.get("subject")
    if not isinstance(subject, dict) or len(subject) != 1 or not set(subject) <= {"unit", "person"}:
        reason = (
            '请发送 {"unit": 代码} 或 {"person": 代码} (send {"unit": code} or {"person": code})'
        )
        raise InvalidInput(f"subject: {reason}", [FieldError("subject", reason)])
    kind, code = next(iter(subject.items()))
    rows = body.get("rows")
    if not isinstance(rows, list) or not 0 < len(rows) <= MAX_ROWS:
        reason = f"须为工作表的 1 到 {MAX_ROWS} 行 (1 to {MAX_ROWS} rows of the sheet)"
        raise InvalidInput(f"rows: {reason}", [FieldError("rows", reason)])
    version = body.get("scheme_version")
    extras = {f"x:{c.header}": c.key for c in layout.extras}
    meta = SheetMeta(
        check_text("sheet", body.get("sheet") or "sheet", 64),
        kind,
        check_text(kind, code, 64),
        None,
        version if isinstance(version, int) and not isinstance(version, bool) else None,
        [],
    )
    sheet = EntrySheet(meta)
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not isinstance(row.get("cells"), dict):
            reason = "每行都须有 cells (each row needs its cells)"
            raise InvalidInput(f"rows: {reason}", [FieldError("cells", reason, number)])
        at = row.get("row")
        cells = {extras.get(k, k): _decode(v) for k, v in row["cells"].items()}
        sheet.rows.append(
            EntryRow(
                number,
                check_text("indicator", row.get("indicator"), 64),
                at
                if isinstance(at, int) and not isinstance(at, bool) and 0 < at < 1_100_000
                else 0,
                {k: v for k, v in cells.items() if k in INPUTS or k.startswith("x:")},
            )
        )
        meta.indicators.append(sheet.rows[-1].indicator)
    return sheet, body


def submit_sheet(ctx: Context, bureau: str, body: Any) -> dict[str, Any]:
    """Check one sheet's cells and submit them: ``ok``, ``problems`` and ``warnings``
    (each with ``sheet_row`` and ``cell``), ``recorded_rows``, ``entries``, ``status``."""
    layout = sources.layout_for(ctx, bureau)
    sheet, raw = _sheet(body, layout)
    cycle = check_text("cycle", raw.get("cycle"), 64)
    period = check_text("period", raw.get("period"), 64)
    measures = importer.measures_of(ctx, bureau, {r.indicator for r in sheet.rows})
    choices = {}
    if GRADE_MEASURE in measures.values():
        found = sources.entry_forms(ctx, bureau, cycle, period, sheet.subject)
        choices = sources.form_choices(ctx, bureau, found)
    rows, problems = importer.sheet_rows(sheet, layout, measures, choices)
    try:
        if problems:
            raise WorkbookRefused(problems)
        result = submissions.submit(
            ctx,
            bureau,
            cycle=cycle,
            period=period,
            subject=sheet.subject,
            rows=rows,
            scheme_version=sheet.meta.scheme_version,
        )
    except WorkbookRefused as refused:
        return _refused(sheet, layout, refused.problems, refused.status)
    except ServiceError as exc:
        if exc.status >= 500:
            raise
        return _refused(sheet, layout, importer.service_problems(exc, sheet, layout), exc.status)
    by_number = {r.number: r for r in sheet.rows}
    entries = [e["seq"] for e in result.get("entries", [])]
    return {
        "ok": True,
        "status": 201,
        "problems": [],
        "warnings": [
            {
                **w,
                "sheet_row": by_number[w["row"]].sheet_row,
                "cell": _cell(by_number[w["row"]], layout, "value"),
            }
            for w in result.get("warnings", [])
            if w.get("row") in by_number
        ],
        "recorded_rows": [
            r.sheet_row for r, out in zip(sheet.rows, rows, strict=True) if out["value"] is not None
        ],
        "entries": entries,
    }


def _cell(row: EntryRow, layout: Layout, key: str) -> str | None:
    return cell(row.sheet_row, layout.index(key)) if row.sheet_row else None


def _refused(sheet: EntrySheet, layout: Layout, problems: list[Problem], status: int) -> dict:
    by_number = {r.number: r for r in sheet.rows}
    out = []
    for problem in problems:
        row = by_number.get(problem.row) if problem.row else None
        item = {"field": problem.field, "reason": problem.reason}
        if row is not None and row.sheet_row:
            item.update(row=problem.row, sheet_row=row.sheet_row, cell=problem.cell)
        out.append(item)
    return {
        "ok": False,
        "status": status,
        "problems": out,
        "warnings": [],
        "recorded_rows": [],
        "entries": [],
    }
