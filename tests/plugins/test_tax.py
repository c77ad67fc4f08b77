"""Tax plugin, end to end: a district tax bureau installs ``tax``, imports the template
with one command, adjusts a setting, records a year — the 12 quantitative indicators,
the points platform's daily export (a finding among the items), the reviews, a veto, a
missed hard indicator — issues the monthly rectification notices from the March and
April standings, closes one, and reads grades and outcomes; its officers are people
assessed by the post scheme. Every number is computed by hand in the comments."""

from __future__ import annotations

import hashlib
import json

import pytest

from core.kernel.errors import InvalidInput
from core.services import evidence, imports, ledger, plugins, users, values
from tests.plugins.support import Office, cli, cli_json, verified

KINDS = ("day", "month", "quarter", "half", "year")
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
QUARTERS = [f"2026-Q{q}" for q in range(1, 5)]
HALVES = ["2026-H1", "2026-H2"]
FINDING = "吴税审〔2026〕3号 督审发现文书 (the audit's finding)".encode()
FINDING_DOC = hashlib.sha256(FINDING).hexdigest()
RECTIFIED = "甪直税务分局 整改报告 (the rectification report)".encode()
RECTIFIED_DOC = hashlib.sha256(RECTIFIED).hexdigest()


def _full_marks(unit: str, **instead: str) -> list[dict]:
    """A branch's values for full points on every value leaf; ``instead`` replaces one
    (``filing_rate__2026_03="97"``)."""
    values = {
        ("tax_revenue", "2026-Q4"): "100",
        ("fee_revenue", "2026-Q4"): "100",
        ("arrears_clearance", "2026-Q4"): "60",
        ("new_arrears", "2026"): "1",
        ("contactless", "2026"): "95",
        ("civilised_unit", "2026"): "1",
        ("discipline_case", "2026"): "0",
    }
    for month in MONTHS:
        values |= {
            ("filing_rate", month): "99",
            ("invoice_risk", month): "100",
            ("processing_time", month): "15",
        }
    for quarter in QUARTERS:
        values[("risk_response", quarter)] = "100"
    for half in HALVES:
        values |= {
            ("enforcement_rectification", half): "100",
            ("inspection_closure", half): "90",
            ("satisfaction", half): "95",
        }
    for key, value in instead.items():
        indicator, _, period = key.partition("__")
        values[(indicator, period.replace("_", "-") or "2026")] = value
    return [{"unit": unit, "indicator": i, "period": p, "value": v} for (i, p), v in values.items()]


def _section_marks(unit: str) -> list[dict]:
    return [
        {"unit": unit, "indicator": "lead_tasks", "period": "2026-Q4", "value": "100"},
        {"unit": unit, "indicator": "civilised_unit", "period": "2026", "value": "1"},
        {"unit": unit, "indicator": "discipline_case", "period": "2026", "value": "0"},
    ]


def _reviews(unit: str, guidance: bool = False) -> list[dict]:
    """Superiors rate 100 in both halves and at the year end (full points)."""
    rows = [
        {"unit": unit, "indicator": "half_review", "period": h, "role": "superior",
         "rater": "局长", "score": "100"}
        for h in HALVES
    ]  # fmt: skip
    rows.append(
        {"unit": unit, "indicator": "annual_review", "role": "superior", "rater": "局长",
         "score": "100"}
    )  # fmt: skip
    if guidance:
        rows += [
            {"unit": unit, "indicator": "guidance", "period": h, "role": "service_recipient",
             "rater": "城南分局", "score": "100"}
            for h in HALVES
        ]  # fmt: skip
    return rows


POINTS_EXPORT = f"""unit,person,day,item,count,note,evidence,finding_reference,finding_issue
b1,,2026-03-03,D05,1,代开发票差错,,,
b1,,2026-05-15,D21,1,,{FINDING_DOC},吴税审〔2026〕3号,第2项：多缴税款未及时退还
b1,,2026-05-10,B02,1,,,,
b1,,2026-06-01,B10,2,两面锦旗,,,
b2,,2026-03-20,D11,1,,,,
b2,,2026-03-20,D07,1,,,,
b3,,2026-03-25,D20,3,,,,
b3,,2026-04-08,D18,1,,,,
b3,,2026-06-30,B01,1,,,,
s1,,2026-03-05,D16,1,,,,
,o1,2026-02-02,D18,1,,,,
"""


