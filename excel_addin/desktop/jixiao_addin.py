"""Desktop Excel (Windows, macOS): the ribbon's buttons and the live-figure UDFs.

The ribbon (``jixiao_ribbon.xml``, ``jixiao.bas``) calls these through xlwings'
``RunPython``; each takes the calling workbook (``xw.Book.caller()``) and talks to the
server with the user's token, read from the workbook's ``xlwings.conf`` sheet or
``~/.xlwings/xlwings.conf`` (``JIXIAO_URL``, ``JIXIAO_TOKEN``, ``JIXIAO_BUREAU``). The
functions are the same as on the server (:mod:`excel_addin.book`); only the sender
differs. Import the UDFs with the add-in's "Import Functions" (UDF_MODULES =
excel_addin.desktop.jixiao_addin).
"""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from typing import Any

import xlwings as xw

from excel_addin import book as entry_book


def _setting(book: Any, key: str) -> str:
    """xlwings.conf sheet first, then the environment."""
    try:
        sheet = book.sheets["xlwings.conf"]
        for name, value in sheet.range("A1").expand().value:
            if str(name).upper() == key:
                return str(value)
    except Exception:
        pass
    return os.environ.get(key, "")


def _sender(book: Any) -> entry_book.HttpSender:
    return entry_book.HttpSender(_setting(book, "JIXIAO_URL"), _setting(book, "JIXIAO_TOKEN"))


def get_form() -> None:
    """Ribbon: 获取表单 (Get form) — cycle, period and unit from the active sheet's
    heading, or from JIXIAO_CYCLE / JIXIAO_PERIOD / JIXIAO_UNIT."""
    book = xw.Book.caller()
    try:
        entry = entry_book.read(book)
        cycle, period, subject = entry.cycle, entry.period, entry.subject
    except (IndexError, TypeError, ValueError):
        cycle, period, subject = "", "", {}
    cycle = cycle or _setting(book, "JIXIAO_CYCLE")
    period = period or _setting(book, "JIXIAO_PERIOD")
    if not next(iter(subject.values()), ""):
        subject = {"unit": _setting(book, "JIXIAO_UNIT")}
    found = _sender(book).form(_setting(book, "JIXIAO_BUREAU"), cycle, period, subject)
    if "form" not in found:
        raise RuntimeError("; ".join(p["reason"] for p in found.get("problems", [])))
    entry_book.lay_out(book, found)


def submit() -> None:
    """Ribbon: 提交 (Submit) — read the active entry sheet, send it, mark the outcome."""
    book = xw.Book.caller()
    entry = entry_book.read(book)
    entry.bureau = entry.bureau or _setting(book, "JIXIAO_BUREAU")
    outcome = entry_book.send(_sender(book), entry)
    entry_book.mark(book, entry, outcome)


def _get(path: str) -> Any:
    url, token = os.environ.get("JIXIAO_URL", ""), os.environ.get("JIXIAO_TOKEN", "")
    bureau = os.environ.get("JIXIAO_BUREAU", "")
    request = urllib.request.Request(
        f"{url.rstrip('/')}/api/v1/bureaus/{urllib.parse.quote(bureau)}{path}",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _result(unit: str, cycle: str, period: str | None = None) -> dict:
    query = f"?period={urllib.parse.quote(period)}" if period else ""
    return _get(f"/cycles/{urllib.parse.quote(cycle)}/results/{urllib.parse.quote(unit)}{query}")


@xw.func(category="JIXIAO")
def SCORE(unit: str, cycle: str, period: str | None = None) -> float:
    """=SCORE("u1","2026"): a unit's total score."""
    return float(_result(unit, cycle, period)["total"])


@xw.func(category="JIXIAO")
def RANK(unit: str, cycle: str, period: str | None = None) -> int:
    return int(_result(unit, cycle, period)["rank"])


@xw.func(category="JIXIAO")
def GRADE(unit: str, cycle: str) -> str:
    found = _result(unit, cycle)
    return found.get("grade_name") or found.get("grade") or ""


@xw.func(category="JIXIAO")
def VALUE(unit: str, indicator: str, period: str) -> Any:
    query = urllib.parse.urlencode({"unit": unit, "indicator": indicator, "period": period})
    rows = _get(f"/values?{query}")
    return rows[0]["value"] if rows else None


@xw.func(category="JIXIAO")
@xw.ret(expand="table")
def RANKING(cycle: str, group: str | None = None, period: str | None = None) -> list:
    """A group's ranking as a dynamic array."""
    query = f"?period={urllib.parse.quote(period)}" if period else ""
    rows = [r for r in _get(f"/cycles/{urllib.parse.quote(cycle)}/results{query}")
            if not group or r.get("group") == group]  # fmt: skip
    rows.sort(key=lambda r: (r.get("group") or "", r.get("rank") or 0))
    head = ["名次 (Rank)", "代码 (Code)", "名称 (Name)", "总分 (Total)", "等级 (Grade)"]
    return [head] + [
        [r["rank"], r["subject"], r["name"], float(r["total"]), r.get("grade_name") or ""]
        for r in rows
    ]
