"""The entry sheet's layout, shared by every Excel channel: the .xlsx template and its
import, and the xlwings add-in (desktop and server). One layout means a sheet laid out
by the add-in can be saved and uploaded as a template, and the other way round.

A sheet has a small context block on top (who reports, for which period, on which
scheme version), a header row with Chinese headers and the English alongside, then one
row per indicator of the entry form::

    row 1   title
    row 2   单位 (Unit) | u1 | 期间 (Period) | 2026-Q1 | 方案 (Scheme) | … | 版本 (Version) | 3 | …
    row 3   how to fill it in
    row 4   headers
    row 5…  one row per indicator, in the form's order

Only the value, note, evidence and plugin columns are input cells; the rest are locked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

TITLE_ROW = 1
CONTEXT_ROW = 2
HELP_ROW = 3
HEADER_ROW = 4
FIRST_ROW = 5

META_SHEET = "_meta"
ERRORS_SHEET = "错误 (Errors)"
FORMAT = "jixiao-entry/1"
GRADE_MEASURE = "grade"

HELP = (
    "请在黄色单元格填写本期值、说明和佐证；其他单元格已锁定。"
    " (Fill in the yellow cells: value, note, evidence. Other cells are locked.)"
)


@dataclass(frozen=True)
class Column:
    key: str
    """The field it holds: a FormRow field, an input (value, note, evidence), a plugin
    column's field, or ``status``."""
    zh: str
    en: str
    width: float
    input: bool = False
    plugin: str | None = None

    @property
    def header(self) -> str:
        return f"{self.zh} ({self.en})"


STANDARD = (
    Column("indicator", "指标代码", "Code", 12),
    Column("name", "指标", "Indicator", 28),
    Column("measure", "计量单位", "Unit", 10),
    Column("target", "目标值", "Target", 11),
    Column("last_value", "上期值", "Last period", 12),
    Column("value", "本期值", "Value", 14, input=True),
    Column("note", "说明", "Note", 30, input=True),
    Column("evidence", "佐证", "Evidence SHA-256", 24, input=True),
    Column("needs_evidence", "需佐证", "Evidence required", 10),
)
STATUS = Column("status", "状态", "Status", 36)
INPUTS = ("value", "note", "evidence")

# What each context cell of row 2 holds: (label, key) pairs laid out left to right
# (the subject's label says 人员 (Person) on a person's form).
CONTEXT = (
    ("单位 (Unit)", "subject"),
    ("期间 (Period)", "period"),
    ("方案 (Scheme)", "scheme"),
    ("版本 (Version)", "scheme_version"),
    ("局 (Bureau)", "bureau"),
    ("周期 (Cycle)", "cycle"),
)
PERSON_LABEL = "人员 (Person)"


@dataclass(frozen=True)
class Layout:
    """The columns of one workbook: the standard ones, plugins' extra columns, status."""

    columns: tuple[Column, ...] = field(default=(*STANDARD, STATUS))

    @classmethod
    def with_plugins(cls, extra: Sequence[dict[str, Any]] = ()) -> Layout:
        """``extra``: plugins' ExcelLayout columns as ``{plugin, header, field}`` dicts,
        placed after the standard columns (headers are the plugin's own 中文 (English))."""
        added = []
        for item in extra:
            zh, _, en = str(item["header"]).partition(" (")
            added.append(
                Column(
                    f"x:{item['field']}", zh, en.rstrip(")") or item["field"], 16, True,
                    item["plugin"],
                )
            )  # fmt: skip
        return cls((*STANDARD, *added, STATUS))

    def index(self, key: str) -> int:
        """1-based column number of ``key``."""
        for number, column in enumerate(self.columns, start=1):
            if column.key == key:
                return number
        raise KeyError(key)

    def letter(self, key: str) -> str:
        return get_column_letter(self.index(key))

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    @property
    def extras(self) -> list[Column]:
        return [c for c in self.columns if c.plugin]

    def describe(self) -> list[dict[str, Any]]:
        """The layout as recorded in ``_meta`` (and covered by its hash)."""
        return [{"key": c.key, "header": c.header} for c in self.columns]

    @classmethod
    def from_description(cls, described: Sequence[dict[str, Any]]) -> Layout:
        """The layout a template was made with, from its ``_meta``."""
        known = {c.key: c for c in (*STANDARD, STATUS)}
        columns = []
        for item in described:
            key = str(item["key"])
            if key in known:
                columns.append(known[key])
            else:
                zh, _, en = str(item["header"]).partition(" (")
                columns.append(Column(key, zh, en.rstrip(")"), 16, True, "plugin"))
        return cls(tuple(columns))


def cell(row: int, column: int) -> str:
    """A1-style address."""
    return f"{get_column_letter(column)}{row}"


def sheet_title(code: str, name: str, taken: set[str]) -> str:
    """A sheet name for a subject: its code and name, within Excel's rules (≤ 31
    characters, none of ``[]:*?/\\``, unique ignoring case)."""
    bad = str.maketrans({c: "_" for c in "[]:*?/\\"})
    base = f"{code} {name}".translate(bad).strip("'")[:31] or "sheet"
    title, n = base, 2
    while title.lower() in taken or title in (META_SHEET, ERRORS_SHEET):
        suffix = f"~{n}"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def title_of(form: dict[str, Any]) -> str:
    return (
        f"{form['subject_name']} {form['period']} 数据填报 (data entry) · "
        f"{form['bureau']} / {form['cycle']}"
    )


def context_cells(form: dict[str, Any]) -> list[Any]:
    """Row 2: label, value, label, value…"""
    out: list[Any] = []
    for label, key in CONTEXT:
        if key == "subject" and form.get("subject_kind") == "person":
            label = PERSON_LABEL
        out += [label, form.get(key)]
    return out


def row_values(layout: Layout, row: dict[str, Any]) -> list[Any]:
    """One form row as the sheet shows it (inputs carry the current value, if any)."""
    values: list[Any] = []
    for column in layout.columns:
        if column.key == "name":
            english = row.get("name_en")
            values.append(f"{row['name']} ({english})" if english else row["name"])
        elif column.key == "needs_evidence":
            values.append("是 (yes)" if row.get("evidence") else "否 (no)")
        elif column.key in ("value", "target", "last_value"):
            values.append(number_or_text(row.get(column.key), row.get("measure")))
        elif column.key in ("note", "evidence", "status") or column.plugin:
            values.append(None)
        else:
            values.append(row.get(column.key))
    return values


def number_or_text(text: str | None, measure: str | None) -> Any:
    """A stored decimal as the number a spreadsheet shows (grades stay text). Values
    are decimal strings with at most 18 + 12 digits; floats carry 15–17 significant
    digits, so long ones stay text rather than be rounded on the way out."""
    if text is None or measure == GRADE_MEASURE:
        return text
    digits = len(text.lstrip("-").replace(".", "").lstrip("0"))
    if digits > 15:
        return text
    number = float(text)
    return int(number) if number.is_integer() and "." not in text else number
