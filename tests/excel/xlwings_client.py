"""A stand-in for the xlwings clients' side (the Excel host cannot run here): it builds
the book payload exactly as xlwings' Office.js module (``getBookData``) and VBA
``RunServerPython`` (Remote.bas) do, and applies the returned actions to its grid the
way their callbacks do (0-based ``start_row``/``start_column``, ``sheet_position``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

VERSION = "0.37.8"


@dataclass
class Sheet:
    name: str
    values: dict[tuple[int, int], Any] = field(default_factory=dict)
    colours: dict[tuple[int, int], str] = field(default_factory=dict)
    notes: dict[tuple[int, int], str] = field(default_factory=dict)
    frozen: str | None = None

    def grid(self, empty: Any) -> list[list[Any]]:
        if not self.values:
            return [[empty]]
        rows = max(r for r, _ in self.values) + 1
        cols = max(c for _, c in self.values) + 1
        return [[self.values.get((r, c), empty) for c in range(cols)] for r in range(rows)]

    def __getitem__(self, address: str) -> Any:
        return self.values.get(_rc(address))

    def __setitem__(self, address: str, value: Any) -> None:
        self.values[_rc(address)] = value


def _rc(address: str) -> tuple[int, int]:
    letters = "".join(c for c in address if c.isalpha())
    column = 0
    for char in letters:
        column = column * 26 + ord(char.upper()) - 64
    return int(address[len(letters) :]) - 1, column - 1


@dataclass
class Workbook:
    client: str = "Office.js"
    sheets: list[Sheet] = field(default_factory=lambda: [Sheet("Sheet1")])
    active: int = 0
    notes_supported: bool = True

    def sheet(self, name: str) -> Sheet:
        return next(s for s in self.sheets if s.name == name)

    def payload(self) -> dict:
        empty = "" if self.client == "Office.js" else None
        book = {"name": "填报.xlsx", "active_sheet_index": self.active, "selection": "A1"}
        sheets = []
        for sheet in self.sheets:
            item = {"name": sheet.name, "values": sheet.grid(empty), "pictures": [], "tables": []}
            if self.client == "Office.js" and self.notes_supported:
                item["notes"] = [{"address": _a1(*k)} for k in sheet.notes]
                item["notes_supported"] = True
            sheets.append(item)
        return {"client": self.client, "version": VERSION, "book": book, "names": [],
                "sheets": sheets}  # fmt: skip

    def apply(self, answer: dict) -> list[str]:
        """Apply the actions; returns the names of the functions called."""
        called = []
        for action in answer["actions"]:
            func = action["func"]
            called.append(func)
            getattr(self, "_" + func)(action)
        return called

    def _target(self, action):
        sheet = self.sheets[action["sheet_position"]]
        r0, c0 = action["start_row"], action["start_column"]
        return sheet, [(r0 + r, c0 + c) for r in range(action["row_count"])
                       for c in range(action["column_count"])]  # fmt: skip

    def _setValues(self, action):
        sheet = self.sheets[action["sheet_position"]]
        for r, row in enumerate(action["values"]):
            for c, value in enumerate(row):
                sheet.values[(action["start_row"] + r, action["start_column"] + c)] = value

    def _setRangeColor(self, action):
        sheet, cells = self._target(action)
        for key in cells:
            sheet.colours[key] = action["args"][0]

    def _addSheet(self, action):
        self.sheets.insert(int(action["args"][0]), Sheet(action["args"][1] or "Sheet"))

    def _setSheetName(self, action):
        self.sheets[action["sheet_position"]].name = action["args"][0]

    def _activateSheet(self, action):
        self.active = int(action["args"][0])

    def _sheetClear(self, action):
        sheet = self.sheets[action["sheet_position"]]
        sheet.values.clear(), sheet.colours.clear(), sheet.notes.clear()

    def _setNumberFormat(self, action):
        pass

    def _setAutofit(self, action):
        pass

    def _freezePaneAtRange(self, action):
        assert self.client == "Office.js", "VBA clients have no freezePaneAtRange"
        self.sheets[action["sheet_position"] or 0].frozen = action["args"][0]

    def _addNote(self, action):
        assert self.client == "Office.js", "VBA clients have no addNote"
        sheet = self.sheets[action["sheet_position"]]
        sheet.notes[_rc(action["args"][0].replace("$", ""))] = action["args"][1]


def _a1(row: int, column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


VBA_ACTIONS = {"setValues", "rangeClearContents", "rangeClearFormats", "rangeClear", "addSheet",
               "setSheetName", "setAutofit", "setRangeColor", "activateSheet", "addHyperlink",
               "setNumberFormat", "alert", "setRangeName", "namesAdd", "nameDelete", "runMacro",
               "rangeDelete", "rangeInsert", "rangeSelect", "sheetDelete", "sheetClear",
               "sheetClearContents", "sheetClearFormats"}  # fmt: skip
"""The callbacks xlwings 0.37.8's Remote.bas defines: a VBA client can apply only these."""
