"""The xlwings add-in's four functions, each taking an ``xw.Book``: lay out a unit's
entry sheet for a period, read it, send it, and mark the outcome on it.

They run unchanged in two places:

* on desktop Excel (Windows, macOS) through the ribbon (``RunPython`` →
  :mod:`excel_addin.desktop.jixiao_addin`, ``xw.Book.caller()``), sending over HTTP
  with the user's token (:class:`HttpSender`);
* on the server, behind the xlwings-Server-style endpoint, on ``xw.Book(json=…)`` built
  from the Office.js pane's or VBA ``RunServerPython``'s payload, sending straight to
  the submission service (:class:`ServiceSender`); the book then holds the actions
  the client applies.

The sheet is the template's layout (:mod:`excel_addin.layout`), so a sheet laid out
here can also be saved and uploaded as a file. Only actions every client applies are
used (values, fill colours, number formats, autofit, sheets); notes and frozen panes
where the client has them (desktop, Office.js with ExcelApi 1.18), else the status
column alone carries the error text.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from excel_addin import styles
from excel_addin.layout import (
    CONTEXT,
    CONTEXT_ROW,
    FIRST_ROW,
    HEADER_ROW,
    HELP,
    HELP_ROW,
    PERSON_LABEL,
    TITLE_ROW,
    Layout,
    cell,
    context_cells,
    row_values,
    sheet_title,
    title_of,
)
from excel_addin.writing import typed_as_text

OK_MARK = "✓ 已记录 (recorded)"
EMPTY_MARK = "— 未填 (not reported)"


@dataclass
class SheetEntry:
    """What :func:`read` found on an entry sheet."""

    sheet: str
    bureau: str
    cycle: str
    period: str
    subject: dict[str, str]
    scheme_version: int | None
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    """``{row: sheet row, indicator, cells: {key: raw value}}``, one per indicator."""

    def as_json(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "cycle": self.cycle,
            "period": self.period,
            "subject": self.subject,
            "scheme_version": self.scheme_version,
            "columns": self.columns,
            "rows": [
                {**r, "cells": {k: jsonable(v) for k, v in r["cells"].items()}} for r in self.rows
            ],
        }


class Sender(Protocol):
    def form(self, bureau: str, cycle: str, period: str, subject: dict[str, str]) -> dict: ...

    def submit(self, bureau: str, entry: SheetEntry) -> dict: ...


def jsonable(value: Any) -> Any:
    """A cell value for JSON: dates tagged, so the server can say "a date is not a
    number" rather than "not a decimal"."""
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return str(value)
    return value


def client_of(book: Any) -> str:
    """ "desktop", "Office.js" or "VBA" (and other remote clients by name)."""
    api = getattr(book, "api", None)
    if isinstance(api, dict):
        return str(api.get("client", "remote"))
    return "desktop"


# ---------------------------------------------------------------------------- lay out


def lay_out(book: Any, found: Mapping[str, Any]) -> Any:
    """Write the entry sheet of ``found`` (the form service's answer: ``form``,
    ``columns``, ``choices``) into ``book``, replacing a sheet of the same subject, and
    return the sheet."""
    form, layout = found["form"], Layout.from_description(found["columns"])
    name = sheet_title(form["subject"], form["subject_name"], set())
    names = [s.name for s in book.sheets]
    sheet = book.sheets[name] if name in names else book.sheets.add(name)
    sheet.clear()
    width = max(len(layout.columns), 2 * len(CONTEXT))
    rows: list[list[Any]] = [
        _padded([title_of(form)], width),
        _padded(context_cells(form), width),
        _padded([HELP], width),
        _padded(layout.headers, width),
    ]
    rows += [_padded(row_values(layout, r), width) for r in form["rows"]]
    sheet.range((TITLE_ROW, 1)).value = rows
    last = HEADER_ROW + len(form["rows"])
    sheet.range((HEADER_ROW, 1), (HEADER_ROW, len(layout.columns))).color = styles.HEADER_HEX
    if form["rows"]:
        for number, column in enumerate(layout.columns, start=1):
            colour = styles.INPUT_HEX if column.input else styles.LOCKED_HEX
            sheet.range((FIRST_ROW, number), (last, number)).color = colour
        value = layout.index("value")
        sheet.range((FIRST_ROW, value), (last, value)).number_format = "General"
    sheet.range((HEADER_ROW, 1), (last, len(layout.columns))).autofit()
    if client_of(book) != "VBA":
        sheet.freeze_panes.freeze_at(cell(FIRST_ROW, layout.index("measure")))
    sheet.activate()
    return sheet