POINTS_HEADER = "unit,person,day,item,count,note,evidence,finding_reference,finding_issue\n"


def _refused_points(tax: Office, text: str, filename: str = "points.csv") -> InvalidInput:
    """The refusal of a points export (a header and ``text``); it must be refused."""
    with pytest.raises(InvalidInput) as refused:
        imports.run(tax.ctx, "wz", "tax-daily-points", (POINTS_HEADER + text).encode(),
                    filename, "2026")  # fmt: skip
    return refused.value


@pytest.fixture
def tax(platform) -> Office:
    office = Office(platform, "wz", ("rules", "tax"), cycle_kinds=KINDS)
    # the bureau allows up to 70% excellent (⌊0.7 × 3⌋ = 2 branches, ⌊0.7 × 2⌋ = 1 section)
    office.configure("tax", {"excellent_quota": "0.7"})
    office.units(
        ("b1", "城南税务分局", "branch"),
        ("b2", "木渎税务分局", "branch"),
        ("b3", "甪直税务分局", "branch"),
        ("s1", "征收管理股", "section"),
        ("s2", "纳税服务股", "section"),
    )
    office.people(
        ("o1", "王税官", "b1", "officer"),
        ("o2", "李税官", "b1", "officer"),
        ("o3", "张税官", "b2", "officer"),
    )
    evidence.attach(office.ctx, "wz", FINDING, "finding.txt", "text/plain", "b1")
    evidence.attach(office.ctx, "wz", RECTIFIED, "rectified.txt", "text/plain", "b3")
    return office


def _record_year(tax: Office) -> dict:
    tax.values(_full_marks("b1"))
    tax.values(_full_marks("b2", contactless="85"))  # hard indicator missed
    tax.values(_full_marks("b3", filing_rate__2026_03="97", discipline_case="1"))  # veto
    tax.values(_section_marks("s1") + _section_marks("s2"))
    tax.ratings([r for u in ("b1", "b2", "b3") for r in _reviews(u)])
    tax.ratings([r for u in ("s1", "s2") for r in _reviews(u, guidance=True)])
    return imports.run(
        tax.ctx, tax.code, "tax-daily-points", POINTS_EXPORT.encode(), "points-2026.csv", "2026"
    )


