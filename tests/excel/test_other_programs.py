"""Workbooks saved by other spreadsheet programs: a template re-saved by headless
LibreOffice (standing in for WPS and friends) imports as it is, and a wrong
``<dimension>`` record (WPS writes them) does not hide any row."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile

import pytest

from excel_addin import exports, importer
from tests.excel.conftest import EVIDENCE, current_values, fill, rezip

LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")


def resave_with_libreoffice(data: bytes, folder) -> bytes:
    if LIBREOFFICE is None:
        if os.environ.get("CI"):
            pytest.fail("libreoffice is not installed (.ci/run installs libreoffice-calc-nogui)")
        pytest.skip("libreoffice is not installed (apt-get install libreoffice-calc-nogui)")
    source = folder / "template.xlsx"
    source.write_bytes(data)
    out = folder / "out"
    subprocess.run(
        [
            LIBREOFFICE,
            f"-env:UserInstallation=file://{folder / 'profile'}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (out / "template.xlsx").read_bytes()


def test_a_template_resaved_by_libreoffice_imports(entry, platform, tmp_path):
    _, blank = exports.entry_template(entry.admin(), "b1", "2026", "2026-Q1", None, ["u1", "u2"])
    filled = fill(blank, {"F5": 88, "F6": 2, "H6": EVIDENCE, "F7": "良"}, sheet="u1 办公室")
    filled = fill(
        filled, {"F5": "97.25", "G5": "全年任务提前完成", "F7": "优"}, sheet="u2 服务中心"
    )
    resaved = resave_with_libreoffice(filled, tmp_path)
    with zipfile.ZipFile(io.BytesIO(resaved)) as package:
        assert b"LibreOffice" in package.read("docProps/app.xml")  # really re-saved by it
    outcome = importer.import_workbook(entry.admin(), "b1", resaved)
    assert outcome.ok, [str(p) for p in outcome.problems]
    found = current_values(platform)
    assert found[("u1", "i1", "2026-Q1")] == "88"
    assert found[("u1", "i3", "2026-Q1")] == "良"
    assert found[("u2", "i1", "2026-Q1")] == "97.25"
    assert ("u2", "i2", "2026-Q1") not in found  # left empty: not reported yet


def test_libreoffice_resave_keeps_the_checks(entry, platform, tmp_path):
    _, blank = exports.entry_template(entry.reporter(), "b1", "2026", "2026-Q1", {"unit": "u1"})
    resaved = resave_with_libreoffice(fill(blank, {"F5": "abc", "G6": "=1+1"}), tmp_path)
    outcome = importer.import_workbook(entry.reporter(), "b1", resaved)
    assert {(p.field, p.cell) for p in outcome.problems} >= {("value", "F5"), ("formula", "G6")}


def test_a_wrong_dimension_record_hides_no_row(entry, platform):
    _, blank = exports.entry_template(entry.reporter(), "b1", "2026", "2026-Q1", {"unit": "u1"})
    filled = fill(blank, {"F5": 91, "F6": 4, "H6": EVIDENCE, "F7": "中"})

    def wrong_dimension(name: str, body: bytes) -> bytes:
        if name.startswith("xl/worksheets/"):
            body, count = re.subn(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', body)
            assert count == 1
        return body

    outcome = importer.import_workbook(entry.reporter(), "b1", rezip(filled, wrong_dimension))
    assert outcome.ok, [str(p) for p in outcome.problems]
    found = current_values(platform)
    assert [found[("u1", i, "2026-Q1")] for i in ("i1", "i2", "i3")] == ["91", "4", "中"]
