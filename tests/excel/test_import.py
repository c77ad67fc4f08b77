"""Importing filled-in templates: accepted ones are recorded through the submission
service; every kind of bad workbook is refused with a message naming the cell or the
reason, an annotated copy where the file is a workbook at all, and nothing written."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from core.cli import main
from core.services import schemes
from excel_addin import exports, importer
from excel_addin.layout import ERRORS_SHEET, META_SHEET
from tests.excel.conftest import EVIDENCE, SCHEME, current_values, fill, rezip
from tests.helpers import log_size

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def blank(entry) -> bytes:
    return exports.entry_template(entry.reporter(), "b1", "2026", "2026-Q1", {"unit": "u1"})[1]


def good(blank: bytes, **extra) -> bytes:
    return fill(blank, {"F5": 92.5, "F6": 3, "H6": EVIDENCE, "F7": "优", **extra})


def test_a_filled_template_is_recorded(entry, blank, platform):
    outcome = importer.import_workbook(entry.reporter(), "b1", good(blank, G5="按期完成"))
    assert outcome.ok and not outcome.problems and outcome.annotated is None
    assert len(outcome.sheets[0]["entries"]) == 3
    # 92.5 misses the target 95: accepted with a warning naming its cell
    assert outcome.sheets[0]["warnings"][0]["cell"] == "F5"
    found = current_values(platform)
    assert found[("u1", "i1", "2026-Q1")] == "92.5"
    assert found[("u1", "i2", "2026-Q1")] == "3"
    assert found[("u1", "i3", "2026-Q1")] == "优"


def test_resubmitting_a_corrected_sheet_corrects_the_values(entry, blank, platform):
    assert importer.import_workbook(entry.reporter(), "b1", good(blank)).ok
    again = exports.entry_template(entry.reporter(), "b1", "2026", "2026-Q1", {"unit": "u1"})[1]
    assert load_workbook(io.BytesIO(again)).worksheets[0]["F5"].value == 92.5  # pre-filled
    outcome = importer.import_workbook(entry.reporter(), "b1", fill(again, {"F5": 96}))
    assert outcome.ok, outcome.problems
    assert current_values(platform)[("u1", "i1", "2026-Q1")] == "96"


def test_accepted_forms_of_numbers(entry, blank, platform):
    data = good(blank, F5="９２．５", F6="-0")  # full-width digits (NFKC), negative zero
    outcome = importer.import_workbook(entry.reporter(), "b1", data)
    assert outcome.ok, outcome.problems
    found = current_values(platform)
    assert (found[("u1", "i1", "2026-Q1")], found[("u1", "i2", "2026-Q1")]) == ("92.5", "0")


def _remove_sheet(name):
    def edit(data: bytes) -> bytes:
        book = load_workbook(io.BytesIO(data))
        del book[name]
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    return edit


def _book_edit(change):
    def edit(data: bytes) -> bytes:
        book = load_workbook(io.BytesIO(data))
        change(book)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    return edit


def _hidden_sheet(book):
    extra = book.create_sheet("备用")
    extra["A1"] = 100
    extra.sheet_state = "hidden"


def _renamed_sheet(book):
    book.worksheets[0].title = "我的表"


def _edit_meta(book):
    sheet = book[META_SHEET]
    for row in sheet.iter_rows():
        if row[0].value == "period":
            row[1].value = "2026-Q2"


def _swap_headers(book):
    sheet = book.worksheets[0]
    sheet["F4"].value, sheet["G4"].value = sheet["G4"].value, sheet["F4"].value


def _replace(old: bytes, new: bytes):
    return lambda data: rezip(data, lambda name, body: body.replace(old, new))


def _macro(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "[Content_Types].xml":
                body = body.replace(b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml")
            dst.writestr(info, body, zipfile.ZIP_DEFLATED)
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 512)
    return out.getvalue()


def _in_part(member: str, change):
    """The package with part ``member``'s bytes passed through ``change``."""
    return lambda data: rezip(data, lambda name, body: change(body) if name == member else body)


