"""Entry templates (填报模板): an .xlsx workbook made from entry forms with openpyxl.

One sheet per subject (one for a unit's own form; one per unit for an office entering on
behalf of its units, the 汇总表), laid out as :mod:`excel_addin.layout` says, and a very
hidden ``_meta`` sheet (:mod:`excel_addin.meta`). Non-input cells are locked (sheet
protection without a password: it guards against slips, not against the owner of the
file, and the server checks everything again); value cells carry number validation, or
a list for qualitative grades; the header is frozen and repeated on every printed page.
Excel, WPS and LibreOffice all honour these.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Protection
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from excel_addin import styles
from excel_addin.layout import (
    CONTEXT_ROW,
    ERRORS_SHEET,
    FIRST_ROW,
    GRADE_MEASURE,
    HEADER_ROW,
    HELP,
    HELP_ROW,
    META_SHEET,
    TITLE_ROW,
    Layout,
    context_cells,
    row_values,
    sheet_title,
    title_of,
)
from excel_addin.meta import Meta, SheetMeta
from excel_addin.writing import put

LIMIT = "999999999999999999"  # 18 digits before the point: the platform's limit
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Choices = Mapping[str, Sequence[str]]
"""Indicator code → the grade labels its rule accepts (for list validation)."""


def build(
    forms: Sequence[Mapping[str, Any]], layout: Layout | None = None, choices: Choices | None = None
) -> bytes:
    """The template workbook of ``forms`` (EntryForm dicts of one bureau, cycle and
    period) as .xlsx bytes."""
    if not forms:
        raise ValueError("no forms to make a template of")
    layout = layout or Layout()
    choices = choices or {}
    first = forms[0]
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = {ERRORS_SHEET.lower(), META_SHEET.lower()}
    meta = Meta(
        bureau=first["bureau"],
        cycle=first["cycle"],
        period=first["period"],
        layout=layout,
    )
    for form in forms:
        if (form["bureau"], form["cycle"], form["period"]) != (
            meta.bureau,
            meta.cycle,
            meta.period,
        ):
            raise ValueError("a template holds forms of one bureau, cycle and period")
        name = sheet_title(form["subject"], form["subject_name"], taken)
        sheet = book.create_sheet(name)
        lay_out(sheet, form, layout, choices)
        meta.sheets.append(
            SheetMeta(
                name,
                form["subject_kind"],
                form["subject"],
                form["scheme"],
                form["scheme_version"],
                [r["indicator"] for r in form["rows"]],
                {r["indicator"]: r["value"] for r in form["rows"] if r.get("value") is not None},
                {r["indicator"]: r["seq"] for r in form["rows"] if r.get("seq") is not None},
            )
        )
    write_meta(book, meta)
    book.security = WorkbookProtection(lockStructure=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def lay_out(sheet: Worksheet, form: Mapping[str, Any], layout: Layout, choices: Choices) -> None:
    """One subject's entry sheet."""
    put(sheet, TITLE_ROW, 1, title_of(form)).font = styles.TITLE
    for column, value in enumerate(context_cells(form), start=1):
        target = put(sheet, CONTEXT_ROW, column, value)
        if column % 2:
            target.font = styles.BOLD
    put(sheet, HELP_ROW, 1, HELP)
    for column, spec in enumerate(layout.columns, start=1):
        head = put(sheet, HEADER_ROW, column, spec.header)
        head.font, head.fill, head.alignment, head.border = (
            styles.BOLD, styles.HEADER, styles.CENTRE, styles.GRID
        )  # fmt: skip
        sheet.column_dimensions[head.column_letter].width = spec.width
    inputs = [n for n, c in enumerate(layout.columns, start=1) if c.input]
    unlocked = Protection(locked=False)
    rows = form["rows"]
    for offset, row in enumerate(rows):
        number = FIRST_ROW + offset
        for column, value in enumerate(row_values(layout, row), start=1):
            target = put(sheet, number, column, value)
            target.border = styles.GRID
            if column in inputs:
                target.fill, target.protection = styles.INPUT, unlocked
            else:
                target.fill = styles.LOCKED
    if rows:
        _validations(sheet, rows, layout, choices)
    sheet.freeze_panes = sheet.cell(FIRST_ROW, layout.index("measure"))
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = protection.formatRows = False  # widths may be changed


def _validations(
    sheet: Worksheet, rows: Sequence[Mapping[str, Any]], layout: Layout, choices: Choices
) -> None:
    value, evidence = layout.letter("value"), layout.letter("evidence")
    numbers = DataValidation(
        type="decimal",
        operator="between",
        formula1=f"-{LIMIT}",
        formula2=LIMIT,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="请填数字 (a number)",
        error="本期值须为数字，如 92.50 (the value must be a number, such as 92.50)",
        promptTitle="本期值 (value)",
        prompt="填数字，不要公式 (a number, not a formula)",
        showInputMessage=True,
    )
    lists: dict[tuple[str, ...], DataValidation] = {}
    for offset, row in enumerate(rows):
        address = f"{value}{FIRST_ROW + offset}"
        labels = tuple(choices.get(row["indicator"], ()))
        if row.get("measure") == GRADE_MEASURE and labels:
            found = lists.get(labels)
            if found is None:
                found = lists[labels] = DataValidation(
                    type="list",
                    formula1='"' + ",".join(labels) + '"',
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle="请从列表选择 (pick from the list)",
                    error=f"可选: {'/'.join(labels)} (one of the listed grades)",
                )
            found.add(address)
        elif row.get("measure") != GRADE_MEASURE:
            numbers.add(address)
    hashes = DataValidation(
        type="textLength",
        operator="equal",
        formula1="64",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="佐证 (evidence)",
        error="填上传佐证文件后得到的 64 位 SHA-256 (the 64-hex SHA-256 of an uploaded file)",
    )
    hashes.add(f"{evidence}{FIRST_ROW}:{evidence}{FIRST_ROW + len(rows) - 1}")
    for validation in (numbers, hashes, *lists.values()):
        if validation.sqref:
            sheet.add_data_validation(validation)


def write_meta(book: Workbook, meta: Meta) -> Worksheet:
    sheet = book.create_sheet(META_SHEET)
    for row in meta.rows():
        sheet.append(row)
    sheet.sheet_state = "veryHidden"
    sheet.protection.sheet = True
    return sheet
