"""Community-correction plugin, end to end (Wuzhong judicial bureau, seed 002): the
bureau installs ``community_correction``, imports the template (social workers, who
are people, and the justice offices), feeds the 苏解纷 online mediation platform's
exports through the importer (all or nothing, every row's error, nothing recorded
twice, a changed figure refused, the file on record), records reviewers' items and an
incident, and reads grades, the bonus cap, the grade ceiling after an abscondence and
pay. Every number is computed by hand in the comments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core.kernel.errors import Conflict, InvalidInput
from core.services import imports, values
from tests.plugins.support import Office, cli, cli_json, verified

SAMPLES = Path(__file__).parents[2] / "plugins" / "community_correction" / "samples"
IMPORTER = "sujiefen-mediation"
WORKERS = (
    ("M1001", "张晓梅", "sfs-changqiao"),
    ("M1002", "李建国", "sfs-changqiao"),
    ("M2001", "王芳", "sfs-mudu"),
    ("M2002", "陈志强", "sfs-mudu"),
    ("M3001", "周丽", "sfs-guoxiang"),
    ("M3002", "吴海涛", "sfs-guoxiang"),
)
HEADER = (
    "统计期间,司法所编码,调解员工号,受理数,调解成功数,"
    "调解成功率(%),平均调解时长(天),群众评价(5分制)\n"
)
REST_OF_YEAR = HEADER + "".join(
    f"{q},sfs-changqiao,M1001,20,19,95.00,11.0,4.8\n{q},sfs-mudu,M2001,22,19,86.36,17.0,4.3\n"
    for q in ("2026-Q2", "2026-Q3", "2026-Q4")
)


def _feed(office: Office, data: bytes, filename: str) -> dict:
    return imports.run(office.ctx, office.code, IMPORTER, data, filename, "2026")


@pytest.fixture
def cc(platform) -> Office:
    office = Office(platform, "wzsf", ("rules", "community_correction"))
    # two of six workers may be 优秀 (⌊0.4 × 6⌋ = 2)
    office.configure("community_correction", {"excellent_quota": "0.4"})
    office.units(
        ("sfs-changqiao", "长桥司法所", "sfs"),
        ("sfs-mudu", "木渎司法所", "sfs"),
        ("sfs-guoxiang", "郭巷司法所", "sfs"),
    )
    office.people(*[(code, name, unit, "cc-worker") for code, name, unit in WORKERS])
    office.template("community-correction")
    return office


def test_a_judicial_bureau_from_install_to_pay(cc):
    first = _feed(cc, (SAMPLES / "sujiefen-2026Q1.csv").read_bytes(), "sujiefen-2026Q1.csv")
    # 9 records (6 mediators, 3 office totals; the grand total is skipped) × 4 figures;
    # M3002's success rate, left empty, is computed: 8 ÷ 10 = 80.00
    assert (first["rows"], len(first["entries"])) == (36, 36)
    for name in ("sujiefen-2026Q1.json", "sujiefen-2026Q1-gb18030.csv"):
        again = _feed(cc, (SAMPLES / name).read_bytes(), name)  # the same figures again
        assert (again["entries"], len(again["skipped_rows"])) == ([], 36)
    cc.configure("community_correction", {"excellent_quota": "0.4", "mediation_days_limit": "16"})
    rest = _feed(cc, REST_OF_YEAR.encode(), "sujiefen-2026Q2-Q4.csv")
    assert len(rest["entries"]) == 24
    # M2001's 17.0 days exceed the bureau's limit of 16 in each quarter: warned (besides
    # the built-in warnings on missed targets), recorded all the same
    overdue = [w for w in rest["warnings"] if w["check"] == "cc-mediation-overdue"]
    assert [w["message"] for w in overdue] == [
        "平均调解时长超过16日 (average mediation time 17 days exceeds 16)"
    ] * 3
    files = cli_json("community_correction", "imports", "--bureau", "wzsf", "--json")
    assert [(f["filename"], f["rows"]) for f in files] == [
        ("sujiefen-2026Q1.csv", 36), ("sujiefen-2026Q2-Q4.csv", 24),
    ]  # fmt: skip

    # the offices' Q1 standing (the office total rows):
    # 长桥 93.75% → 40 (capped at the target 90%), 12.5 days ≤ 15 → 30, 4.6 ≥ 4.5 → 30
    # 木渎 40 × 85 ÷ 90 = 37.78, 30 × 15 ÷ 18 = 25.00, 30 × (4.2 − 3) ÷ 1.5 = 24.00
    # 郭巷 40 × 80 ÷ 90 = 35.56, 9 days → 30, 30 × 0.6 = 18.00
    q1 = cc.results(period="2026-Q1")
    assert [(u, q1[u]["total"], q1[u]["rank"]) for u in ("sfs-changqiao", "sfs-mudu",
                                                          "sfs-guoxiang")] == [
        ("sfs-changqiao", "100.00", 1), ("sfs-mudu", "86.78", 2), ("sfs-guoxiang", "83.56", 3),
    ]  # fmt: skip

    # the workers' year: visit rates, reviewers' items, an incident
    cc.values(
        [{"person": p, "indicator": "cc_visit_rate", "period": "2026", "value": v}
         for p, v in (("M1001", "100"), ("M2001", "95"))]
    )  # fmt: skip
    bonus = {"cc_bonus_adopted": "1", "cc_bonus_honour": "2", "cc_bonus_dispute": "2",
             "cc_bonus_publicity": "2", "cc_bonus_case": "2"}  # fmt: skip
    cc.items(
        [{"person": "M1001", "indicator": i, "quantity": q, "reason": "加分"}
         for i, q in bonus.items()]
        + [{"person": "M2001", "indicator": "cc_survey_overdue", "quantity": "1",
            "reason": "调查评估超期"},
           {"person": "M2001", "indicator": "cc_safety_abscond", "quantity": "1",
            "reason": "所管对象脱管，见安全事故报告"}]
    )  # fmt: skip
    cli(
        "community_correction", "incident", "--bureau", "wzsf", "--unit", "sfs-mudu",
        "--person", "M2001", "--date", "2026-05-06", "--kind", "abscond",
        "--severity", "general", "--summary", "社区矫正对象脱管2日后归案",
    )  # fmt: skip

    found = cc.results()
    # M1001: every deduction rule full (items 1–11 add up to 100; visits 100% → 4;
    #   mediation each quarter 95% → 4, 11 days → 3, 4.8 → 3: 10); bonus 1 + 2 + 2 +
    #   0.5 × 2 = 1 + 0.5 × 2 = 1 → 7, capped at 5 → 105.00
    # M2001: 100 − 2 (investigation overdue) − 2 (abscondence) − (4 − 4 × 95%) 0.20
    #   − mediation (10 − (4 × 86.36 ÷ 90 = 3.84) − (3 × 15 ÷ 17 = 2.65)
    #   − (3 × 1.3 ÷ 1.5 = 2.60)) 0.91 → 94.89
    assert (found["M1001"]["total"], found["M2001"]["total"]) == ("105.00", "94.89")
    capped = found["M1001"]["explanation"]["adjustments"][0]
    assert (capped["type"], capped["before"], capped["after"]) == ("node_cap", "7.00", "5.00")
    # ranks 1 and 2 of six, ⌊0.4 × 6⌋ = 2 优秀 by score; M2001's abscondence holds her at
    # 良好 (a ceiling, not a veto: the points stand)
    assert (found["M1001"]["rank"], found["M2001"]["rank"]) == (1, 2)
    assert (found["M1001"]["grade"], found["M2001"]["grade"]) == ("excellent", "good")
    assert found["M2001"]["explanation"]["adjustments"][0]["type"] == "grade_ceiling"
    assert (found["M2001"]["kind"], found["M2001"]["unit"]) == ("person", "sfs-mudu")

    pay = cc.outcomes()
    # 96 000: fixed 80% = 76 800; performance 20% × total ÷ 100 (at most 1):
    # M1001 19 200 (105 pays no more than 100); M2001 19 200 × 0.9489 = 18 218.88
    assert (pay["M1001"]["pay_total"], pay["M2001"]["pay_performance"]) == (
        "96000.00", "18218.88",
    )  # fmt: skip
    assert pay["M2001"]["pay_total"] == "95018.88"
    incidents = cli_json("community_correction", "incidents", "--bureau", "wzsf", "--json")
    assert [(i["person"], i["kind"]) for i in incidents] == [("M2001", "abscond")]
    verified(cc)


def test_a_bad_export_is_refused_whole_with_every_row_error(cc):
    data = (SAMPLES / "sujiefen-2026Q1-errors.csv").read_bytes()
    with pytest.raises(InvalidInput) as refused:
        _feed(cc, data, "sujiefen-2026Q1-errors.csv")
    assert {(e.row, e.field) for e in refused.value.errors} == {
        (2, "统计期间"),  # 第五季度: no such quarter
        (3, "调解成功数"),  # 20 successes of 18 cases
        (4, "调解成功率(%)"),  # 90 does not match 15 ÷ 18 = 83.33
        (4, "群众评价(5分制)"),  # 6 on a 5-point scale
        (5, "受理数"),  # 十二 is not a number
        (5, "司法所编码"),  # the office is required
        (7, "调解员工号"),  # line 7 repeats line 6
    }
    assert values.listing(cc.ctx, "wzsf") == []  # nothing was recorded


def test_a_line_with_cells_past_the_header_is_refused_naming_it(cc):
    data = HEADER + "2026-Q2,sfs-changqiao,M1001,20,19,95.00,11.0,4.8,多余\n"
    with pytest.raises(InvalidInput) as refused:
        _feed(cc, data.encode(), "ragged.csv")
    assert [(e.row, e.field) for e in refused.value.errors] == [(2, "file")]
    assert "the header has 8 columns" in refused.value.errors[0].reason
    assert values.listing(cc.ctx, "wzsf") == []


def test_a_row_refused_for_each_of_its_values_is_told_once(cc):
    data = HEADER + "2026-Q2,sfs-changqiao,M9999,20,19,95.00,11.0,4.8\n"
    with pytest.raises(InvalidInput) as refused:
        _feed(cc, data.encode(), "unknown.csv")
    told = [(e.row, e.field, e.reason) for e in refused.value.errors]
    assert told and len(told) == len(set(told)), told


def test_a_csv_named_xlsx_is_called_what_it_is(cc):
    with pytest.raises(InvalidInput) as refused:
        _feed(cc, REST_OF_YEAR.encode(), "renamed.xlsx")
    assert "named .xlsx but not an Excel workbook" in str(refused.value)


def test_a_changed_figure_is_refused_not_skipped(cc):
    _feed(cc, (SAMPLES / "sujiefen-2026Q1.csv").read_bytes(), "q1.csv")
    changed = HEADER + "2026-Q1,sfs-changqiao,M1001,20,19,95.00,11.0,4.7\n"
    with pytest.raises(Conflict) as refused:
        _feed(cc, changed.encode(), "q1-corrected.csv")
    # the rating 4.7 is a new figure for M1001's Q1 (a new source key): the service
    # refuses it as a correction to be made on purpose, naming the value it would replace
    # and the line of the file that holds it (line 2, under the header; not the record's
    # fourth figure, as the value rows had been numbered)
    ((error,),) = [refused.value.errors]
    assert (error.row, error.field) == (2, "corrects")
    assert "请发送 corrects: " in error.reason and "(send corrects: " in error.reason
    # a file that is not an export at all
    with pytest.raises(InvalidInput, match="Excel"):
        _feed(cc, b"PK\x03\x04rest", "stats.xlsx")


def test_numbers_are_read_exactly_or_refused(cc):
    """A figure is read exactly, never rounded: 4.30000000000000000000000000000001 had
    been read as 4.3 (a JSON float, and in CSV ``Decimal.normalize`` rounding to 28
    digits inside parse_decimal); it is refused with the core's reason for too many
    decimal places, naming the line and the file's column. A semicolon export's
    decimal comma (1,5 days) had been read as 15; thousands separators in groups of
    three (1,200) still read as 1200. A JSON integer of 5,000 digits had been a
    ValueError (Python's limit on int conversion) instead of a refusal."""
    places = "小数超过 12 位 (has more than 12 decimal places)"
    rows = [
        "2026-Q1;sfs-changqiao;M1001;20;19;;11;4.30000000000000000000000000000001",
        "2026-Q1;sfs-changqiao;M1002;20;19;;1,5;4.3",
        f"2026-Q1;sfs-mudu;M2001;20.{'0' * 28}1;19;;11;4.3",
        f"2026-Q1;sfs-mudu;M2002;20;19;95.{'0' * 27}1;11;4.3",
    ]
    semicolons = HEADER.replace(",", ";") + "\n".join(rows) + "\n"
    with pytest.raises(InvalidInput) as refused:
        _feed(cc, semicolons.encode(), "q1.csv")
    assert [(e.row, e.field, e.reason) for e in refused.value.errors] == [
        (2, "群众评价(5分制)", places),
        (3, "平均调解时长(天)", "“1,5”：小数点请写作“.”，千位分隔符须三位一组 "
                             "('1,5': write decimals with a point; thousands separators "
                             "group three digits)"),
        (4, "受理数", places),
        (5, "调解成功率(%)", places),
    ]  # fmt: skip
    rating = "4.30000000000000000000000000000001"
    export = (
        '[{"统计期间": "2026-Q1", "司法所编码": "sfs-mudu", "调解员工号": "M2001",'
        f' "受理数": 20, "调解成功数": 19, "群众评价": {rating}}},'
        '{"统计期间": "2026-Q1", "司法所编码": "sfs-mudu", "调解员工号": "M2002",'
        f' "受理数": {"1" * 5000}}}]'
    )
    with pytest.raises(InvalidInput) as refused:
        _feed(cc, export.encode(), "q1.json")
    assert [(e.row, e.field, e.reason) for e in refused.value.errors] == [
        (1, "群众评价", places),
        (2, "受理数", "整数部分超过 18 位 (has more than 18 digits before the point)"),
    ]
    assert values.listing(cc.ctx, "wzsf") == []
    grouped = HEADER + '2026-Q1,sfs-mudu,M2001,"1,200","1,140",,11,4.5\n'
    assert len(_feed(cc, grouped.encode(), "q1.csv")["entries"]) == 4
    recorded = {r["indicator"]: r["value"] for r in values.listing(cc.ctx, "wzsf")}
    assert (recorded["cc_mediation_cases"], recorded["cc_mediation_success_rate"]) == (
        "1200", "95",
    )  # fmt: skip


def test_an_impossible_incident_date_is_refused_naming_it(cc):
    later = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    for unit, day, reason in (
        ("sfs-mudu", "2026-02-30", "date: 不是有效日期"),
        ("sfs-mudu", "9999-12-31", "date: 须为 2000 至 2999 年"),
        ("sfs-mudu", later, "has not come yet"),  # a report is of what happened
        ("nowhere", "2026-05-06", "unit: 没有单位 'nowhere'"),  # not "not a worker"
    ):
        out = cli(
            "community_correction", "incident", "--bureau", "wzsf", "--unit", unit,
            "--person", "M2001", "--date", day, "--kind", "abscond", "--severity", "general",
            "--summary", "脱管", ok=False,
        )  # fmt: skip
        assert out.exit_code == 1 and reason in out.output, out.output
    assert cli_json("community_correction", "incidents", "--bureau", "wzsf", "--json") == []