def test_a_tax_bureau_from_install_to_outcomes(tax, platform):
    done = tax.template("tax")  # jixiao schemes template tax --bureau wz --cycle 2026 --publish
    assert [(s["code"], s["version"], s["status"]) for s in done["schemes"]] == [
        ("tax-branch", 1, "published"),
        ("tax-section", 1, "published"),
        ("tax-post", 1, "published"),
    ]
    assert len(done["indicators_added"]) == 23
    imported = _record_year(tax)
    # the export's 11 events make 10 values: b2's two deductions of 20 March are one
    # value of that day (0.5 + 1 = 1.5), every other event has a day of its own
    assert imported["rows"] == 10 and len(imported["entries"]) == 10
    again = imports.run(
        tax.ctx, tax.code, "tax-daily-points", POINTS_EXPORT.encode(), "copy.csv", "2026"
    )
    assert again["entries"] == [] and len(again["skipped_rows"]) == 10

    found = tax.results()
    # b1: every value leaf full (12 KPIs 60, civilised 4, half 10, annual 10 = 84);
    #     daily 16 − (D05 0.5 + D21 1) = 14.50; bonus B02 1 + B10 0.2 × 2 = 1.40
    #     → 84 + 14.50 + 1.40 = 99.90
    assert found["b1"]["total"] == "99.90"
    # b2: contactless 85 < 90 loses its 6 points; daily 16 − (D11 0.5 + D07 1) = 14.50
    #     → 84 − 6 + 14.50 = 92.50
    assert found["b2"]["total"] == "92.50"
    # b3: a disciplinary case vetoes: 0, whatever else (its B01 bonus included)
    assert found["b3"]["total"] == "0.00" and found["b3"]["flags"] == ["veto"]
    # grades: ⌊0.7 × 3⌋ = 2 may be 优秀 and b1, b2 are both ≥ 90, but b2 missed a hard
    # indicator: 良好 at best; b3 vetoed: the last grade
    assert [found[u]["grade"] for u in ("b1", "b2", "b3")] == ["excellent", "good", "unqualified"]
    assert found["b2"]["flags"] == ["contactless_missed"]
    assert found["b2"]["explanation"]["adjustments"][0]["to"] == "good"
    daily = next(n for n in found["b1"]["explanation"]["nodes"] if n["code"] == "daily")
    assert daily["sum"] == "1.5" and [p["period"] for p in daily["periods"]] == [
        "2026-03-03",
        "2026-05-15",
    ]
    assert daily["periods"][1]["input"] == "1"
    # sections: all full but s1's D16 (0.1): s1 99.90, s2 100.00; ⌊0.7 × 2⌋ = 1 优秀
    assert (found["s1"]["total"], found["s1"]["grade"]) == ("99.90", "good")
    assert (found["s2"]["total"], found["s2"]["grade"]) == ("100.00", "excellent")

    # ---- March: the bottom of each group gets a rectification notice
    march = tax.results(period="2026-03")
    # scored in March: filing 5, invoice 5, waiting time 4, daily 16, bonus (extra) 5
    # b1 5 + 5 + 4 + (16 − 0.5) = 29.50; b2 14 + (16 − 1.5) = 28.50;
    # b3 filing 97 → 5 × (97 − 95) ÷ (99 − 95) = 2.50, + 5 + 4 + (16 − 3) = 24.50
    assert {u: march[u]["total"] for u in ("b1", "b2", "b3")} == {
        "b1": "29.50", "b2": "28.50", "b3": "24.50",
    }  # fmt: skip
    assert march["b3"]["attainable"] == "35"
    issued = cli_json(
        "tax", "notices", "--bureau", "wz", "--month", "2026-03", "--on", "2026-04-01",
        "--liaison", "绩效办", "--json",
    )  # fmt: skip
    # sections in March: s1 16 − 0.1 = 15.90, s2 16.00 → s1 at the bottom
    assert [(n["unit"], n["rank"], n["total"]) for n in issued] == [
        ("b3", 3, "24.50"),
        ("s1", 2, "15.90"),
    ]
    b3 = issued[0]
    # where b3 lost points in March: daily 3 (three D20), filing 2.50
    assert [(s["node"], s["lost"]) for s in b3["shortfalls"]] == [
        ("daily", "3.00"),
        ("S2.K1.filing_rate", "2.50"),
    ]
    assert b3["shortfalls"][0]["deducted"] == "3"
    assert (b3["consecutive"], b3["interview"], b3["deadline"]) == (1, False, "2026-04-16")
    again = cli("tax", "notices", "--bureau", "wz", "--month", "2026-03", ok=False)
    assert again.exit_code == 1 and "issued already" in again.output
    # ---- April: b3 again (D18: 16 − 0.2 → 29.80 against 30.00 for b1 and b2): the
    # second month running, so its head is interviewed (约谈); sections tie: no notice
    april = cli_json("tax", "notices", "--bureau", "wz", "--month", "2026-04",
                     "--on", "2026-05-04", "--json")  # fmt: skip
    assert [(n["unit"], n["total"], n["consecutive"], n["interview"]) for n in april] == [
        ("b3", "29.80", 2, True)
    ]
    cli(
        "tax", "close-notice", "--bureau", "wz", "--month", "2026-03", "--unit", "b3",
        "--measures", "逐户清理逾期事项，建立台账", "--evidence", RECTIFIED_DOC,
        "--verified-by", "绩效办", "--on", "2026-04-12",
    )  # fmt: skip
    listed = cli_json("tax", "notice-list", "--bureau", "wz", "--json")
    assert [(n["period"], n["unit"], n["status"]) for n in listed] == [
        ("2026-03", "b3", "closed"),
        ("2026-03", "s1", "open"),
        ("2026-04", "b3", "open"),
    ]

    # ---- officers (people): their department's total, post KPIs, items, daily points
    assert (
        "recorded 3 officer(s)' unit score"
        in cli("tax", "unit-scores", "--bureau", "wz", "--cycle", "2026").output
    )
    tax.values(
        [
            {"person": p, "indicator": "post_workload", "period": m,
             "value": "70" if (p, m) == ("o2", "2026-12") else "100"}
            for p in ("o1", "o2", "o3")
            for m in MONTHS
        ]
    )  # fmt: skip
    tax.items([{"person": "o2", "indicator": "post_errors", "quantity": "1", "reason": "错退税款"}])
    tax.ratings(
        [
            {"person": "o1", "indicator": "annual_review", "role": "superior", "rater": "L",
             "score": "95"},
            {"person": "o1", "indicator": "annual_review", "role": "peer", "rater": "P",
             "score": "90"},
            {"person": "o2", "indicator": "annual_review", "role": "superior", "rater": "L",
             "score": "80"},
            {"person": "o2", "indicator": "annual_review", "role": "peer", "rater": "P",
             "score": "70"},
            {"person": "o3", "indicator": "annual_review", "role": "superior", "rater": "L",
             "score": "90"},
        ]
    )  # fmt: skip
    found = tax.results()
    # o1 (b1): unit 30 × 99.90% = 29.97; workload 20; errors 20; daily 15 − 0.2 (D18 on
    #     2 Feb) = 14.80; appraisal 15 × (0.6 × 95 + 0.4 × 90)% = 13.95 → 98.72
    # o2 (b1): 29.97; workload (11 × 20 + 20 × 70%) ÷ 12 = 19.50; errors 20 − 2 = 18;
    #     daily 15; appraisal 15 × (0.6 × 80 + 0.4 × 70)% = 11.40 → 93.87
    # o3 (b2): 30 × 92.50% = 27.75; 20; 20; 15; 15 × 90% = 13.50 → 96.25
    officers = {p: found[p] for p in ("o1", "o2", "o3")}
    assert {p: r["total"] for p, r in officers.items()} == {
        "o1": "98.72", "o2": "93.87", "o3": "96.25",
    }  # fmt: skip
    assert {p: (r["kind"], r["unit"], r["rank"]) for p, r in officers.items()} == {
        "o1": ("person", "b1", 1), "o2": ("person", "b1", 3), "o3": ("person", "b2", 2),
    }  # fmt: skip
    # 优秀 at most 20% of 3 officers: ⌊0.6⌋ = 0, so all three are 称职 (competent)
    assert {r["grade"] for r in officers.values()} == {"competent"}
    # a unit's result is unchanged by its officers'
    assert found["b1"]["total"] == "99.90"

    # ---- outcomes: pay pool, training, the year's rectification record
    outcomes = tax.outcomes()
    # branch pool 600 000 by 1.2 : 1.0 : 0 → b1 327 272.727… b2 272 727.272…, in fen by
    # the largest remainder: b1 327 272.73, b2 272 727.27 (adding up to 600 000.00)
    assert (outcomes["b1"]["bonus"], outcomes["b2"]["bonus"], outcomes["b3"]["bonus"]) == (
        "327272.73", "272727.27", "0.00",
    )  # fmt: skip
    assert [outcomes[u]["training"] for u in ("b1", "b2", "b3")] == [False, False, True]
    assert (outcomes["b3"]["notices"], outcomes["b3"]["interviews"]) == (2, 1)
    assert outcomes["b3"]["open_notices"] == 1 and outcomes["s1"]["notices"] == 1
    assert outcomes["b1"]["notices"] == 0
    # section pool 300 000 by 1.0 : 1.2 → s1 136 363.636… → 136 363.64, s2 163 636.36
    assert (outcomes["s1"]["bonus"], outcomes["s2"]["bonus"]) == ("136363.64", "163636.36")
    verified(tax)


