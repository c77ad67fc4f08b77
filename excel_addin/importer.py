"""Importing an entry workbook: read it, read every input cell, send each sheet through
the submission service (the one entry path), and when anything is wrong return the
annotated copy instead, having written nothing.

What counts as "required" (documented in docs/excel.md): a value cell may be left empty
(not reported yet; the collection status shows it as missing), but a sheet with no
value at all is refused, a note or evidence without a value is refused, and a value
without evidence where the form requires evidence is refused by the service.

Plugins' extra columns have no field of their own in a submission yet (see
CORE-REQUESTS.md): their cells are appended to the note as ``header: value`` lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.kernel.errors import ServiceError
from core.services import indicators, submissions
from core.services.context import Context
from excel_addin import annotate, cells, sources
from excel_addin.layout import CONTEXT, CONTEXT_ROW, GRADE_MEASURE, Layout, cell
from excel_addin.problems import Problem, WorkbookRefused
from excel_addin.reader import EntryBook, EntrySheet, read

FIELD_COLUMNS = {"value": "value", "corrects": "value", "note": "note", "evidence": "evidence",
                 "indicator": "indicator"}  # fmt: skip
CONTEXT_FIELDS = {key: 2 * n + 2 for n, (_, key) in enumerate(CONTEXT)}


@dataclass
class Imported:
    """The outcome of one import."""

    ok: bool
    problems: list[Problem] = field(default_factory=list)
    sheets: list[dict[str, Any]] = field(default_factory=list)
    """Per sheet submitted: subject, entries recorded, warnings (with cells)."""
    annotated: bytes | None = None
    status: int = 201
    template: str | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "template": self.template,
            "sheets": self.sheets,
            "problems": [p.as_dict() for p in self.problems],
        }


@dataclass
class Prepared:
    sheet: EntrySheet
    rows: list[dict[str, Any]]


def import_workbook(ctx: Context, bureau: str, data: bytes) -> Imported:
    """Check and submit an uploaded workbook; nothing is written when any problem is
    found, and the annotated copy says where each one is."""
    try:
        book = read(data, bureau)
        prepared = prepare(ctx, bureau, book)
        return Imported(True, sheets=submit(ctx, bureau, book, prepared), template=book.template)
    except WorkbookRefused as refused:
        return Imported(
            False,
            refused.problems,
            annotated=annotate.annotated_copy(data, refused.problems),
            status=refused.status,
        )


def prepare(ctx: Context, bureau: str, book: EntryBook) -> list[Prepared]:
    """Every sheet's submission rows, or WorkbookRefused with every cell problem."""
    layout, meta = book.meta.layout, book.meta
    measures = measures_of(ctx, bureau, {r.indicator for s in book.sheets for r in s.rows})
    choices: dict[tuple, dict[str, list[str]]] = {}
    problems: list[Problem] = list(book.problems)
    prepared = []
    for sheet in book.sheets:
        scheme = (sheet.meta.scheme, sheet.meta.scheme_version)
        if scheme not in choices:
            graded = any(measures.get(r.indicator) == GRADE_MEASURE for r in sheet.rows)
            choices[scheme] = (
                sources.grade_choices(ctx, bureau, meta.cycle, *scheme) if graded else {}
            )
        rows, found = sheet_rows(sheet, layout, measures, choices[scheme])
        problems += found
        prepared.append(Prepared(sheet, rows))
    if not problems:
        problems = nothing_entered(book, prepared)
    if problems:
        raise WorkbookRefused(problems)
    return prepared


def measures_of(ctx: Context, bureau: str, codes: set[str]) -> dict[str, str]:
    """Indicator code → measure (``grade`` values are labels, the rest numbers)."""
    return {i["code"]: i["measure"] for i in indicators.listing(ctx, bureau) if i["code"] in codes}


