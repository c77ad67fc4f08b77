"""What a probe of the Excel channel found, as a clerk under deadline would meet it: a
merged cell over the form, an old template sent after someone corrected the figure, an
office's 汇总表 where only some units have news, several sheets with problems, and a
unit named twice when asking for the 汇总表."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from core.services import values
from excel_addin import exports, importer
from tests.excel.conftest import EVIDENCE, current_values, fill
from tests.helpers import log_size


def template(ctx, subject=None, units=None) -> bytes:
    return exports.entry_template(ctx, "b1", "2026", "2026-Q1", subject, units)[1]


def entry_sheets(data: bytes) -> list[str]:
    return [s for s in load_workbook(io.BytesIO(data)).sheetnames if not s.startswith("_")]


def merge(data: bytes, cells: str, sheet: int = 0) -> bytes:
    book = load_workbook(io.BytesIO(data))
    book.worksheets[sheet].merge_cells(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_merged_cell_over_a_problem_cell_is_reported_not_a_crash(entry, platform):
    blank = template(entry.reporter(), {"unit": "u1"})
    # F5 filled, F5:F6 merged, and H6 (evidence) given for the now-hidden F6
    data = merge(fill(blank, {"F5": 92.5, "H6": EVIDENCE}), "F5:F6")
    size = log_size(platform, "b1")
    outcome = importer.import_workbook(entry.reporter(), "b1", data)
    assert not outcome.ok
    assert any("F5:F6" in p.reason for p in outcome.problems)
    assert outcome.annotated is not None  # the copy marks the range's top-left cell
    assert log_size(platform, "b1") == size


def test_an_old_template_does_not_revert_a_newer_figure(entry, platform):
    assert importer.import_workbook(
        entry.reporter(),
        "b1",
        fill(
            template(entry.reporter(), {"unit": "u1"}),
            {"F5": 98.5, "F6": 1, "H6": EVIDENCE, "F7": "优"},
        ),
    ).ok
    old = template(entry.reporter(), {"unit": "u1"})  # shows 98.5
    seq = next(v["seq"] for v in values.listing(entry.admin(), "b1", {"unit": "u1"})
               if v["indicator"] == "i1")  # fmt: skip
    row = {"unit": "u1", "indicator": "i1", "cycle": "2026", "period": "2026-Q1",
           "value": "90", "corrects": seq}  # fmt: skip
    values.record(entry.admin(), "b1", [row])  # the office corrects it to 90
    size = log_size(platform, "b1")
    for changed in ({"F5": 88}, {"G5": "补充说明 (a note only)"}):
        outcome = importer.import_workbook(entry.reporter(), "b1", fill(old, changed))
        assert not outcome.ok and outcome.status == 409
        assert [p.cell for p in outcome.problems] == ["F5"]
        assert log_size(platform, "b1") == size
    assert current_values(platform)[("u1", "i1", "2026-Q1")] == "90"
    fresh = template(entry.reporter(), {"unit": "u1"})
    assert importer.import_workbook(entry.reporter(), "b1", fill(fresh, {"F5": 88})).ok


def test_a_summary_workbook_may_leave_some_units_as_they_were(entry, platform):
    book = template(entry.admin(), units=["u1", "u2"])
    sheets = entry_sheets(book)
    filled = fill(book, {"F5": 96}, sheet=sheets[1])  # only u2 has news
    outcome = importer.import_workbook(entry.admin(), "b1", filled)
    assert outcome.ok, outcome.problems
    assert current_values(platform) == {("u2", "i1", "2026-Q1"): "96"}
    outcome = importer.import_workbook(entry.admin(), "b1", book)  # nothing at all
    assert not outcome.ok and "no value is filled in" in outcome.problems[0].reason


def test_every_sheet_s_problems_come_back_at_once(entry, platform):
    book = template(entry.admin(), units=["u1", "u2"])
    names = entry_sheets(book)
    data = fill(book, {"F6": 2}, sheet=names[0])  # evidence missing on u1's sheet…
    data = fill(data, {"F6": 3}, sheet=names[1])  # …and on u2's
    size = log_size(platform, "b1")
    outcome = importer.import_workbook(entry.admin(), "b1", data)
    assert not outcome.ok
    assert {(p.sheet, p.field) for p in outcome.problems} == {
        (names[0], "evidence"),
        (names[1], "evidence"),
    }
    assert log_size(platform, "b1") == size


def test_a_unit_named_twice_gets_one_sheet(entry):
    book = template(entry.admin(), units=["u1", "u1", "u2"])
    assert len(entry_sheets(book)) == 2


def _edit_meta(data: bytes, key: str, value: object) -> bytes:
    book = load_workbook(io.BytesIO(data))
    sheet = book["_meta"]
    for row in sheet.iter_rows():
        if row[0].value == key:
            row[1 if key != "indicators" else 2].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_edited_meta_sheet_is_one_plain_message_not_python_wording(entry, platform):
    blank = fill(template(entry.reporter(), {"unit": "u1"}), {"F5": 92.5})
    size = log_size(platform, "b1")
    for key, value in (("columns", "abc"), ("columns", "[1]"), ("indicators", "{}"),
                       ("sheet", None), ("format", None)):  # fmt: skip
        outcome = importer.import_workbook(entry.reporter(), "b1", _edit_meta(blank, key, value))
        assert not outcome.ok, key
        reasons = " ".join(p.reason for p in outcome.problems)
        assert "模板" in reasons and "download a new template" in reasons, (key, reasons)
        for python in ("string indices", "could not convert", "index out of range", "object"):
            assert python not in reasons, (key, reasons)
    assert log_size(platform, "b1") == size