def test_notices_are_read_through_the_plugin_api_and_carried_by_webhooks(
    tax, client, platform, monkeypatch
):
    from sqlalchemy import select

    from webhooks import service as webhooks
    from webhooks.models import WebhookMessage

    monkeypatch.setenv("JIXIAO_WEBHOOK_ALLOW", "127.0.0.1")
    webhooks.add(tax.ctx, "wz", "http://127.0.0.1:9/hook", ["tax.rectification.*"])
    tax.template("tax")
    _record_year(tax)
    cli("tax", "notices", "--bureau", "wz", "--month", "2026-03", "--on", "2026-04-01")
    with platform.db.transaction() as session:
        queued = session.scalars(select(WebhookMessage).order_by(WebhookMessage.seq)).all()
        assert [(m.event_type, json.loads(m.payload)["data"]["unit"]) for m in queued] == [
            ("tax.rectification.noticed", "b3"),
            ("tax.rectification.noticed", "s1"),
        ]
    users.create(tax.ctx, "wz", "wz-admin", "bureau_admin")
    token = users.create_token(tax.ctx, "wz", "wz-admin")["token"]
    headers = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/bureaus/wz/plugins/tax/notices?month=2026-03", headers=headers)
    assert listed.status_code == 200
    assert [n["unit"] for n in listed.get_json()] == ["b3", "s1"]
    one = client.get("/api/v1/bureaus/wz/plugins/tax/notices/2026-03/b3", headers=headers)
    assert one.get_json()["shortfalls"][0]["node"] == "daily"
    assert client.get("/api/v1/bureaus/wz/plugins/tax/notices/2026-03/b1",
                      headers=headers).status_code == 404  # fmt: skip


