"""The 苏解纷 mediation importer (D-42): encodings, formats, per-row and per-field errors,
refusals, and source keys that make a re-import record nothing twice."""

from __future__ import annotations

import codecs
import json
from decimal import Decimal
from pathlib import Path

import pytest

from plugins.community_correction.mediation_import import parse, period_code, source_key

SAMPLES = Path(__file__).resolve().parents[2] / "plugins" / "community_correction" / "samples"
HEADER = ",".join(
    [
        "统计期间",
        "司法所编码",
        "调解员工号",
        "受理数",
        "调解成功数",
        "调解成功率(%)",
        "平均调解时长(天)",
        "群众评价(5分制)",
    ]
)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def without_notes(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "note"} for r in rows]


def csv_file(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def figures(rows: list[dict]) -> dict[tuple, str]:
    return {(r["unit"], r.get("person"), r["indicator"]): r["value"] for r in rows}


def test_the_three_samples_give_the_same_rows():
    csv_rows, csv_errors = parse(sample("sujiefen-2026Q1.csv"), "sujiefen-2026Q1.csv")
    gb_rows, gb_errors = parse(sample("sujiefen-2026Q1-gb18030.csv"), "q1.csv")
    json_rows, json_errors = parse(sample("sujiefen-2026Q1.json"), "sujiefen-2026Q1.json")
    assert csv_errors == gb_errors == json_errors == []
    # 9 records (6 mediators, 3 office totals) × 4 figures; the title line and the
    # grand-total row (合计) are not figures of a unit
    assert len(csv_rows) == 36
    assert without_notes(csv_rows) == without_notes(gb_rows) == without_notes(json_rows)
    assert sample("sujiefen-2026Q1.csv").startswith(codecs.BOM_UTF8)
    first = csv_rows[0]
    assert first == {
        "unit": "sfs-changqiao",
        "person": "M1001",
        "indicator": "cc_mediation_cases",
        "cycle": "2026",
        "period": "2026-Q1",
        "value": "20",
        "source_key": first["source_key"],
        "note": "苏解纷平台导入 (imported from sujiefen): sujiefen-2026Q1.csv 第3行 (line 3)",
    }
    assert json_rows[0]["note"].endswith("sujiefen-2026Q1.json 第1条 (record 1)")
    found = figures(csv_rows)
    # the office's own total has no person; 95.00 and 95.0 are one value, written "95"
    assert found[("sfs-mudu", None, "cc_mediation_success_rate")] == "85"
    assert found[("sfs-changqiao", "M1001", "cc_mediation_success_rate")] == "95"
    # M3002's export left the rate empty: 8 of 10 cases → 80.00, written "80"
    assert found[("sfs-guoxiang", "M3002", "cc_mediation_success_rate")] == "80"
    assert found[("sfs-guoxiang", "M3002", "cc_mediation_duration")] == "9.75"
    assert found[("sfs-guoxiang", "M3002", "cc_mediation_rating")] == "4.05"


def test_source_keys_are_stable_and_change_only_with_the_figure():
    once, _ = parse(sample("sujiefen-2026Q1.csv"), "sujiefen-2026Q1.csv")
    again, _ = parse(sample("sujiefen-2026Q1.csv"), "renamed-copy.csv")
    keys = [r["source_key"] for r in once]
    assert keys == [r["source_key"] for r in again]
    assert len(set(keys)) == len(keys) == 36
    assert all(k.startswith("sujiefen:") and len(k) == 41 for k in keys)
    # a corrected export: M2001's average time 17.0 → 16.0; that figure alone gets a new
    # key (the service then sees a correction to decide, not a duplicate)
    text = sample("sujiefen-2026Q1.csv").decode("utf-8-sig").replace(",17.0,4.3", ",16.0,4.3")
    changed, _ = parse(text.encode(), "sujiefen-2026Q1.csv")
    differing = [(a, b) for a, b in zip(once, changed, strict=True) if a != b]
    assert [(a["person"], a["indicator"], a["value"], b["value"]) for a, b in differing] == [
        ("M2001", "cc_mediation_duration", "17", "16")
    ]
    assert differing[0][0]["source_key"] != differing[0][1]["source_key"]
    # the value is part of the key, normalised: 83.30 and 83.3 are one figure
    assert source_key("u", None, "2026-Q1", "i", Decimal("83.30")) == source_key(
        "u", "", "2026-Q1", "i", Decimal("83.3")
    )
    assert source_key("u", None, "2026-Q1", "i", Decimal("83.3")) != source_key(
        "u", None, "2026-Q2", "i", Decimal("83.3")
    )


def test_every_bad_field_is_named_with_its_row_and_good_rows_still_map():
    rows, errors = parse(sample("sujiefen-2026Q1-errors.csv"), "errors.csv")
    assert [(e.row, e.field) for e in errors] == [
        (2, "统计期间"),
        (3, "调解成功数"),
        (4, "群众评价(5分制)"),
        (4, "调解成功率(%)"),
        (5, "司法所编码"),
        (5, "受理数"),
        (7, "调解员工号"),
    ]
    reasons = {(e.row, e.field): e.reason for e in errors}
    assert reasons[(2, "统计期间")].startswith("无法识别的统计期间“2026年第五季度”")
    assert reasons[(3, "调解成功数")] == "成功数大于受理数18 (more successes than the 18 cases)"
    assert reasons[(4, "调解成功率(%)")] == (
        "与受理数、成功数不符，应为83.33 (does not match cases and successes: 83.33 expected)"
    )
    assert reasons[(5, "受理数")] == "“十二”不是数字 ('十二' is not a number)"
    assert reasons[(7, "调解员工号")] == "与第6行重复 (duplicates line 6)"
    # line 6 is fine: its four figures are mapped; the duplicate on line 7 adds none
    assert [(r["person"], r["indicator"], r["value"]) for r in rows] == [
        ("M3001", "cc_mediation_cases", "15"),
        ("M3001", "cc_mediation_success_rate", "80"),
        ("M3001", "cc_mediation_duration", "8.5"),
        ("M3001", "cc_mediation_rating", "3.8"),
    ]


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (b"PK\x03\x04rest-of-a-zip", "export.xlsx", "Excel 工作簿"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "export.xls", "旧版 Excel"),
        (b"a,b\n1,2\n", "export.txt", "不支持的文件类型"),
        (b"  \n", "export.csv", "文件为空"),
        (b"\x81\x30\xff\xfe\x00", "export.csv", "这不是文本文件"),
        (b"\xff\xff\x81\x20,\xa0\n", "export.csv", "无法识别文件编码"),
        (b"name,value\nx,1\n", "export.csv", "找不到表头"),
        (b'{"records": [', "export.json", "JSON 格式错误：第1行第14列"),
        (b'{"total": 3}', "export.json", "JSON 应为记录数组"),
        (b"\xef\xbb\xbf" + HEADER.encode() + b"\n", "export.csv", "没有数据行"),
    ],
)
def test_unreadable_files_are_refused_with_one_clear_message(data, name, says):
    rows, errors = parse(data, name)
    assert rows == []
    assert len(errors) == 1 and errors[0].field == "file" and errors[0].row is None
    assert says in errors[0].reason
    assert "(" in errors[0].reason  # the English follows the Chinese


