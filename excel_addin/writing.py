"""Text written into a workbook stays text.

Unit, person and indicator names, reasons and notes come from people. Written as they
are, ``=HYPERLINK("http://…")`` as a unit's name became a live formula in the results
workbook and in the unit's own template (whose import then refused the template's own
title cell). Two writers, two ways:

* openpyxl makes any string starting with ``=`` a formula: :func:`put` stores such a
  string as a string (``t="s"``), shown exactly as typed;
* live Excel (the xlwings add-in, the Office.js pane) parses what it is given, as a
  person typing: ``=``, ``+``, ``-`` and ``@`` start a formula (OWASP's CSV/formula
  injection). :func:`typed_as_text` prefixes such text, unless it is a plain number,
  with the apostrophe Excel reads as "this is text" and does not keep in the value.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the desktop add-in imports this module without openpyxl
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def put(sheet: Worksheet, row: int, column: int, value: Any = None) -> Cell:
    """``sheet.cell(row, column, value)``, with text always kept as text."""
    target = sheet.cell(row, column)
    target.value = value
    if isinstance(value, str) and target.data_type == "f":
        target.data_type = "s"
    return target


def typed_as_text(value: Any) -> Any:
    """``value`` as it must be handed to live Excel so that text stays text."""
    formula_like = isinstance(value, str) and value.startswith(FORMULA_START)
    return "'" + value if formula_like and not PLAIN_NUMBER.fullmatch(value) else value