def test_the_points_export_is_refused_whole_with_every_row_error(tax):
    tax.template("tax")
    refused = _refused_points(
        tax,
        "b1,,2026-03-03,D05,1,,,,\n"
        "b1,,2026-03-04,X99,1,,,,\n"
        "b2,,2026-03-05,D22,1,,,,\n"
        "b3,o1,2026-03-06,D05,1,,,,\n",
    )
    errors = {(e.row, e.field) for e in refused.errors}
    assert errors == {
        (3, "item"),  # not one of the 36
        (4, "finding_reference"), (4, "finding_issue"), (4, "evidence"),  # a finding uncited
        (5, "unit"),  # both a unit and a person
    }  # fmt: skip
    assert tax.totals()["b1"] == "16.00"  # nothing was recorded (b1 has only its points)


def test_points_of_a_day_to_come_or_past_the_header_are_refused(tax):
    import datetime as dt

    tax.template("tax")
    later = dt.date.today() + dt.timedelta(days=2)
    refused = _refused_points(tax, f"b1,,{later},D05,1,,,,\n")
    assert [(e.row, e.field) for e in refused.errors] == [(2, "day")]
    assert "has not come yet" in refused.errors[0].reason
    ragged = _refused_points(tax, "b1,,2026-03-03,D05,1,,,,,surplus\n")
    assert "line 2 has 10 cells; the header has 9 columns" in str(ragged)
    assert tax.totals()["b1"] == "16.00"  # nothing was recorded


def test_a_changed_setting_is_a_new_draft_version_never_a_rewrite(tax):
    assert "tax-branch version 1 (published)" in cli(
        "schemes", "template", "tax", "--bureau", "wz", "--cycle", "2026", "--publish"
    ).output.replace("scheme ", "")
    _record_year(tax)
    before = tax.totals()
    settings = cli_json("plugins", "configure", "tax", "--bureau", "wz", "--set", "bonus_cap=1")
    assert (settings["bonus_cap"], settings["excellent_quota"]) == ("1", "0.7")  # others kept
    out = cli("schemes", "template", "tax", "--bureau", "wz", "--cycle", "2026").output
    # only the schemes whose content changed get a version: the bonus cap is in the
    # branch and section schemes, not in the officers'
    assert [line for line in out.splitlines() if line.startswith("scheme")] == [
        "scheme tax-branch version 2 (draft)",
        "scheme tax-section version 2 (draft)",
        "scheme tax-post version 1 (published)",
    ]
    assert tax.totals() == before  # the published version 1 still scores the year
    from core.services import schemes

    schemes.publish(tax.ctx, "wz", "2026", "tax-branch")
    # version 2 caps b1's bonus at 1: 99.90 − 0.40 = 99.50
    assert tax.totals()["b1"] == "99.50"
    with pytest.raises(InvalidInput, match="bonus_cap"):
        plugins.configure(tax.ctx, "wz", "tax", {"bonus_cap": "-1"})
    # settings naming a scheme or a grade the templates do not have are refused: the pay
    # pool would otherwise go to no one, the points to no scheme
    for wrong, field in (
        ({"pay_coefficients": {"nosuchgrade": "5"}}, "pay_coefficients"),
        ({"points": {"nosuchscheme": {"daily": "10"}}}, "points"),
        ({"pay_pools": {"nosuchscheme": "1000"}}, "pay_pools"),
    ):
        with pytest.raises(InvalidInput) as refused:
            plugins.configure(tax.ctx, "wz", "tax", wrong)
        assert refused.value.errors[0].field.endswith(field), refused.value.errors


