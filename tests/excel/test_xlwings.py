"""The add-in's functions on the server: real xlwings client payloads (Office.js and
VBA formats) through Flask's test client, the returned actions applied as the clients
would, and the JSON entry API the desktop ribbon calls."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.excel.conftest import EVIDENCE, current_values
from tests.excel.xlwings_client import VBA_ACTIONS, Workbook
from tests.helpers import log_size

pytest.importorskip("xlwings")
URL = "/api/v1/bureaus/b1/excel/xlwings"
SHEET = "u1 办公室"


def _post(client, entry, path, book, role="reporter"):
    response = client.post(path, json=book.payload(), headers=entry.world.headers(role))
    assert response.status_code == 200, response.data[:500]
    return response.json


@pytest.mark.parametrize("kind", ["Office.js", "VBA"])
def test_get_form_fill_submit_and_mark(entry, client, platform, kind):
    book = Workbook(client=kind)
    called = book.apply(_post(client, entry, f"{URL}/form?cycle=2026&period=2026-Q1&unit=u1", book))
    if kind == "VBA":
        assert set(called) <= VBA_ACTIONS, set(called) - VBA_ACTIONS
    sheet = book.sheet(SHEET)
    assert book.sheets[book.active].name == SHEET
    assert sheet["A4"] == "指标代码 (Code)" and sheet["F4"] == "本期值 (Value)"
    assert [sheet[f"A{n}"] for n in (5, 6, 7)] == ["i1", "i2", "i3"]
    assert (sheet["B2"], sheet["D2"], sheet["J2"], sheet["L2"]) == ("u1", "2026-Q1", "b1", "2026")
    assert sheet.colours[(4, 5)] == "#FFF2CC"  # F5: an input cell
    # the clerk types, one value wrong
    sheet["F5"], sheet["F6"], sheet["F7"] = 92.5, "三", "优"
    before = log_size(platform, "b1")
    book.apply(_post(client, entry, f"{URL}/submit", book))
    assert log_size(platform, "b1") == before  # refused: nothing written
    assert sheet["J6"].startswith("✗") and "不是有效数字" in sheet["J6"]
    assert sheet["J5"] == "未提交 (not submitted)"
    assert sheet.colours[(5, 5)] == "#FFC7CE"
    if kind == "Office.js":
        assert "不是有效数字" in sheet.notes[(5, 5)]
    else:
        assert not sheet.notes  # VBA has no notes: the status column says it
    # fixed, and evidence given for i2
    sheet["F6"], sheet["H6"] = 3, EVIDENCE
    book.apply(_post(client, entry, f"{URL}/submit", book))
    assert sheet["J5"].startswith("⚠") and "95" in sheet["J5"]  # 92.5 misses the target
    assert sheet["J6"] == "✓ 已记录 (recorded)" and sheet.colours[(5, 5)] == "#C6EFCE"
    found = current_values(platform)
    assert [found[("u1", i, "2026-Q1")] for i in ("i1", "i2", "i3")] == ["92.5", "3", "优"]


def test_form_refreshes_from_the_active_sheet_heading(entry, client):
    book = Workbook()
    book.apply(_post(client, entry, f"{URL}/form?cycle=2026&period=2026-Q1&unit=u1", book))
    book.sheet(SHEET)["F5"] = 99
    book.apply(_post(client, entry, f"{URL}/form", book))  # no query: the heading says
    assert book.sheet(SHEET)["F5"] in (None, "") and len(book.sheets) == 2


def test_server_refusals(entry, client):
    headers = entry.world.headers("reporter")
    book = Workbook(client="VBA")
    wrong = {**book.payload(), "version": "0.30.0"}
    response = client.post(
        f"{URL}/form?cycle=2026&period=2026-Q1&unit=u1", json=wrong, headers=headers
    )
    assert response.status_code == 422 and "version" in response.json["detail"]
    other = client.post(
        f"{URL}/form?cycle=2026&period=2026-Q1&unit=u2", json=book.payload(), headers=headers
    )
    assert other.status_code == 403
    assert client.post(f"{URL}/form", json={"client": "curl"}, headers=headers).status_code == 422
    assert client.post(f"{URL}/nope", json=book.payload(), headers=headers).status_code == 422
    assert client.post(f"{URL}/form", json=book.payload()).status_code == 401
    empty = client.post(f"{URL}/form", json=Workbook().payload(), headers=headers)
    assert empty.status_code == 422 and empty.json["errors"][0]["field"] == "cycle"


def test_without_a_licence_key_the_endpoint_says_so():
    """xlwings decides at import whether its PRO engine is there: a fresh process."""
    env = {k: v for k, v in os.environ.items() if k != "XLWINGS_LICENSE_KEY"}
    code = (
        "from excel_addin.server import open_book, EngineMissing\n"
        "from tests.excel.xlwings_client import Workbook\n"
        "try:\n    open_book(Workbook().payload())\n"
        "except EngineMissing as exc:\n    print(exc.status, exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parents[2])  # fmt: skip
    assert out.stdout.startswith("501") and "XLWINGS_LICENSE_KEY" in out.stdout


def test_json_entry_api_for_the_desktop_ribbon(entry, client, platform):
    headers = entry.world.headers("reporter")
    form = client.get(
        "/api/v1/bureaus/b1/excel/form?cycle=2026&period=2026-Q1&unit=u1", headers=headers
    )
    assert form.status_code == 200
    assert [r["indicator"] for r in form.json["form"]["rows"]] == ["i1", "i2", "i3"]
    assert form.json["choices"] == {"i3": ["优", "良", "中", "差"]}
    body = {
        "sheet": SHEET, "cycle": "2026", "period": "2026-Q1", "subject": {"unit": "u1"},
        "scheme_version": 1,
        "rows": [
            {"row": 5, "indicator": "i1", "cells": {"value": {"date": "2026-03-31T00:00:00"}}},
            {"row": 6, "indicator": "i2", "cells": {"value": 2, "evidence": EVIDENCE}},
            {"row": 7, "indicator": "i3", "cells": {"value": "良"}},
        ],
    }  # fmt: skip
    refused = client.post("/api/v1/bureaus/b1/excel/submit", json=body, headers=headers)
    assert refused.status_code == 422
    first = refused.json["problems"][0]
    assert (first["sheet_row"], first["cell"], first["field"]) == (5, "F5", "value")
    assert "日期" in first["reason"]
    body["rows"][0]["cells"]["value"] = 97
    accepted = client.post("/api/v1/bureaus/b1/excel/submit", json=body, headers=headers)
    assert accepted.status_code == 201, accepted.json
    assert accepted.json["recorded_rows"] == [5, 6, 7]
    assert current_values(platform)[("u1", "i1", "2026-Q1")] == "97"
