"""The annotated copy of a refused workbook: the clerk's own file back, with each bad
cell highlighted and a note on it giving the reason, and a 错误 (Errors) sheet listing
every problem with its cell address first. The ``_meta`` sheet stays, so the clerk fixes
the cells and uploads the same file again (the 错误 sheet is ignored on import).

A file that openpyxl cannot open (not a workbook, a zip bomb, encrypted) gets no copy:
the problem list alone says why.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Sequence
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from excel_addin import styles
from excel_addin.layout import ERRORS_SHEET
from excel_addin.problems import Problem
from excel_addin.writing import put

HEADERS = ("工作表 (Sheet)", "单元格 (Cell)", "字段 (Field)", "问题 (Problem)")
WIDTHS = (22, 12, 14, 90)
AUTHOR = "jixiao"


def annotated_copy(data: bytes, problems: Sequence[Problem]) -> bytes | None:
    """``data`` with ``problems`` marked, or None when it cannot be opened as a workbook
    (or is one of the files refused before parsing)."""
    if not problems or any(p.field == "file" for p in problems):
        return None
    try:
        return _annotate(data, problems)
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        OSError,
        TypeError,
        ElementTree.ParseError,  # XML calamine read but openpyxl cannot (&#x7; in a string)
    ):
        return None
    except Exception:  # the problems are reported either way; a copy is a courtesy
        logging.getLogger("jixiao.excel").exception("could not annotate a workbook")
        return None


def _annotate(data: bytes, problems: Sequence[Problem]) -> bytes:
    book = load_workbook(io.BytesIO(data), rich_text=False)
    by_cell: dict[tuple[str, str], list[str]] = {}
    for problem in problems:
        if problem.sheet in book.sheetnames and problem.cell:
            by_cell.setdefault((problem.sheet, problem.cell), []).append(problem.reason)
    for (sheet, address), reasons in by_cell.items():
        target = _writable(book[sheet], address)
        target.fill = styles.ERROR
        text = "\n".join(reasons)
        comment = Comment(text[:30_000], AUTHOR)
        comment.width, comment.height = 320, min(60 + 40 * len(reasons), 400)
        target.comment = comment
    if ERRORS_SHEET in book.sheetnames:
        del book[ERRORS_SHEET]
    errors = book.create_sheet(ERRORS_SHEET, 0)
    write_errors(errors, problems)
    book.active = 0
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = sheet is errors
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _writable(sheet: Worksheet, address: str):
    """The cell to mark for ``address``: the cell itself, or, inside a merged range (whose
    other cells cannot hold a note), the range's top-left cell."""
    target = sheet[address]
    if isinstance(target, MergedCell):
        for merged in sheet.merged_cells.ranges:
            if address in merged:
                return sheet.cell(merged.min_row, merged.min_col)
    return target


def write_errors(sheet: Worksheet, problems: Sequence[Problem]) -> None:
    sheet.append(HEADERS)
    for column, width in enumerate(WIDTHS, start=1):
        head = sheet.cell(1, column)
        head.font, head.fill = styles.BOLD, styles.HEADER
        sheet.column_dimensions[head.column_letter].width = width
    for number, problem in enumerate(problems, start=2):
        texts = (problem.sheet or "", problem.cell or "", problem.field, problem.reason)
        for column, text in enumerate(texts, start=1):
            put(sheet, number, column, text)
        sheet.cell(number, 4).alignment = styles.WRAP
    sheet.freeze_panes = "A2"