def test_core_indicator_alerts_follow_the_bureau_setting(platform):
    office = Office(platform, "wz2", ("rules", "tax"), cycle_kinds=("quarter", "year"))
    office.template("tax")
    office.units(("b1", "城南税务分局", "branch"), ("b2", "木渎税务分局", "branch"))
    rows = [{"unit": "b1", "indicator": "tax_revenue", "period": q, "value": v}
            for q, v in zip(QUARTERS, ("96", "94", "93"), strict=False)]  # fmt: skip
    warnings = office.values(rows)["warnings"]
    # default band: below 95 two quarters running → Q3 (Q2 94, Q3 93), not Q2 (Q1 96)
    alerts = [w for w in warnings if w["check"] == "core-indicator-alert"]
    assert [w["row"] for w in alerts] == [3]
    assert alerts[0]["message"].startswith("核心指标「税收收入完成率」连续2期低于预警下限95")
    office.configure(
        "tax",
        {"core_indicators": {"tax_revenue": {"low": "93.5", "warn_after": 3,
                                             "remedy": "召开专题收入分析会"}}},
    )  # fmt: skip
    rows = [{"unit": "b2", "indicator": "tax_revenue", "period": q, "value": "93"}
            for q in QUARTERS[:3]]  # fmt: skip
    alerts = [w for w in office.values(rows)["warnings"] if w["check"] == "core-indicator-alert"]
    assert [(w["row"], w["message"][:40]) for w in alerts] == [
        (3, "核心指标「税收收入完成率」连续3期低于预警下限93.5，推送应对措施：召开专题收")
    ]


def test_cited_evidence_must_have_been_attached_for_the_unit(tax):
    """The points export and a notice's closing cite evidence by SHA-256; a digest of no
    file attached for the unit is refused where it was given (the line of the file, the
    command's option), and nothing is written. b1's finding document is not b3's."""
    tax.template("tax")
    size = ledger.head(tax.ctx, "wz")["size"]
    export = (
        "b1,,2026-07-01,D05,1,,,,\n"
        f"b3,,2026-07-02,D21,1,,{FINDING_DOC},吴税审〔2026〕3号,第2项\n"
        f"b1,,2026-07-03,D21,1,,{'cd' * 32},吴税审〔2026〕4号,第1项\n"
    )
    refused = _refused_points(tax, export)
    assert [(e.row, e.field) for e in refused.errors] == [(3, "evidence"), (4, "evidence")]
    assert "points.csv" in refused.detail
    # the same file citing b1's own document is recorded, with the digest as the evidence
    good = POINTS_HEADER + export.replace("b3,,2026-07-02", "b1,,2026-07-02")
    good = good.replace("cd" * 32, FINDING_DOC.upper())  # digests are read in any case
    assert ledger.head(tax.ctx, "wz")["size"] == size
    done = imports.run(tax.ctx, "wz", "tax-daily-points", good.encode(), "points.csv", "2026")
    assert len(done["entries"]) == 3
    bodies = [json.loads(e["body"]) for e in ledger.entries(tax.ctx, "wz", start=size)]
    cited = [b["data"].get("evidence") for b in bodies if b["kind"] == "value.recorded"]
    assert cited == [None, [FINDING_DOC], [FINDING_DOC]]

    _record_year(tax)
    cli("tax", "notices", "--bureau", "wz", "--month", "2026-03", "--on", "2026-04-02",
        "--liaison", "绩效办")  # fmt: skip
    size = ledger.head(tax.ctx, "wz")["size"]
    for digest in (FINDING_DOC, "ef" * 32, "not-a-digest"):
        out = cli(
            "tax", "close-notice", "--bureau", "wz", "--month", "2026-03", "--unit", "b3",
            "--measures", "整改", "--evidence", digest, "--verified-by", "绩效办", ok=False,
        )  # fmt: skip
        assert out.exit_code == 1 and "evidence" in out.output, out.output
    assert ledger.head(tax.ctx, "wz")["size"] == size


