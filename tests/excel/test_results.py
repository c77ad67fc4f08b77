"""Results out to Excel, laid out for printing."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from core.cli import main
from core.services import results, submissions
from excel_addin import exports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def scored(entry):
    for unit, value, grade in (("u1", "90", "良"), ("u2", "97", "优")):
        submissions.submit(
            entry.admin(), "b1", cycle="2026", period="2026-Q1", subject={"unit": unit},
            rows=[{"indicator": "i1", "value": value}, {"indicator": "i3", "value": grade}],
        )  # fmt: skip
    return entry


def _rows(sheet, first: int = 4):
    return [[c.value for c in row] for row in sheet.iter_rows(min_row=first)]


def test_rankings_per_group_with_formats_for_printing(scored):
    _, data = exports.rankings(scored.admin(), "b1", "2026")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["A组 排名 (ranking)"]
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[3]]
    assert headers[:6] == [
        "名次 (Rank)", "代码 (Code)", "名称 (Name)", "方案 (Scheme)", "总分 (Total)",
        "等级 (Grade)",
    ]  # fmt: skip
    assert "任务完成 (task)" in headers
    rows = _rows(sheet)
    stored = sorted(results.results(scored.admin(), "b1", "2026"), key=lambda r: r["rank"])
    assert [(r[0], r[1], r[4]) for r in rows] == [
        (r["rank"], r["subject"], float(r["total"])) for r in stored
    ]
    assert [r[1] for r in rows] == ["u2", "u1"]
    assert sheet["E4"].number_format == "0.00"
    assert sheet.freeze_panes == "A4" and sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.column_dimensions["C"].width == 24


def test_one_units_explanation_as_indented_rows(scored):
    _, data = exports.explanation(scored.admin(), "b1", "2026", "u1")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = _rows(sheet)
    task = next(n for n, r in enumerate(rows) if r[0] == "任务完成 (task)")
    assert rows[task][1:5] == ["i1", "target_ratio", 40, 9.47]
    period = rows[task + 1]
    assert period[5:8] == ["2026-Q1", "90", str(period[7])] and period[7].isdigit()
    assert sheet.cell(4 + task + 1, 1).alignment.indent == 2  # periods indented under nodes
    assert rows[-1][0] == "总分 (Total)" and rows[-1][4] == 13.47
    assert "rank" in rows[-1][8]


def test_health_report_shares(scored):
    _, data = exports.health(scored.admin(), "b1", "2026")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    headers = [c.value for c in sheet[3]]
    column = headers.index("任务完成 (task)")
    rows = {r[0]: r for r in _rows(sheet)}
    assert rows["u1"][column] == pytest.approx(9.47 / 40, abs=1e-4)
    assert sheet.cell(4, column + 1).number_format == "0.0%"


def test_results_downloads_over_http_and_cli(scored, client, instance, tmp_path):
    headers = scored.world.headers("reporter")
    for query in ("", "&unit=u1", "&health=true"):
        response = client.get(
            f"/api/v1/bureaus/b1/excel/results?cycle=2026{query}", headers=headers
        )
        assert response.status_code == 200 and response.mimetype == XLSX, response.data[:200]
    # a reporter of u1 sees only its own unit
    own = client.get("/api/v1/bureaus/b1/excel/results?cycle=2026", headers=headers)
    ranking = load_workbook(io.BytesIO(own.data)).worksheets[0]
    assert [r[1] for r in _rows(ranking)] == ["u1"]
    hidden = client.get("/api/v1/bureaus/b1/excel/results?cycle=2026&unit=u2", headers=headers)
    assert hidden.status_code == 404
    out = tmp_path / "r.xlsx"
    result = CliRunner().invoke(
        main,
        ["excel", "results", "--bureau", "b1", "--cycle", "2026", "--unit", "u2", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert load_workbook(out).worksheets[0]["A1"].value.startswith("服务中心 (u2)")


EVIL = '=HYPERLINK("http://evil.example","点我")'


def test_names_are_written_as_text_never_as_formulas(scored):
    """A unit named like a formula became a live formula in the results workbook and in
    its own template, whose import then refused the template's own title cell."""
    import zipfile

    from core.services import units
    from excel_addin import importer
    from excel_addin.writing import typed_as_text
    from tests.excel.conftest import fill

    admin = scored.admin()
    units.create(admin, "b1", "ux", EVIL, "-2+3+cmd|' /C calc'!A0", group="A")
    submissions.submit(admin, "b1", cycle="2026", period="2026-Q1", subject={"unit": "ux"},
                       rows=[{"indicator": "i1", "value": "80"}])  # fmt: skip
    for _, data in (
        exports.rankings(admin, "b1", "2026"),
        exports.entry_template(admin, "b1", "2026", "2026-Q1", {"unit": "ux"}),
    ):
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            sheets = [n for n in package.namelist() if n.startswith("xl/worksheets/")]
            assert not any(b"<f>" in package.read(n) or b"<f " in package.read(n) for n in sheets)
        book = load_workbook(io.BytesIO(data))
        texts = [c.value for s in book.worksheets for row in s.iter_rows() for c in row]
        assert any(isinstance(t, str) and "HYPERLINK" in t for t in texts)
    template = exports.entry_template(admin, "b1", "2026", "2026-Q1", {"unit": "ux"})[1]
    outcome = importer.import_workbook(admin, "b1", fill(template, {"F5": 81}))
    assert outcome.ok, [p.reason for p in outcome.problems]
    # live Excel (the add-in, the Office.js pane) is handed such text with an apostrophe
    assert typed_as_text(EVIL) == "'" + EVIL
    assert typed_as_text("@SUM(A1)") == "'@SUM(A1)"
    assert typed_as_text("-3") == "-3" and typed_as_text("-2+3") == "'-2+3"
    assert typed_as_text(5) == 5 and typed_as_text("名称") == "名称"