def test_encodings_delimiters_and_header_spellings():
    line = "2026-03,sfs-mudu,M2001,10,9,90,12,4.5"
    plain = csv_file(line)
    expected = without_notes(parse(plain, "a.csv")[0])
    assert len(expected) == 4
    variants = [
        codecs.BOM_UTF8 + plain,
        plain.decode().encode("gb18030"),
        plain.decode().encode("utf-16"),  # Excel's "Unicode text", with its BOM
        plain.decode().replace(",", "\t").encode(),
        plain.decode().replace(",", ";").encode("gb18030"),
        csv_file(
            line,
            header="统计月份, 单位编码 ,工号,受理案件数,成功数,"
            "成功率（%）,平均调解时长（天）,群众评价",
        ),
        csv_file(
            line, header="period,office,mediator,cases,successes,success_rate,avg_days,rating"
        ),
    ]
    for data in variants:
        rows, errors = parse(data, "b.csv")
        assert errors == [] and without_notes(rows) == expected


def test_json_records_with_english_keys_numbers_and_their_own_errors():
    doc = [
        {
            "month": "2026年3月",
            "office": "sfs-mudu",
            "mediator": "M2001",
            "cases": 10,
            "successes": 9,
            "avg_days": 12.5,
            "rating": 4.5,
        },
        "not a record",
        {"month": "2026-03", "office": "sfs-mudu", "mediator": "M2002", "cases": True},
        {"month": "2026-03", "mediator": "M2003", "cases": 3},
    ]
    rows, errors = parse(json.dumps(doc, ensure_ascii=False).encode(), "x.json")
    assert [(e.row, e.field, e.reason) for e in errors] == [
        (2, "record", "每条记录应为对象 (each record must be an object)"),
        (3, "cases", "应为数字 (must be a number)"),
        (4, "unit", "必填 (required)"),
    ]
    # 9 of 10 → 90.00, computed because the record has no rate
    assert [(r["indicator"], r["value"]) for r in rows] == [
        ("cc_mediation_cases", "10"),
        ("cc_mediation_success_rate", "90"),
        ("cc_mediation_duration", "12.5"),
        ("cc_mediation_rating", "4.5"),
    ]