def test_an_import_row_refused_when_recorded_is_named_by_its_line_in_the_file(tax):
    """A row the entry path refuses (an unknown unit, which only recording can tell) is
    reported at its line in the file, not at its place among the value rows: b2's two
    events of 20 March are one value, so the file's lines and the values differ."""
    tax.template("tax")
    refused = _refused_points(
        tax,
        "b2,,2026-03-20,D11,1,,,,\n"
        "b2,,2026-03-20,D07,1,,,,\n"
        "\n"
        "zz,,2026-03-21,D05,1,,,,\n"
        "zz,,2026-03-22,D05,1,,,,\n"
        "zz,,2026-03-22,D07,1,,,,\n",
    )
    assert [(e.row, e.field) for e in refused.errors] == [(5, "unit"), (6, "unit")]
    assert "6, 7" in refused.errors[1].reason  # one value from lines 6 and 7
    assert "2 row(s) of points.csv" in refused.detail


def test_a_line_written_twice_is_refused_naming_both_lines(tax):
    """Two identical lines are one event exported twice, not two events: summed, b2's
    D07 of 20 March would have been deducted twice (2 points). They are refused naming
    both lines (a count left empty is the count 1 written out), and nothing is written;
    an event that really happened twice is one line with ``count`` 2. Lines that
    differ, here in the note, are events of their own and are still summed."""
    tax.template("tax")
    size = ledger.head(tax.ctx, "wz")["size"]
    refused = _refused_points(
        tax,
        "b2,,2026-03-20,D07,1,迟报,,,\n"
        "b2,,2026-03-20,D11,,,,,\n"
        "b2,,2026-03-20,D07,1,迟报,,,\n"
        "b2,,2026-03-20,D11,1,,,,\n",
    )
    assert [(e.row, e.field) for e in refused.errors] == [(4, "count"), (5, "count")]
    assert refused.errors[0].reason == (
        "与第2行相同，同一事项多次请填写 count (the same as line 2; for repeated events give count)"
    )
    assert "与第3行相同" in refused.errors[1].reason
    assert ledger.head(tax.ctx, "wz")["size"] == size

    done = imports.run(
        tax.ctx, "wz", "tax-daily-points",
        (POINTS_HEADER + "b2,,2026-03-20,D07,2,迟报,,,\n"
                         "b2,,2026-03-20,D07,1,漏报,,,\n").encode(),
        "points.csv", "2026",
    )  # fmt: skip
    # one value of the day: D07 1 point × 2 + D07 1 point = 3
    assert [(r["value"], r["period"]) for r in values.listing(tax.ctx, "wz")] == [
        ("3", "2026-03-20")
    ]
    assert len(done["entries"]) == 1


def test_the_count_is_read_exactly(tax):
    """``count`` is read as the platform reads every number: ``1_0`` and ``٢`` had been
    read as 10 and 2 (marshmallow's Integer calls ``int()``), and a count with more
    decimal places than the platform keeps is refused with the core's reason (29
    places: enough for ``Decimal.normalize`` at 28 digits to have rounded it to 2)."""
    tax.template("tax")
    refused = _refused_points(
        tax,
        "b1,,2026-03-02,D05,1_0,,,,\n"
        "b1,,2026-03-03,D05,٢,,,,\n"
        "b1,,2026-03-04,D05,2.5,,,,\n"
        f"b1,,2026-03-05,D05,2.{'0' * 28}1,,,,\n"
        "b1,,2026-03-06,D05,1001,,,,\n"
        "b1,,2026-03-07,D05,2.0,,,,\n",
    )
    assert [(e.row, e.field) for e in refused.errors] == [(r, "count") for r in range(2, 7)]
    reasons = [e.reason for e in refused.errors]
    assert "不是有效数字" in reasons[0] and "其他文字的数字" in reasons[1]
    assert reasons[2] == "须为整数 (a whole number, not 2.5)"
    assert reasons[3] == "小数超过 12 位 (has more than 12 decimal places)"
    assert reasons[4] == "须在 1 至 1000 之间 (from 1 to 1000)"
    assert values.listing(tax.ctx, "wz") == []


