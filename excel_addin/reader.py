"""Reading an uploaded entry workbook into submissions, or the list of what is wrong.

The file is first checked as a package (:mod:`excel_addin.package`), then read with
python-calamine (fast, and it reads the cells themselves, never trusting the
``<dimension>`` record), then checked against its ``_meta`` sheet: the template's
format and bureau, the entry sheets it names and no others, the headers, the indicator
rows in the form's order, no duplicate rows, no formulas (from the sheet XML: calamine
gives only values), no merged cells over the form, nothing written outside the form.
Each input cell is then read (:mod:`excel_addin.cells`). Every problem is collected,
each naming its sheet and cell, so one upload reports them all.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import python_calamine
from openpyxl.utils.cell import range_boundaries

from excel_addin import cells
from excel_addin.layout import (
    CONTEXT,
    CONTEXT_ROW,
    ERRORS_SHEET,
    FIRST_ROW,
    FORMAT,
    HEADER_ROW,
    META_SHEET,
    Layout,
    cell,
)
from excel_addin.meta import Meta, MetaError, SheetMeta, parse
from excel_addin.package import Package, PackageError, open_package
from excel_addin.problems import Problem, WorkbookRefused

CALAMINE_ERRORS = (
    python_calamine.CalamineError,
    python_calamine.PasswordError,
    python_calamine.XmlError,
    python_calamine.ZipError,
    python_calamine.WorksheetNotFound,
)


@dataclass
class EntryRow:
    number: int
    """Position on the form (1 = first indicator row)."""
    indicator: str
    sheet_row: int
    cells: dict[str, Any]
    """Layout key → raw cell value."""


@dataclass
class EntrySheet:
    meta: SheetMeta
    rows: list[EntryRow] = field(default_factory=list)

    @property
    def subject(self) -> dict[str, str]:
        return {self.meta.kind: self.meta.subject}


@dataclass
class EntryBook:
    meta: Meta
    template: str
    sheets: list[EntrySheet]
    package: Package
    problems: list[Problem] = field(default_factory=list)
    """Problems of the sheets' layout (the cells are read all the same, so one upload
    reports both)."""


def read(data: bytes, bureau: str | None = None) -> EntryBook:
    """The workbook's entry sheets with the problems of their layout; WorkbookRefused
    when it cannot be read as a template of this bureau at all."""
    try:
        package = open_package(data)
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        return _entry_book(package, book, bureau)
    except PackageError as exc:
        raise WorkbookRefused([Problem("file", str(exc))]) from exc
    except CALAMINE_ERRORS as exc:  # also when a sheet is read: calamine parses it then
        raise WorkbookRefused(
            [Problem("file", f"工作簿无法读取 (the workbook cannot be read: {exc})")]
        ) from exc


def _entry_book(
    package: Package, book: python_calamine.CalamineWorkbook, bureau: str | None
) -> EntryBook:
    names = list(book.sheet_names)
    if META_SHEET not in names:
        raise WorkbookRefused(
            [
                Problem(
                    "template",
                    "不是本系统的填报模板（缺少 _meta 工作表）：请下载模板后填写 "
                    "(not a jixiao entry template: no _meta sheet; download a template)",
                )
            ]
        )
    try:
        meta, template, stated = parse(book.get_sheet_by_name(META_SHEET).to_python())
    except MetaError as exc:
        raise WorkbookRefused(
            [
                Problem(
                    "template",
                    "模板信息（_meta）不完整或被改动：请重新下载模板 "
                    "(the template's _meta sheet is incomplete or was edited: download a "
                    "new template)",
                    META_SHEET,
                )
            ]
        ) from exc
    problems = _check_meta(meta, template, stated, bureau)
    if problems:
        raise WorkbookRefused(problems)
    problems += _check_sheets(package, names, meta)
    sheets = []
    for sheet_meta in meta.sheets:
        if sheet_meta.name not in names:
            continue
        grid = book.get_sheet_by_name(sheet_meta.name).to_python(skip_empty_area=False)
        entry, found = _read_sheet(package, sheet_meta, meta, grid)
        problems += found
        sheets.append(entry)
    return EntryBook(meta, template, sheets, package, problems)


def _check_meta(meta: Meta, template: str, stated: str, bureau: str | None) -> list[Problem]:
    if meta.format != FORMAT:
        return [
            Problem(
                "template",
                f"模板格式 {meta.format} 不受支持：请重新下载模板 "
                f"(template format {meta.format!r} is not supported: download a new template)",
                META_SHEET,
            )
        ]
    if stated != meta.hash or template != meta.template:
        return [
            Problem(
                "template",
                "模板信息（_meta）被改动：请重新下载模板 "
                "(the template's _meta sheet was edited: download a new template)",
                META_SHEET,
            )
        ]
    if bureau is not None and meta.bureau != bureau:
        return [
            Problem(
                "bureau",
                f"这是“{meta.bureau}”的模板，不能提交到“{bureau}” "
                f"(a template of bureau {meta.bureau!r}, not {bureau!r})",
                META_SHEET,
            )
        ]
    return []


def _check_sheets(package: Package, names: Sequence[str], meta: Meta) -> list[Problem]:
    expected = {s.name for s in meta.sheets}
    problems = []
    for name in names:
        if name in expected or name in (META_SHEET, ERRORS_SHEET):
            continue
        part = package.sheet(name)
        hidden = part is not None and part.state != "visible"
        problems.append(
            Problem(
                "sheet",
                (
                    f"隐藏的工作表“{name}”不属于模板：请删除 "
                    if hidden
                    else f"工作表“{name}”不属于模板：请删除 "
                )
                + f"({'hidden ' if hidden else ''}sheet {name!r} is not part of the template: "
                "remove it)",
                name,
            )
        )
    for name in sorted(expected - set(names)):
        problems.append(
            Problem(
                "sheet",
                f"模板的工作表“{name}”不见了（被删除或改名）：请重新下载模板 "
                f"(the template's sheet {name!r} is missing: deleted or renamed)",
                name,
            )
        )
    return problems


def _read_sheet(
    package: Package, sheet: SheetMeta, meta: Meta, grid: list[list[Any]]
) -> tuple[EntrySheet, list[Problem]]:
    layout = meta.layout
    name = sheet.name
    problems: list[Problem] = []
    entry = EntrySheet(sheet)

    def at(row: int, column: int) -> Any:
        if row - 1 < len(grid) and column - 1 < len(grid[row - 1]):
            return grid[row - 1][column - 1]
        return None

    problems += _check_headers(
        name, layout, [at(HEADER_ROW, n) for n in range(1, 1 + len(layout.columns))]
    )
    problems += _check_context(name, sheet, meta, at)
    part = package.sheet(name)
    if part is not None:
        for address, formula in sorted(part.formulas().items()):
            problems.append(
                Problem(
                    "formula",
                    f"单元格含公式 {formula[:60]}：请直接填写数值 "
                    f"(the cell holds a formula, {formula[:60]}: type the value itself)",
                    name,
                    address,
                )
            )
        for address, error in sorted(part.error_values().items()):
            problems.append(
                Problem(
                    "error",
                    f"单元格是错误值 {error[:20]}：请直接填写数值 "
                    f"(the cell holds the error value {error[:20]}: type the value itself)",
                    name,
                    address,
                )
            )
        for merged in part.merged():
            *_, bottom = range_boundaries(merged)
            if bottom >= HEADER_ROW:
                problems.append(
                    Problem(
                        "merged",
                        f"表格中有合并单元格 {merged}：请取消合并 "
                        f"(merged cells {merged} over the form: unmerge them)",
                        name,
                        merged.split(":")[0],
                    )
                )
    code_column = layout.index("indicator")
    seen: dict[str, int] = {}
    for offset, expected in enumerate(sheet.indicators):
        number = FIRST_ROW + offset
        code = cells.text_of(at(number, code_column))
        if code in seen:
            problems.append(
                Problem(
                    "indicator",
                    f"重复行：指标 {code} 已在第 {seen[code]} 行 "
                    f"(duplicate row: indicator {code} is also on row {seen[code]})",
                    name,
                    cell(number, code_column),
                    offset + 1,
                )
            )
        elif code != expected:
            problems.append(
                Problem(
                    "indicator",
                    f"此行应为指标 {expected}，实为“{code}”：行被移动、插入或删除，请重新下载模板 "
                    f"(this row should be indicator {expected}, found {code!r}: rows were moved, "
                    "inserted or deleted; download a new template)",
                    name,
                    cell(number, code_column),
                    offset + 1,
                )
            )
        seen.setdefault(code, number)
        entry.rows.append(
            EntryRow(
                offset + 1,
                expected,
                number,
                {c.key: at(number, n) for n, c in enumerate(layout.columns, start=1) if c.input},
            )
        )
    problems += _outside(name, grid, FIRST_ROW + len(sheet.indicators), len(layout.columns))
    return entry, problems


def _check_headers(name: str, layout: Layout, found: list[Any]) -> list[Problem]:
    expected = layout.headers
    shown = [cells.text_of(v) for v in found]
    if shown == expected:
        return []
    reordered = sorted(shown) == sorted(expected)
    problems = []
    for number, (want, got) in enumerate(zip(expected, shown, strict=True), start=1):
        if want != got:
            what = (
                "列的顺序被改动 (columns were reordered)"
                if reordered
                else "列标题被改动 (a column header was changed)"
            )
            problems.append(
                Problem(
                    "header",
                    f"{what}：此列应为“{want}”，实为“{got}” (expected {want!r}, found {got!r})",
                    name,
                    cell(HEADER_ROW, number),
                )
            )
    return problems


def _check_context(name: str, sheet: SheetMeta, meta: Meta, at) -> list[Problem]:
    wanted = {"subject": sheet.subject, "period": meta.period, "scheme": sheet.scheme,
              "scheme_version": sheet.scheme_version, "bureau": meta.bureau,
              "cycle": meta.cycle}  # fmt: skip
    problems = []
    for position, (label, key) in enumerate(CONTEXT):
        column = 2 * position + 2
        shown = cells.text_of(at(CONTEXT_ROW, column))
        want = "" if wanted[key] is None else str(wanted[key])
        if shown != want:
            problems.append(
                Problem(
                    key,
                    f"{label}应为“{want}”，实为“{shown}”：表头被改动 "
                    f"(should read {want!r}, found {shown!r}: the heading was edited)",
                    name,
                    cell(CONTEXT_ROW, column),
                )
            )
    return problems


def _outside(name: str, grid: list[list[Any]], first_free: int, width: int) -> list[Problem]:
    """Anything written below the form or to the right of it (a total row, a scratch
    calculation): refused, since nobody would see it was not sent."""
    problems = []
    for number, row in enumerate(grid, start=1):
        for column, raw in enumerate(row, start=1):
            if cells.is_empty(raw):
                continue
            if number >= first_free or (number >= HEADER_ROW and column > width):
                problems.append(
                    Problem(
                        "outside",
                        "表格以外有内容：请删除（不会被提交） "
                        "(content outside the form: remove it, it would not be submitted)",
                        name,
                        cell(number, column),
                    )
                )
                if len(problems) >= 20:
                    return problems
    return problems


def row_cells(layout: Layout, row: Mapping[str, Any]) -> dict[str, str]:
    """Layout key → cell address of an entry row's inputs (for error marking)."""
    return {key: cell(row["sheet_row"], layout.index(key)) for key in row["cells"]}
