"""Entry templates: what the clerk sees and what the workbook guards."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from core.cli import main
from core.plugin_api import ExcelLayout, hookimpl
from core.services import plugins, submissions
from excel_addin import exports, meta
from excel_addin.layout import HEADER_ROW, META_SHEET, Layout
from excel_addin.reader import read
from tests.helpers import entries

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_template_shows_the_form_and_locks_all_but_the_inputs(entry):
    submissions.submit(
        entry.admin(), "b1", cycle="2026", period="2026-Q1",
        subject={"unit": "u1"}, rows=[{"indicator": "i1", "value": "91.5"}],
    )  # fmt: skip
    name, data = exports.entry_template(entry.reporter(), "b1", "2026", "2026-Q2", {"unit": "u1"})
    assert name == "b1-2026-2026-Q2-u1.xlsx"
    book = _book(data)
    sheet = book.worksheets[0]
    assert sheet.title == "u1 办公室"
    headers = [c.value for c in sheet[HEADER_ROW]]
    assert headers[:9] == [
        "指标代码 (Code)", "指标 (Indicator)", "计量单位 (Unit)", "目标值 (Target)",
        "上期值 (Last period)", "本期值 (Value)", "说明 (Note)", "佐证 (Evidence SHA-256)",
        "需佐证 (Evidence required)",
    ]  # fmt: skip
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5, max_col=9)]
    assert rows[0][:5] == ["i1", "任务完成率 (Task completion)", "%", 95, 91.5]  # last period
    assert rows[1][0] == "i2" and rows[1][8] == "是 (yes)"
    assert [r[0] for r in rows] == ["i1", "i2", "i3"]  # the annual leaf is not on a quarter
    # protection: on, no password; only value, note and evidence cells are unlocked
    assert sheet.protection.sheet and not sheet.protection.password
    assert not sheet["F5"].protection.locked and not sheet["G5"].protection.locked
    assert sheet["A5"].protection.locked and sheet["E5"].protection.locked
    assert sheet.freeze_panes == "C5"
    # validation: decimals on numeric values, the grade list on i3, 64-character hashes
    kinds = {(v.type, str(v.sqref)) for v in sheet.data_validations.dataValidation}
    assert ("decimal", "F5 F6") in kinds and ("list", "F7") in kinds
    assert ("textLength", "H5:H7") in kinds
    grade = next(v for v in sheet.data_validations.dataValidation if v.type == "list")
    assert grade.formula1 == '"优,良,中,差"'
    # the _meta sheet: very hidden, naming bureau, period, subject, scheme version, hash
    hidden = book[META_SHEET]
    assert hidden.sheet_state == "veryHidden"
    stated, template_id, digest = meta.parse([[c.value for c in r] for r in hidden.iter_rows()])
    assert (stated.bureau, stated.cycle, stated.period) == ("b1", "2026", "2026-Q2")
    sheet_meta = stated.sheets[0]
    assert (sheet_meta.kind, sheet_meta.subject, sheet_meta.scheme, sheet_meta.scheme_version) == (
        "unit", "u1", "quarterly", 1
    )  # fmt: skip
    assert sheet_meta.indicators == ["i1", "i2", "i3"]
    assert digest == stated.hash and template_id == stated.template
    assert book.security.lockStructure


def test_a_changed_layout_changes_the_hash():
    base = meta.Meta(
        "b1", "2026", "2026-Q1", Layout(), [meta.SheetMeta("s", "unit", "u1", "q", 1, ["i1", "i2"])]
    )
    moved = meta.Meta(
        "b1", "2026", "2026-Q1", Layout(), [meta.SheetMeta("s", "unit", "u1", "q", 1, ["i2", "i1"])]
    )
    assert base.hash != moved.hash and base.template == moved.template


def test_office_summary_has_one_sheet_per_unit(entry):
    name, data = exports.entry_template(entry.admin(), "b1", "2026", "2026-Q1", None, [])
    assert name.endswith("汇总表.xlsx")
    book = _book(data)
    assert book.sheetnames == ["u1 办公室", "u2 服务中心", "u3 法规科", META_SHEET]
    # u3 is in group B, which has no scheme: its sheet is an empty form
    assert book["u3 法规科"]["A5"].value is None
    parsed = read(data, "b1")
    assert [s.meta.subject for s in parsed.sheets] == ["u1", "u2", "u3"]


def test_a_reporter_gets_only_its_own_units(entry):
    _, data = exports.entry_template(entry.reporter(), "b1", "2026", "2026-Q1", None, [])
    assert _book(data).sheetnames == ["u1 办公室", META_SHEET]


def test_cli_and_api_give_the_same_template(entry, instance, client, tmp_path):
    out = tmp_path / "t.xlsx"
    result = CliRunner().invoke(
        main,
        ["excel", "template", "--bureau", "b1", "--cycle", "2026", "--period", "2026-Q1",
         "--unit", "u1", "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    response = client.get(
        "/api/v1/bureaus/b1/excel/template?cycle=2026&period=2026-Q1&unit=u1",
        headers=entry.world.headers("reporter"),
    )
    assert response.status_code == 200 and response.mimetype == XLSX
    assert "b1-2026-2026-Q1-u1.xlsx" in response.headers["Content-Disposition"]
    api_meta, cli_meta = read(response.data, "b1").meta, read(out.read_bytes(), "b1").meta
    assert api_meta.hash == cli_meta.hash


def test_template_refusals_name_the_field(entry, client):
    headers = entry.world.headers("reporter")
    both = client.get(
        "/api/v1/bureaus/b1/excel/template?cycle=2026&period=2026-Q1&unit=u1&person=p",
        headers=headers,
    )
    assert both.status_code == 422 and both.json["errors"][0]["field"] == "unit"
    other = client.get(
        "/api/v1/bureaus/b1/excel/template?cycle=2026&period=2026-Q1&unit=u3", headers=headers
    )
    assert other.status_code == 403  # a reporter of u1 only
    assert (
        client.get(
            "/api/v1/bureaus/b1/excel/template?cycle=2026&period=2026-Q1&unit=u1"
        ).status_code
        == 401
    )


class AuditColumns:
    """A plugin adding an audit-finding column to entry workbooks."""

    @hookimpl
    def jixiao_excel_layouts(self):
        return [
            ExcelLayout(
                "finding",
                "审计发现 (audit finding)",
                columns=[("发现编号 (finding no.)", "finding")],
            )
        ]


def test_plugin_columns_are_laid_out_and_read_into_the_note(entry, platform):
    platform.plugins.register(AuditColumns(), "audit")
    plugins.install(entry.admin(), "b1", "audit")
    _, data = exports.entry_template(entry.admin(), "b1", "2026", "2026-Q1", {"unit": "u1"})
    sheet = _book(data).worksheets[0]
    assert sheet.cell(HEADER_ROW, 10).value == "发现编号 (finding no.)"
    assert sheet.cell(HEADER_ROW, 11).value == "状态 (Status)"
    assert not sheet["J5"].protection.locked
    from excel_addin import importer
    from tests.excel.conftest import current_values, fill

    outcome = importer.import_workbook(
        entry.admin(), "b1", fill(data, {"F5": 93, "G5": "按时完成", "J5": "A-12"})
    )
    assert outcome.ok, outcome.problems
    assert current_values(platform)[("u1", "i1", "2026-Q1")] == "93"
    recorded = [e for e in entries(platform, "b1") if e.seq in outcome.sheets[0]["entries"]]
    assert json.loads(recorded[0].body)["data"]["note"] == "按时完成\n发现编号 (finding no.): A-12"


@pytest.mark.parametrize("kind", ["unit", "person"])
def test_subject_must_exist(entry, kind):
    from core.kernel.errors import ServiceError

    with pytest.raises(ServiceError):
        exports.entry_template(entry.admin(), "b1", "2026", "2026-Q1", {kind: "nobody"})