def test_a_period_without_cases_carries_no_statistics():
    rows, errors = parse(
        csv_file("2026-Q1,sfs-mudu,M2001,0,0,0,,", "2026-Q1,sfs-mudu,M2002,0,0,50,,"), "c.csv"
    )
    assert [(r["person"], r["indicator"], r["value"]) for r in rows] == [
        ("M2001", "cc_mediation_cases", "0")
    ]
    assert [(e.row, e.field, e.reason) for e in errors] == [
        (3, "调解成功率(%)", "受理数为0，此项应为空 (no cases: leave this empty)")
    ]


def id_card(body: str) -> str:
    """A checksum-valid (made-up) resident ID number for ``body`` (17 digits)."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def test_identifiers_never_pass_as_codes():
    number = id_card("32050619900101123")
    rows, errors = parse(csv_file(f"2026-Q1,sfs-mudu,{number},3,3,100,5,5"), "d.csv")
    assert rows == []
    assert [(e.field, e.reason) for e in errors] == [
        (
            "调解员工号",
            "疑似身份证号，请使用工号或编码 (looks like an ID-card number: use the code)",
        )
    ]
    assert number not in repr(errors)
    rows, errors = parse(csv_file("2026-Q1,木渎司法所,M1,3,3,100,5,5"), "e.csv")
    assert errors[0].field == "司法所编码" and "不合规" in errors[0].reason


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2026", "2026"),
        ("2026年度", "2026"),
        ("2026年", "2026"),
        ("2026-H1", "2026-H1"),
        ("2026年下半年", "2026-H2"),
        ("2026Q3", "2026-Q3"),
        ("2026-q4", "2026-Q4"),
        ("2026年第一季度", "2026-Q1"),
        ("2026年第2季度", "2026-Q2"),
        ("2026-03", "2026-03"),
        ("2026/3", "2026-03"),
        ("2026年3月", "2026-03"),
        ("202611", "2026-11"),
        ("2026-01-01至2026-03-31", "2026-Q1"),
        ("2026-1-1 ~ 2026-12-31", "2026"),
        ("2026-07-01至2026-07-31", "2026-07"),
        ("2026-01-01至2026-02-15", None),
        ("2026-13", None),
        ("2026年第五季度", None),
        ("三月", None),
    ],
)
def test_period_spellings(text, code):
    assert period_code(text) == code