SHEET, WORKBOOK = "xl/worksheets/sheet1.xml", "xl/workbook.xml"
ENTITY = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>'
_far_cell = _in_part(
    SHEET,
    lambda body: body.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    ),
)
_doctype = _in_part(SHEET, lambda body: body.replace(b"<worksheet", ENTITY + b"<worksheet", 1))
# a DOCTYPE past the first kilobytes, behind a long comment in the prolog
_doctype_after_comment = _in_part(
    WORKBOOK,
    lambda body: body.replace(
        b"<workbook", b"<!--" + b" " * 5000 + b"-->" + ENTITY + b"<workbook", 1
    ),
)
_utf16 = _in_part("xl/styles.xml", lambda body: body.decode("utf-8").encode("utf-16"))  # fmt: skip


def _zip_bomb(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info), zipfile.ZIP_DEFLATED)
        dst.writestr("xl/sharedStrings.xml", b"<sst>" + b"0" * 60_000_000 + b"</sst>",
                     zipfile.ZIP_DEFLATED)  # fmt: skip
    return out.getvalue()


def _cut(member: str):
    """The workbook with one part's XML cut in half (a copy interrupted mid-write)."""
    return lambda data: rezip(
        data, lambda name, body: body[: len(body) // 2] if name == member else body
    )


# (name, how the clerk's or attacker's workbook differs, problem field, cell, text in reason)
BAD = [
    ("text in a number", lambda d: good(d, F5="九十二"), "value", "F5", "not a decimal"),
    ("thousands separator", lambda d: good(d, F6="1,234"), "value", "F6", "千位分隔符"),
    ("NaN as text", lambda d: good(d, F5="NaN"), "value", "F5", "不是有效数字"),
    ("1e308", lambda d: good(d, F5=1e308), "value", "F5", "digits before the point"),
    ("date in a number", lambda d: good(d, F5=dt.date(2026, 3, 31)), "value", "F5", "日期"),
    ("TRUE in a number", lambda d: good(d, F5=True), "value", "F5", "TRUE/FALSE"),
    ("grade not listed", lambda d: good(d, F7="A+"), "value", "F7", "不是可选等级"),
    ("formula in an input", lambda d: good(d, F5="=90+2.5"), "formula", "F5", "=90+2.5"),
    ("formula in a note", lambda d: good(d, G6="=A1"), "formula", "G6", "formula"),
    ("evidence missing", lambda d: good(d, H6=None), "evidence", "H6", "佐证"),
    ("evidence malformed", lambda d: good(d, H6="see attachment"), "evidence", "H6", "SHA-256"),
    ("note without value", lambda d: fill(d, {"G5": "稍后补报"}), "value", "F5", "本期值为空"),
    ("nothing filled in", lambda d: d, "value", "F5", "没有填写"),
    ("too long a note", lambda d: good(d, G5="长" * 40_000), "note", "G5", "32767"),
    ("duplicate row", lambda d: good(d, A6="i1"), "indicator", "A6", "重复行"),
    ("moved rows", lambda d: good(d, A5="i2", A6="i1"), "indicator", "A5", "should be"),
    ("renamed column", lambda d: good(d, F4="数值"), "header", "F4", "header was changed"),
    ("reordered columns", lambda d: _book_edit(_swap_headers)(good(d)), "header", "F4",
     "reordered"),
    ("content outside the form", lambda d: good(d, A9="合计", F9=95.5), "outside", "A9",
     "outside the form"),
    ("edited heading", lambda d: good(d, B2="u2"), "subject", "B2", "heading was edited"),
    ("merged cells over inputs", lambda d: _book_edit(lambda b: b.worksheets[0].merge_cells(
        "F5:G5"))(good(d)), "merged", "F5", "unmerge"),
    ("hidden extra sheet", lambda d: _book_edit(_hidden_sheet)(good(d)), "sheet", None,
     "hidden sheet '备用'"),
    ("renamed sheet", lambda d: _book_edit(_renamed_sheet)(good(d)), "sheet", None, "missing"),
    ("edited _meta", lambda d: _book_edit(_edit_meta)(good(d)), "template", None, "edited"),
    ("no _meta", lambda d: _remove_sheet(META_SHEET)(good(d)), "template", None, "_meta"),
    ("not a workbook", lambda d: "单位,指标,值\nu1,i1,92\n".encode(), "file", None, "not an .xlsx"),
    (".xls renamed", lambda d: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096, "file", None,
     ".xls"),
    ("macro-enabled", lambda d: _macro(good(d)), "file", None, "macro"),
    ("oversized", lambda d: b"PK\x03\x04" + b"\0" * (9 * 1024 * 1024), "file", None, "limit"),
    ("zip bomb", lambda d: _zip_bomb(good(d)), "file", None, "zip bomb"),
    ("50 MB string", lambda d: _replace(b"PLACEHOLDER", b"x" * 50_000_000)(
        good(d, G5="PLACEHOLDER")), "file", None, "zip bomb"),
    ("cell at XFD1048576", lambda d: _far_cell(good(d)), "file", None, "1048576 rows"),
    ("DOCTYPE", lambda d: _doctype(good(d)), "file", None, "DOCTYPE"),
    ("error value", lambda d: good(d, F5="#DIV/0!", F6="73"), "error", "F5", "#DIV/0!"),
    ("DOCTYPE after 5 KB", lambda d: _doctype_after_comment(good(d)), "file", None, "DOCTYPE"),
    ("part in UTF-16", lambda d: _utf16(good(d)), "file", None, "not XML in UTF-8"),
    ("damaged zip", lambda d: good(d)[: len(good(d)) // 2], "file", None, "damaged"),
    ("sheet XML cut short", lambda d: _cut("xl/worksheets/sheet1.xml")(good(d)), "file", None,
     "cannot be read"),
    ("_meta XML cut short", lambda d: _cut("xl/worksheets/sheet2.xml")(good(d)), "file", None,
     "cannot be read"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "make", "field", "address", "text"), BAD, ids=[b[0] for b in BAD])
def test_bad_workbooks_are_refused_and_write_nothing(
    entry, blank, platform, case, make, field, address, text
):
    before = log_size(platform, "b1")
    outcome = importer.import_workbook(entry.reporter(), "b1", make(blank))
    assert not outcome.ok
    assert log_size(platform, "b1") == before, "nothing may be written"
    found = [p for p in outcome.problems if p.field == field and text in p.reason]
    assert found, [str(p) for p in outcome.problems]
    if address is not None:
        assert found[0].cell == address and found[0].sheet == "u1 办公室"
        copy = load_workbook(io.BytesIO(outcome.annotated))
        marked = copy["u1 办公室"][address]
        assert marked.fill.fgColor.rgb == "FFFFC7CE"
        assert text in marked.comment.text
        listed = [[c.value for c in row] for row in copy[ERRORS_SHEET].iter_rows(min_row=2)]
        assert ["u1 办公室", address, field, found[0].reason] in listed
        assert copy.sheetnames[0] == ERRORS_SHEET and META_SHEET in copy.sheetnames


def test_every_problem_is_reported_at_once(entry, blank, platform):
    data = good(blank, F5="abc", F6="1,2", G7="=1", A20="x")
    outcome = importer.import_workbook(entry.reporter(), "b1", data)
    assert {(p.field, p.cell) for p in outcome.problems} >= {
        ("value", "F5"), ("value", "F6"), ("formula", "G7"), ("outside", "A20")
    }  # fmt: skip


def test_the_annotated_copy_can_be_fixed_and_uploaded_again(entry, blank, platform):
    refused = importer.import_workbook(entry.reporter(), "b1", good(blank, F5="九十"))
    fixed = fill(refused.annotated, {"F5": 90}, sheet="u1 办公室")
    outcome = importer.import_workbook(entry.reporter(), "b1", fixed)
    assert outcome.ok, outcome.problems
    assert current_values(platform)[("u1", "i1", "2026-Q1")] == "90"


def test_a_template_of_an_older_scheme_version_is_refused(entry, blank, platform):
    changed = {**SCHEME, "nodes": [dict(n) for n in SCHEME["nodes"]]}
    changed["nodes"][0]["target"] = 90
    schemes.import_scheme(entry.admin(), "b1", "2026", changed, publish=True)
    before = log_size(platform, "b1")
    outcome = importer.import_workbook(entry.reporter(), "b1", good(blank))
    assert not outcome.ok and log_size(platform, "b1") == before
    problem = outcome.problems[0]
    assert (problem.field, problem.cell) == ("scheme_version", "H2")
    assert "版" in problem.reason and "download a new form" in problem.reason


def test_a_template_of_another_bureau_is_refused(entry, platform):
    other = exports.entry_template(entry.world and entry.admin(), "b1", "2026", "2026-Q1",
                                   {"unit": "u1"})[1]  # fmt: skip
    outcome = importer.import_workbook(entry.admin(), "b2", good(other))
    assert not outcome.ok
    assert outcome.problems[0].field == "bureau" and "b1" in outcome.problems[0].reason


def test_a_reporter_cannot_submit_another_units_sheet(entry, platform):
    data = exports.entry_template(entry.admin(), "b1", "2026", "2026-Q1", {"unit": "u2"})[1]
    before = log_size(platform, "b1")
    outcome = importer.import_workbook(entry.reporter(), "b1", good(data))
    assert not outcome.ok and outcome.status == 403
    assert log_size(platform, "b1") == before


def test_upload_over_http(entry, blank, client, platform):
    headers = entry.world.headers("reporter")
    ok = client.post(
        "/api/v1/bureaus/b1/excel/import",
        data={"file": (io.BytesIO(good(blank)), "u1.xlsx")},
        headers=headers,
    )
    assert ok.status_code == 201, ok.json
    assert ok.json["ok"] and len(ok.json["sheets"][0]["entries"]) == 3
    bad = good(blank, F5="九十")
    refused = client.post(
        "/api/v1/bureaus/b1/excel/import", data=bad, content_type=XLSX, headers=headers
    )
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert {"field": "value", "sheet": "u1 办公室", "cell": "F5", "row": 1}.items() <= (
        refused.json["errors"][0].items()
    )
    annotated = client.post(
        "/api/v1/bureaus/b1/excel/import",
        data=bad,
        content_type=XLSX,
        headers={**headers, "Accept": XLSX},
    )
    assert annotated.status_code == 422 and annotated.mimetype == XLSX
    assert load_workbook(io.BytesIO(annotated.data))["u1 办公室"]["F5"].comment is not None
    for anything in ("*/*", "application/json, */*;q=0.8", "*/*, text/html"):  # curl, requests
        plain = client.post(
            "/api/v1/bureaus/b1/excel/import",
            data=bad,
            content_type=XLSX,
            headers={**headers, "Accept": anything},
        )
        assert plain.status_code == 422 and plain.mimetype == "application/problem+json", anything
    junk = client.post(
        "/api/v1/bureaus/b1/excel/import?annotated=true",
        data=b"not a workbook",
        content_type=XLSX,
        headers=headers,
    )
    assert junk.status_code == 422 and junk.json["errors"][0]["field"] == "file"
    assert client.post("/api/v1/bureaus/b1/excel/import", data=b"x").status_code == 401


def test_cli_import_writes_the_annotated_copy_and_exits_1(entry, blank, instance, tmp_path):
    path = tmp_path / "u1.xlsx"
    path.write_bytes(good(blank, F5="九十"))
    runner = CliRunner()
    result = runner.invoke(main, ["excel", "import", str(path), "--bureau", "b1"])
    assert result.exit_code == 1
    assert "u1 办公室!F5" in result.output
    assert (tmp_path / "u1.errors.xlsx").exists()
    path.write_bytes(good(blank))
    result = runner.invoke(main, ["excel", "import", str(path), "--bureau", "b1"])
    assert result.exit_code == 0, result.output
    assert "3 条已记录 (recorded)" in result.output and "u1 办公室!F5" in result.output


def test_a_workbook_openpyxl_cannot_reopen_is_refused_without_a_copy_or_a_traceback(
    entry, blank, platform, caplog
):
    """A character reference XML 1.0 forbids (``&#x7;``, as third-party writers leave
    them): calamine reads it and the cell is refused; openpyxl cannot parse the file,
    which logged three tracebacks and, on the command line, printed them."""
    before = log_size(platform, "b1")
    data = _replace(b"PLACEHOLDER", b"a&#x7;b")(good(blank, G5="PLACEHOLDER"))
    with caplog.at_level("ERROR"):
        outcome = importer.import_workbook(entry.reporter(), "b1", data)
    assert not outcome.ok and outcome.annotated is None
    assert [p.cell for p in outcome.problems] == ["G5"], [str(p) for p in outcome.problems]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert log_size(platform, "b1") == before


def test_an_upload_through_the_api_is_one_workbook(entry, blank, client, platform):
    """A second file was dropped and unknown form fields ignored (evidence uploads and
    feeds are held to the same rule)."""
    from werkzeug.datastructures import MultiDict

    data = good(blank)
    before = log_size(platform, "b1")
    headers = entry.world.headers("bureau_admin")
    for form in (
        MultiDict([("file", (io.BytesIO(data), "a.xlsx")), ("file", (io.BytesIO(data), "b.xlsx"))]),
        {"file": (io.BytesIO(data), "a.xlsx"), "dry_run": "1"},
    ):
        r = client.post("/api/v1/bureaus/b1/excel/import", data=form, headers=headers)
        assert r.status_code == 422 and r.json["errors"][0]["field"] in ("file", "dry_run"), r.json
    assert log_size(platform, "b1") == before


def test_a_figure_recorded_since_the_download_asks_the_clerk_to_download_again(
    entry, blank, platform
):
    from core.services import submissions

    row = {"indicator": "i1", "value": "90"}
    submissions.submit(
        entry.admin(), "b1", cycle="2026", period="2026-Q1", subject={"unit": "u1"}, rows=[row]
    )
    size = log_size(platform, "b1")
    outcome = importer.import_workbook(entry.reporter(), "b1", good(blank))
    assert not outcome.ok and log_size(platform, "b1") == size
    reasons = [p.reason for p in outcome.problems if p.cell == "F5"]
    assert reasons == [submissions.CONFLICT], [p.reason for p in outcome.problems]


def test_cli_arguments_are_checked_and_named(entry, blank, instance, tmp_path):
    runner = CliRunner()
    path = tmp_path / "u1.xlsx"
    path.write_bytes(good(blank, F5="九十"))
    # an unknown bureau is named as such, not as "a template of another bureau"
    out = runner.invoke(main, ["excel", "import", str(path), "--bureau", "nosuch"])
    assert out.exit_code == 1 and "no bureau 'nosuch'" in out.output, out.output
    # an annotated copy that cannot be written says so, and only so
    out = runner.invoke(
        main, ["excel", "import", str(path), "--bureau", "b1", "-o", str(tmp_path / "no/x.xlsx")]
    )
    assert out.exit_code == 1 and "cannot write" in out.output
    assert "cannot be reopened" not in out.output
    # - is standard output for a template; --each and --units need --all-units
    template = ["excel", "template", "--bureau", "b1", "--cycle", "2026", "--period", "2026-Q1"]
    out = runner.invoke(main, [*template, "--unit", "u1", "-o", "-"])
    assert out.exit_code == 0 and out.stdout_bytes.startswith(b"PK"), out.output[:200]
    assert not (tmp_path / "-").exists()
    for flags in (["--each"], ["--units", "u1"]):
        out = runner.invoke(main, [*template, "--unit", "u1", *flags])
        assert out.exit_code == 2 and "--all-units" in out.output
