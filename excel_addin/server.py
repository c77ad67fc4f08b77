"""The xlwings-Server-style endpoint: a client (the Office.js task pane, or VBA
``RunServerPython`` in a workbook) posts its book as JSON, the same functions as on the
desktop run on ``xw.Book(json=…)``, and the answer is the list of actions the client
applies to its workbook (write values, colour cells, add notes…).

``xw.Book(json=…)`` is xlwings PRO's remote engine: dual-licensed, PolyForm
Noncommercial 1.0.0 (which permits use by government institutions) or a commercial
licence; it needs ``XLWINGS_LICENSE_KEY`` (``noncommercial`` under the former). It is
the optional ``excel`` extra; without it the endpoint answers 501 saying so. Client and
server xlwings versions must be the same (VBA clients are checked by xlwings itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.kernel.errors import FieldError, InvalidInput, ServiceError
from core.services.context import Context
from excel_addin import book as entry_book
from excel_addin.sources import subject_of

ACTIONS = ("form", "submit")
CLIENTS = ("Office.js", "VBA", "Google Apps Script")


class EngineMissing(ServiceError):
    status = 501
    title = "Not Implemented"


def open_book(payload: Any) -> Any:
    """``xw.Book(json=payload)`` after checking the payload's shape."""
    if not isinstance(payload, dict) or payload.get("client") not in CLIENTS:
        raise InvalidInput(
            "请发送 xlwings 客户端的工作簿数据 (send the xlwings client's book payload)",
            [
                FieldError(
                    "client", f"须为以下之一：{', '.join(CLIENTS)} (one of {', '.join(CLIENTS)})"
                )
            ],
        )
    sheets = payload.get("sheets")
    if not isinstance(sheets, list) or not sheets or not isinstance(payload.get("book"), dict):
        raise InvalidInput(
            "数据中没有工作表 (the payload has no sheets)",
            [FieldError("sheets", "必填 (required)")],
        )
    for sheet in sheets:
        if not isinstance(sheet, dict) or not isinstance(sheet.get("values"), list):
            raise InvalidInput(
                "每个工作表都须有 values (each sheet needs values)",
                [FieldError("sheets.values", "必填 (required)")],
            )
        sheet.setdefault("pictures", [])
        sheet.setdefault("tables", [])
    payload.setdefault("names", [])
    try:
        import xlwings as xw
    except ImportError as exc:
        raise EngineMissing(
            "未安装 xlwings：请 pip install 'jixiao[excel]' "
            "(xlwings is not installed: pip install 'jixiao[excel]' (see docs/excel.md))"
        ) from exc
    try:
        return xw.Book(json=_plain(payload))
    except xw.LicenseError as exc:
        raise EngineMissing(
            "服务器引擎 xlwings PRO 需要 XLWINGS_LICENSE_KEY "
            "(xlwings PRO's server engine needs XLWINGS_LICENSE_KEY (docs/excel.md: licence))"
        ) from exc
    except xw.XlwingsError as exc:
        raise InvalidInput(str(exc), [FieldError("version", str(exc))]) from exc
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise InvalidInput(
            f"无法读取工作簿数据 (the book payload cannot be read: {exc})",
            [FieldError("sheets", str(exc))],
        ) from exc


def _plain(value: Any) -> Any:
    """The strict JSON reader gives exact decimals; xlwings expects floats and ints."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return (
            int(value)
            if value == value.to_integral_value() and "." not in str(value)
            else float(value)
        )
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def run(ctx: Context, bureau: str, action: str, payload: Any, query: Mapping[str, str]) -> dict:
    """Run ``action`` on the posted book and return ``{"actions": [...]}``."""
    if action not in ACTIONS:
        raise InvalidInput(
            f"未知的操作 {action!r} (unknown action {action!r})",
            [FieldError("action", "须为 form 或 submit (form or submit)")],
        )
    book = open_book(payload)
    sender = entry_book.ServiceSender(ctx)
    if action == "form":
        found = sender.form(bureau, *_form_arguments(book, query))
        entry_book.lay_out(book, found)
    else:
        entry = entry_book.read(book)
        if entry.bureau and entry.bureau != bureau:
            raise InvalidInput(
                f"这张表属于“{entry.bureau}” (the sheet is of bureau {entry.bureau!r})",
                [
                    FieldError(
                        "bureau",
                        f"请发送到局“{entry.bureau}” (send it to bureau {entry.bureau})",
                    )
                ],
            )
        entry.bureau = bureau
        outcome = entry_book.send(sender, entry)
        entry_book.mark(book, entry, outcome)
    return book.json()


def _form_arguments(book: Any, query: Mapping[str, str]) -> tuple[str, str, dict[str, str]]:
    """cycle, period and subject from the query (the pane's fields), or from the
    active sheet's heading (refreshing a sheet laid out before)."""
    cycle, period = query.get("cycle"), query.get("period")
    if query.get("unit") or query.get("person"):
        subject = subject_of(query.get("unit"), query.get("person"))
    else:
        subject = None
    if not (cycle and period and subject):
        try:
            entry = entry_book.read(book)
        except (IndexError, TypeError, ValueError):
            entry = None
        if entry is None or not entry.cycle or not next(iter(entry.subject.values()), ""):
            raise InvalidInput(
                "请指明表格：周期、期间和单位（或人员） "
                "(say which form: cycle, period and unit (or person))",
                [FieldError("cycle", "必填 (required)"), FieldError("period", "必填 (required)"),
                 FieldError("unit", "必填 (required)")],
            )  # fmt: skip
        cycle, period, subject = (
            cycle or entry.cycle,
            period or entry.period,
            subject or entry.subject,
        )
    return cycle, period, subject