def sheet_rows(
    sheet: EntrySheet,
    layout: Layout,
    measures: dict[str, str],
    choices: dict[str, list[str]],
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The submission rows of one sheet (one per form row, empty values included so the
    service's row numbers are the form's) and the problems of its cells."""
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    name = sheet.meta.name

    def problem(row, key: str, exc: Exception) -> None:
        problems.append(
            Problem(key, str(exc), name, cell(row.sheet_row, layout.index(key)), row.number)
        )

    for row in sheet.rows:
        raw = row.cells
        out: dict[str, Any] = {"indicator": row.indicator, "value": None}
        try:
            if not cells.is_empty(raw.get("value")):
                out["value"] = cells.value(
                    raw["value"], measures.get(row.indicator, ""), choices.get(row.indicator)
                )
        except cells.CellError as exc:
            problem(row, "value", exc)
        try:
            note = cells.note(raw.get("note"))
            extra = [
                f"{column.header}: {cells.text_of(raw.get(column.key))}"
                for column in layout.extras
                if not cells.is_empty(raw.get(column.key))
            ]
            text = "\n".join([note, *extra] if note else extra)
            if text:
                out["note"] = text
        except cells.CellError as exc:
            problem(row, "note", exc)
        try:
            if not cells.is_empty(raw.get("evidence")):
                out["evidence"] = cells.evidence(raw["evidence"])
        except cells.CellError as exc:
            problem(row, "evidence", exc)
        if (
            out["value"] is None
            and (out.get("note") or out.get("evidence"))
            and cells.is_empty(raw.get("value"))
        ):
            problems.append(
                Problem(
                    "value",
                    "已填说明或佐证，但本期值为空 (a note or evidence is given but the value is "
                    "empty)",
                    name,
                    cell(row.sheet_row, layout.index("value")),
                    row.number,
                )
            )
        if _unchanged(out, sheet.meta.prefilled.get(row.indicator)):
            out["value"] = None  # left as the template showed it: nothing to send
        elif out["value"] is not None and sheet.meta.based:
            # corrects exactly the value the template showed (or none): if the figure
            # changed since, the service refuses rather than revert the newer figure
            out["corrects"] = sheet.meta.seqs.get(row.indicator)
        rows.append(out)
    return rows, problems


def nothing_entered(book: EntryBook, prepared: Sequence[Prepared]) -> list[Problem]:
    """A workbook that fills in or changes no value at all is a mistake (a 汇总表 may
    leave some units' sheets as they were)."""
    if any(r["value"] is not None for part in prepared for r in part.rows):
        return []
    first = book.sheets[0]
    return [
        Problem(
            "value",
            "没有填写或修改任何本期值 (no value is filled in or changed in this workbook)",
            first.meta.name,
            cell(first.rows[0].sheet_row, book.meta.layout.index("value")) if first.rows else None,
        )
    ]


def _unchanged(row: dict[str, Any], prefilled: str | None) -> bool:
    """The row still shows the value the template was made with, and nothing else."""
    if prefilled is None or row["value"] is None or row.get("note") or row.get("evidence"):
        return False
    try:
        return Decimal(row["value"]) == Decimal(prefilled)
    except ArithmeticError:
        return row["value"] == prefilled


def submit(
    ctx: Context, bureau: str, book: EntryBook, prepared: Sequence[Prepared]
) -> list[dict[str, Any]]:
    """Every sheet through the submission service in one unit of work: an office's
    汇总表 is recorded whole or not at all; a service error becomes problems on the
    cells of the sheet it names."""
    meta = book.meta
    given = [
        submissions.Submission(
            meta.cycle, meta.period, part.sheet.subject, part.rows, part.sheet.meta.scheme_version
        )
        for part in prepared
    ]
    try:
        results = submissions.submit_many(ctx, bureau, given)
    except ServiceError as exc:
        failures = getattr(exc, "failures", None) or [(getattr(exc, "submission", 1), exc)]
        problems = [
            problem
            for index, failure in failures
            for problem in service_problems(failure, prepared[index - 1].sheet, meta.layout)
        ]
        raise WorkbookRefused(problems, exc.status) from exc
    return [
        _accepted(part.sheet, meta.layout, result)
        for part, result in zip(prepared, results, strict=True)
    ]


def service_problems(exc: ServiceError, sheet: EntrySheet, layout: Layout) -> list[Problem]:
    """The service's errors (row, field, reason) as problems on the sheet's cells."""
    name = sheet.meta.name
    by_number = {r.number: r for r in sheet.rows}
    out = []
    for error in exc.errors or []:
        row = by_number.get(error.row) if error.row else None
        key = FIELD_COLUMNS.get(error.field.split(".")[0].split("[")[0])
        if row is not None:
            address = cell(row.sheet_row, layout.index(key or "value"))
        elif error.field in CONTEXT_FIELDS:
            address = cell(CONTEXT_ROW, CONTEXT_FIELDS[error.field])
        elif error.field in ("unit", "person", "cycle", "bureau"):
            address = cell(CONTEXT_ROW, CONTEXT_FIELDS["subject"])
        else:
            address = None
        out.append(Problem(error.field, error.reason, name, address, row.number if row else None))
    if not out:
        out.append(Problem("sheet", f"{exc.title}: {exc.detail}", name, "B2"))
    return out


def _accepted(sheet: EntrySheet, layout: Layout, result: dict[str, Any]) -> dict[str, Any]:
    by_number = {r.number: r for r in sheet.rows}
    warnings = []
    for warning in result.get("warnings", []):
        row = by_number.get(warning.get("row"))
        warnings.append(
            {
                **warning,
                "sheet": sheet.meta.name,
                "cell": cell(row.sheet_row, layout.index("value")) if row else None,
            }
        )
    return {
        "sheet": sheet.meta.name,
        "subject": sheet.meta.subject,
        "kind": sheet.meta.kind,
        "entries": [e["seq"] for e in result.get("entries", [])],
        "warnings": warnings,
    }