def test_an_impossible_day_in_the_export_is_refused_in_chinese_first(tax):
    """An importer's reasons reach the user as the plugin writes them: the export's
    ``day`` had been refused as "Not a valid date." alone, and year 9999 accepted."""
    tax.template("tax")
    refused = _refused_points(tax, "b1,,2026-02-30,D05,1,,,,\nb1,,9999-03-01,D05,1,,,,\n")
    assert [(e.row, e.field, e.reason) for e in refused.errors] == [
        (2, "day", "不是有效日期（YYYY-MM-DD） (Not a valid date.)"),
        (3, "day", "须为 2000 至 2999 年之间的日期 (a date between the years 2000 and 2999)"),
    ]


def test_an_impossible_month_is_refused_naming_it_in_the_api(tax, client):
    """``?month=2026-13`` had answered 200 ``[]`` (no notices, it seemed) and the path
    ``notices/2026-13/b1`` a bare 404: both are a problem+json 422 naming ``month``;
    an unknown ``status`` likewise names ``status``."""
    tax.template("tax")
    _record_year(tax)
    cli("tax", "notices", "--bureau", "wz", "--month", "2026-03", "--on", "2026-04-01")
    users.create(tax.ctx, "wz", "wz-admin", "bureau_admin")
    headers = {"Authorization": "Bearer " + users.create_token(tax.ctx, "wz", "wz-admin")["token"]}
    base = "/api/v1/bureaus/wz/plugins/tax/notices"
    for asked in ("?month=2026-13", "?month=2026-00", "?month=0000-01", "?month=9999-12",
                  "?month=2026-3", "?month=", "/2026-13/b3", "/２０２６-03/b3"):  # fmt: skip
        answer = client.get(base + asked, headers=headers)
        assert answer.status_code == 422, (asked, answer.get_data(as_text=True))
        assert answer.mimetype == "application/problem+json"
        assert [e["field"] for e in answer.get_json()["errors"]] == ["month"], asked
        assert answer.get_json()["errors"][0]["reason"].startswith("须为 2000 至 2999 年的月份")
    refused = client.get(f"{base}?status=bogus&month=2026-13", headers=headers)
    assert refused.status_code == 422
    assert sorted(e["field"] for e in refused.get_json()["errors"]) == ["month", "status"]
    assert [n["unit"] for n in client.get(f"{base}?month=2026-03&status=open",
                                          headers=headers).get_json()] == ["b3", "s1"]  # fmt: skip
    missing = client.get(f"{base}/2026-03/b1", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["detail"].startswith("b1在2026-03")


def test_an_impossible_month_or_day_is_refused_naming_the_option(tax):
    """The commands refuse an impossible ``--month`` naming ``month`` (year 0 and 9999
    had been tracebacks from the date arithmetic; ``close-notice`` had blamed the unit;
    ``notice-list`` had listed nothing), and an impossible ``--on`` naming ``--on``
    (click's DateTime took year 9999). Nothing is written."""
    tax.template("tax")
    size = ledger.head(tax.ctx, "wz")["size"]
    close = ("--unit", "b3", "--measures", "整改", "--evidence", RECTIFIED_DOC,
             "--verified-by", "绩效办")  # fmt: skip
    for args in (
        ("notices", "--month", "0000-01"),
        ("notices", "--month", "9999-12"),
        ("notices", "--month", "2026-13", "--on", "2027-01-01"),
        ("close-notice", "--month", "2026-13", *close),
        ("notice-list", "--month", "2026-13"),
    ):
        out = cli("tax", *args, "--bureau", "wz", ok=False)
        assert out.exit_code == 1 and out.exception.__class__ is SystemExit, (args, out.output)
        assert "month: 须为 2000 至 2999 年的月份" in out.output, (args, out.output)
    for day, reason in (("2026-02-30", "不是有效日期"), ("9999-01-01", "须为 2000 至 2999 年")):
        out = cli("tax", "notices", "--bureau", "wz", "--month", "2026-03", "--on", day, ok=False)
        assert out.exit_code == 2 and "'--on'" in out.output and reason in out.output, out.output
    assert ledger.head(tax.ctx, "wz")["size"] == size