def _padded(values: Sequence[Any], width: int) -> list[Any]:
    """A row for live Excel: ``width`` cells, text kept as text (:mod:`.writing`)."""
    return [*map(typed_as_text, values), *[None] * (width - len(values))]


# ---------------------------------------------------------------------------- read


def read(book: Any, sheet: Any = None) -> SheetEntry:
    """The entry sheet's context and every indicator row's input cells (raw: checking
    them is the server's job, so desktop and server give the same messages)."""
    sheet = sheet or book.sheets.active
    grid = sheet.range((1, 1), (max(sheet.used_range.last_cell.row, HEADER_ROW), 64)).value
    grid = [list(r) if isinstance(r, list) else [r] for r in grid]
    context = grid[CONTEXT_ROW - 1]
    named = {
        key: context[2 * n + 1] if 2 * n + 1 < len(context) else None
        for n, (_, key) in enumerate(CONTEXT)
    }
    headers = [h for h in grid[HEADER_ROW - 1] if h not in (None, "")]
    by_header = {c.header: c.key for c in Layout.with_plugins().columns}
    columns = [by_header.get(str(h), _plugin_key(str(h))) for h in headers]
    subject_kind = "person" if context and context[0] == PERSON_LABEL else "unit"
    subject = _text(named["subject"])
    version = named["scheme_version"]
    entry = SheetEntry(
        sheet=sheet.name,
        bureau=_text(named["bureau"]),
        cycle=_text(named["cycle"]),
        period=_text(named["period"]),
        subject={subject_kind: subject},
        scheme_version=int(version) if isinstance(version, (int, float, Decimal)) else None,
        columns=columns,
    )
    code_at = columns.index("indicator") if "indicator" in columns else 0
    for number, row in enumerate(grid[HEADER_ROW:], start=FIRST_ROW):
        code = row[code_at] if code_at < len(row) else None
        if code in (None, ""):
            continue
        cells = {
            key: row[n] if n < len(row) else None
            for n, key in enumerate(columns)
            if key in ("value", "note", "evidence") or key.startswith("x:")
        }
        entry.rows.append({"row": number, "indicator": _text(code), "cells": cells})
    return entry


def _plugin_key(header: str) -> str:
    return "x:" + header


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


# ---------------------------------------------------------------------------- send


