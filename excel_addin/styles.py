"""Colours and cell styles shared by templates, annotated copies, results workbooks and
the xlwings add-in (which sends the same colours as hex)."""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

INPUT_HEX = "#FFF2CC"  # light yellow: cells the clerk fills in
LOCKED_HEX = "#F2F2F2"  # light grey: read-only
HEADER_HEX = "#D9E1F2"  # pale blue: header row
ERROR_HEX = "#FFC7CE"  # light red: a cell with a problem
OK_HEX = "#C6EFCE"  # light green: accepted
WARN_HEX = "#FFEB9C"  # amber: accepted with a warning


def fill(hex_colour: str) -> PatternFill:
    rgb = "FF" + hex_colour.lstrip("#").upper()
    return PatternFill("solid", start_color=rgb, end_color=rgb)


INPUT = fill(INPUT_HEX)
LOCKED = fill(LOCKED_HEX)
HEADER = fill(HEADER_HEX)
ERROR = fill(ERROR_HEX)
OK = fill(OK_HEX)
WARN = fill(WARN_HEX)

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
THIN = Side(style="thin", color="FFBFBFBF")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