class ServiceSender:
    """On the server: the services themselves, as the caller."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx

    def form(self, bureau: str, cycle: str, period: str, subject: dict[str, str]) -> dict:
        from excel_addin import sheet_entry

        return sheet_entry.form_payload(self.ctx, bureau, cycle, period, subject)

    def submit(self, bureau: str, entry: SheetEntry) -> dict:
        from excel_addin import sheet_entry

        return sheet_entry.submit_sheet(self.ctx, bureau, entry.as_json())


class HttpSender:
    """On the desktop: the server's API with the user's token (``jx_…``)."""

    def __init__(self, url: str, token: str, timeout: float = 60) -> None:
        self.url, self.token, self.timeout = url.rstrip("/"), token, timeout

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=None if body is None else json.dumps(body, ensure_ascii=False).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            answer = json.loads(exc.read() or b"{}")
            if "problems" in answer:
                return answer
            reason = answer.get("detail") or exc.reason
            return {
                "ok": False,
                "problems": [{"field": "server", "reason": f"{exc.code}: {reason}"}],
            }

    def form(self, bureau: str, cycle: str, period: str, subject: dict[str, str]) -> dict:
        query = urllib.parse.urlencode({"cycle": cycle, "period": period, **subject})
        return self._call("GET", f"/api/v1/bureaus/{urllib.parse.quote(bureau)}/excel/form?{query}")

    def submit(self, bureau: str, entry: SheetEntry) -> dict:
        return self._call(
            "POST", f"/api/v1/bureaus/{urllib.parse.quote(bureau)}/excel/submit", entry.as_json()
        )


def send(sender: Sender, entry: SheetEntry) -> dict:
    return sender.submit(entry.bureau, entry)


# ---------------------------------------------------------------------------- mark


def mark(book: Any, entry: SheetEntry, outcome: Mapping[str, Any], sheet: Any = None) -> None:
    """Show the outcome on the sheet: a status per row, the value cells coloured
    (green recorded, amber warning, red refused) and, where the client has notes, the
    error text as a note on each bad cell. A refusal recorded nothing, so no row of
    it is green."""
    sheet = sheet or book.sheets[entry.sheet]
    if not entry.rows:
        return
    status_at = (
        entry.columns.index("status") + 1 if "status" in entry.columns else len(entry.columns) + 1
    )
    by_row: dict[int, list[str]] = {}
    cells_with: dict[tuple[int, int], list[str]] = {}
    for problem in outcome.get("problems", []):
        number = problem.get("sheet_row")
        if number is None:
            continue
        by_row.setdefault(number, []).append(problem["reason"])
        column = _column_of(entry, problem.get("field", "value"))
        cells_with.setdefault((number, column), []).append(problem["reason"])
    warned = {w.get("sheet_row"): w.get("message", "") for w in outcome.get("warnings", [])}
    recorded = set(outcome.get("recorded_rows", []))
    statuses = []
    for row in entry.rows:
        number = row["row"]
        if number in by_row:
            statuses.append("✗ " + "；".join(by_row[number]))
        elif number in warned:
            statuses.append("⚠ " + str(warned[number]))
        elif number in recorded:
            statuses.append(OK_MARK)
        elif not outcome.get("ok"):
            statuses.append("未提交 (not submitted)")
        else:
            statuses.append(EMPTY_MARK)
    first, last = entry.rows[0]["row"], entry.rows[-1]["row"]
    if last - first + 1 == len(entry.rows):
        sheet.range((first, status_at)).value = [[s] for s in statuses]
    else:
        for row, status in zip(entry.rows, statuses, strict=True):
            sheet.range((row["row"], status_at)).value = status
    value_at = _column_of(entry, "value")
    for row, status in zip(entry.rows, statuses, strict=True):
        colour = (
            styles.ERROR_HEX if status.startswith("✗")
            else styles.WARN_HEX if status.startswith("⚠")
            else styles.OK_HEX if status == OK_MARK
            else styles.INPUT_HEX
        )  # fmt: skip
        sheet.range((row["row"], value_at)).color = colour
    for (number, column), reasons in cells_with.items():
        target = sheet.range((number, column))
        if column != value_at:
            target.color = styles.ERROR_HEX
        _note(book, target, "\n".join(reasons))
    if outcome.get("problems") and not any(p.get("sheet_row") for p in outcome["problems"]):
        text = "\n".join(p["reason"] for p in outcome["problems"])
        sheet.range((CONTEXT_ROW, 2)).color = styles.ERROR_HEX
        sheet.range((HELP_ROW, 1)).value = "✗ " + text


def _column_of(entry: SheetEntry, field: str) -> int:
    key = {"corrects": "value", "indicator": "indicator"}.get(field, field)
    return (
        entry.columns.index(key) + 1 if key in entry.columns else entry.columns.index("value") + 1
    )


def _note(book: Any, target: Any, text: str) -> None:
    """A note on the cell where the client can show one (desktop; Office.js with
    ExcelApi 1.18); elsewhere the status column says it."""
    client = client_of(book)
    if client == "VBA":
        return
    if client != "desktop":
        api = target.sheet.api if hasattr(target.sheet, "api") else {}
        if (
            not isinstance(api, dict)
            or api.get("notes") is None
            or api.get("notes_supported") is False
        ):
            return
    try:
        existing = target.note
        if existing is not None:
            existing.text = text
        else:
            target.add_note(text)
    except (NotImplementedError, AttributeError):
        return
