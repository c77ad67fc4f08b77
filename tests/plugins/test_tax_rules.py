"""Tax plugin pieces on their own, numbers by hand: the daily points rule, the points
cap and hard indicators, the core-indicator alert, the 36 items and findings, the
rectification decision, the three-level decomposition, settings and rendering."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from core.assessment.schemes import normalise
from core.hookspecs import PostContext, UnitResult, ValueContext
from core.plugins import PluginHost
from plugins import tax
from plugins.tax import alerts, decomposition, items, post, rectification, rules
from plugins.tax.schemekit import find_node, find_post, leaves
from plugins.tax.settings import TaxSettings

D = Decimal
SHA = "ab" * 32


# ------------------------------------------------------------------ daily points


def _daily(kind: str, value: str, points: str = "16", days: int = 365) -> Decimal:
    params = rules.DailyPointsParams().load({"kind": kind, "days": days})
    return rules.daily_points({"value": D(value)}, params, D(points))


def test_daily_points_annualise_each_day_so_the_mean_is_the_sum():
    assert _daily("deduction", "0") == D("16.00")
    assert _daily("deduction", "0.2") == D("-57.00")  # 16 − 365 × 0.2
    assert _daily("bonus", "0.3") == D("109.50")  # 365 × 0.3
    # a whole year: 363 clean days, a 0.2 and a 0.5 deduction → 16 − 0.7
    year = [_daily("deduction", "0")] * 363 + [
        _daily("deduction", "0.2"),
        _daily("deduction", "0.5"),
    ]
    assert sum(year) / 365 == D("15.3")
    assert _daily("deduction", "1", days=366) == D("-350.00")  # a leap year: 16 − 366
    with pytest.raises(ValidationError):
        rules.DailyPointsParams().load({"kind": "penalty", "days": 365})
    with pytest.raises(ValidationError):
        rules.DailyPointsParams().load({"kind": "bonus", "days": 367})


# ------------------------------------------------------------------ post steps


def _result(unit: str, **nodes: str) -> UnitResult:
    scores = {code.replace("_", "."): D(v) for code, v in nodes.items()}
    total = sum((v for k, v in scores.items() if "." not in k), D(0))
    return UnitResult(unit, unit, "branch", None, total, scores)


PARENTS = {"S4": None, "S4.K1": "S4", "S4.K1.contactless": "S4.K1", "bonus": None}
GRADES = ["excellent", "good", "qualified", "unqualified"]


def _ctx(members=("u1", "u2", "u3")) -> PostContext:
    return PostContext(GRADES, lambda _: {}, frozenset(members), PARENTS)


def test_points_cap_carries_the_cut_to_the_total():
    over = _result("u1", S4="10", S4_K1="10", S4_K1_contactless="6", bonus="6.25")
    under = _result("u2", S4="10", S4_K1="10", S4_K1_contactless="6", bonus="4.80")
    params = post.PointsCapParams().load({"node": "bonus", "max": "5"})
    post.points_cap([over, under], params, _ctx())
    # 10 + 6.25 = 16.25 → bonus cut by 1.25 → 15.00; u2 untouched
    assert (over.nodes["bonus"], over.total) == (D("5.00"), D("15.00"))
    assert over.adjustments == [
        {"type": "points_cap", "node": "bonus", "before": "6.25", "after": "5.00"}
    ]
    assert (under.total, under.adjustments) == (D("14.80"), [])


def test_hard_indicator_caps_the_grade_and_flags():
    missed = _result("u1", S4="4", S4_K1="4", S4_K1_contactless="0", bonus="0")
    met = _result("u2", S4="10", S4_K1="10", S4_K1_contactless="6", bonus="0")
    low = _result("u3", S4="4", S4_K1="4", S4_K1_contactless="0", bonus="0")
    outsider = _result("x9", S4="4", S4_K1="4", S4_K1_contactless="0", bonus="0")
    missed.grade, met.grade, low.grade, outsider.grade = (
        "excellent",
        "excellent",
        "qualified",
        "excellent",
    )
    raw = {"node": "S4.K1.contactless", "below": "6", "cap": "good", "flag": "contactless_missed"}
    params = post.HardIndicatorParams().load(raw)
    post.hard_indicator([missed, met, low, outsider], params, _ctx())
    assert (missed.grade, missed.flags) == ("good", ["contactless_missed"])
    assert missed.adjustments[0]["from"] == "excellent" and missed.adjustments[0]["to"] == "good"
    assert (met.grade, met.flags) == ("excellent", [])
    # already below the cap: flagged, grade kept, no grade change recorded
    assert (low.grade, low.flags) == ("qualified", ["contactless_missed"])
    assert "to" not in low.adjustments[0]
    # another scheme's unit is not touched
    assert (outsider.grade, outsider.flags) == ("excellent", [])
    # a cap the scheme's grades do not know only flags
    unknown = _result("u1", S4="4", S4_K1="4", S4_K1_contactless="0", bonus="0")
    unknown.grade = "excellent"
    post.hard_indicator([unknown], post.HardIndicatorParams().load({**raw, "cap": "B"}), _ctx())
    assert (unknown.grade, unknown.flags) == ("excellent", ["contactless_missed"])


# ------------------------------------------------------------------ early warning


def _value(indicator: str, value: str, history=(), **extra) -> ValueContext:
    past = [(f"2026-{m:02d}", D(v)) for m, v in enumerate(history, start=1)]
    return ValueContext(
        "wzs",
        "b1",
        indicator,
        "2026",
        "2026-12",
        D(value),
        {"name": indicator, **extra},
        history=lambda: past,
    )


def test_core_alert_counts_runs_outside_the_band():
    # waiting time: above 20 minutes three months running (default run 3)
    assert alerts.core_indicator_alert(_value("processing_time", "22", ["19", "21"])) == []
    (message,) = alerts.core_indicator_alert(_value("processing_time", "22", ["21", "25"]))
    assert message.startswith(
        "核心指标「processing_time」连续3期高于预警上限20，推送应对措施：高峰时段增开窗口"
    )
    assert "(core indicator processing_time above 20 for 3 periods running" in message
    # a band edge is not abnormal (85 is the satisfaction floor)
    assert alerts.core_indicator_alert(_value("satisfaction", "85", ["84"])) == []
    assert alerts.core_indicator_alert(_value("satisfaction", "84.9", ["84"])) != []


def test_core_alert_without_a_band_uses_the_scheme_target_and_its_run():
    core = {"arrears_clearance": {"remedy": "清欠专班逐户督办", "warn_after": None}}
    ctx = _value("arrears_clearance", "40", ["45"], target="60", warn_after=2)
    (message,) = alerts.core_indicator_alert(ctx, core)
    assert "连续2期未达目标值60" in message and "清欠专班逐户督办" in message
    # no band and no target: nothing to compare with
    assert alerts.core_indicator_alert(_value("arrears_clearance", "40", ["45"]), core) == []
    # not a core indicator
    assert alerts.core_indicator_alert(_value("fee_revenue", "1", ["1", "1"])) == []


def test_core_indicator_spec_validates_its_band():
    with pytest.raises(ValidationError) as err:
        alerts.CoreIndicatorSpec().load({"low": "90", "high": "80", "remedy": "x"})
    assert "low" in err.value.messages


# ------------------------------------------------------------------ the 36 items, findings


def test_the_catalogue_has_12_bonus_and_24_deduction_items_4_of_them_findings():
    catalogue = items.catalogue()
    kinds = [i.kind for i in catalogue.values()]
    assert (len(catalogue), kinds.count("bonus"), kinds.count("deduction")) == (36, 12, 24)
    assert [i.code for i in catalogue.values() if i.finding] == ["D21", "D22", "D23", "D24"]
    assert all(i.source in items.FINDING_SOURCES for i in catalogue.values() if i.finding)


def test_an_item_becomes_a_core_item_row_on_its_day():
    event = items.PointsEventSchema().load(
        {"unit": "b1", "day": "2026-06-01", "item": "B07", "count": 2}
    )
    assert items.item_row(event, "2026") == {
        "unit": "b1",
        "indicator": "daily_bonus",
        "cycle": "2026",
        "period": "2026-06-01",
        "quantity": "0.6",  # 0.3 × 2
        "reason": "[B07] 政务信息被省级以上采用×2（加0.6分）",
        "evidence": [],
    }
    assert items.classify("[B07] 政务信息被省级以上采用×2（加0.6分）").code == "B07"
    assert items.classify("手工录入") is None


def test_a_finding_must_cite_its_document_issue_and_evidence():
    schema = items.PointsEventSchema()
    base = {"unit": "b2", "day": "2026-04-15", "item": "D22"}
    with pytest.raises(ValidationError) as err:
        schema.load(base)
    assert set(err.value.messages) == {"finding_reference", "finding_issue", "evidence"}
    cited = schema.load(
        {
            **base,
            "finding_reference": "区委巡察〔2026〕1号",
            "finding_issue": "第5项：台账不全",
            "evidence": f"{SHA};{'cd' * 32}",
        }
    )
    row = items.item_row(cited, "2026")
    assert (
        row["reason"] == "[D22] 督审发现：巡视巡察《区委巡察〔2026〕1号》第5项：台账不全（扣1分）"
    )
    assert row["evidence"] == [SHA, "cd" * 32] and row["indicator"] == "daily_deduction"
    with pytest.raises(ValidationError) as err:
        schema.load({"unit": "b1", "day": "2026-04-15", "item": "D10", "finding_reference": "x"})
    assert "finding_reference" in err.value.messages
    with pytest.raises(ValidationError) as err:
        schema.load({"unit": "b1", "day": "2026-04-15", "item": "X99"})
    assert "item" in err.value.messages


def test_the_importer_reads_csv_rows_and_names_every_bad_row():
    rows = [
        {"unit": "b1", "day": "2026-03-10", "item": "D10", "count": "", "note": "", "evidence": ""},
        {"unit": "b1", "day": "2026-03-11", "item": "D99"},
        {"unit": "b1", "day": "not a day", "item": "D10"},
    ]
    with pytest.raises(ValidationError) as err:
        items.points_rows(rows, "2026")
    assert sorted(err.value.messages) == [2, 3]
    (row,) = items.points_rows(rows[:1], "2026")
    assert (row["quantity"], row["period"]) == ("0.2", "2026-03-10")
    (importer,) = tax.IMPORTERS
    assert importer.target == "items" and importer.convert is items.points_rows
    assert importer.columns[:3] == ("unit", "day", "item")


# ------------------------------------------------------------------ rectification


def _row(unit: str, total: str, scheme: str = "tax-branch", rank: int = 1, size: int = 4) -> dict:
    return {
        "unit": unit,
        "name": unit,
        "scheme": scheme,
        "total": total,
        "rank": rank,
        "group_size": size,
        "period": "2026-01",
        "explanation": {"nodes": []},
    }


def test_bottom_ties_are_all_noticed_and_small_or_flat_groups_are_not():
    params = rectification.RectificationParams().load({})
    rows = [
        _row("a", "30"),
        _row("b", "20", rank=2),
        _row("c", "12", rank=3),
        _row("d", "12", rank=3),
        _row("s1", "10", "tax-section", size=1),
        _row("x", "16", "other", size=2),
        _row("y", "16", "other", size=2),
    ]
    due = rectification.rectification_due(rows, params, "2026", dt.date(2026, 2, 3))
    # the tie at the bottom of the branches: both; a group of one and a flat group: nobody
    assert [n["unit"] for n in due] == ["c", "d"]
    assert due[0]["deadline"] == "2026-02-18" and due[0]["interview"] is False
    bottom_two = rectification.RectificationParams().load({"bottom": 2, "below": "15"})
    due = rectification.rectification_due(rows, bottom_two, "2026", dt.date(2026, 2, 3))
    # the bottom two branches are c and d (the second lowest total is 12), both also
    # below the line of 15; the lone section is below the line only
    assert [(n["unit"], n["reasons"]) for n in due] == [
        ("c", ["bottom_rank", "below_line"]),
        ("d", ["bottom_rank", "below_line"]),
        ("s1", ["below_line"]),
    ]


def test_months_running_cross_the_year_and_the_schema_guards_the_data():
    params = rectification.RectificationParams().load({})
    previous = [{"unit": "c", "period": "2025-12"}, {"unit": "c", "period": "2025-11"}]
    rows = [_row("a", "30"), _row("c", "12", rank=2, size=2)]
    (notice,) = rectification.rectification_due(rows, params, "2026", dt.date(2026, 2, 1), previous)
    assert (notice["consecutive"], notice["interview"]) == (3, True)
    schema = rectification.RectificationNoticeSchema()
    assert schema.dump(schema.load(notice)) == notice
    with pytest.raises(ValidationError) as err:
        schema.load({**notice, "period": "2026-13"})
    assert "period" in err.value.messages
    closed = rectification.RectificationClosedSchema()
    with pytest.raises(ValidationError) as err:
        closed.load(
            {
                "notice_seq": 9,
                "unit": "c",
                "period": "2026-01",
                "measures": "已整改",
                "evidence": [],
                "closed_on": "2026-02-10",
                "verified_by": "liaison",
            }
        )
    assert "evidence" in err.value.messages


def test_monthly_notices_as_an_outcome_are_dated_after_the_month():
    (outcome,) = tax.OUTCOME_TYPES
    rows = [{**_row("a", "30"), "period": "2026-12"}, {**_row("c", "12"), "period": "2026-12"}]
    (notice,) = outcome.apply("2026", rows, rectification.RectificationParams().load({}), [])
    assert (notice["unit"], notice["issued_on"], notice["cycle"]) == ("c", "2027-01-01", "2026")
    assert [k.name for k in tax.EVENT_KINDS] == [
        "tax.rectification.noticed",
        "tax.rectification.closed",
    ]


# ------------------------------------------------------------------ templates and settings


@pytest.fixture(scope="module")
def host() -> PluginHost:
    return PluginHost()


def _validate(doc: dict, host: PluginHost) -> list:
    doc = {k: v for k, v in doc.items() if k != "subject"}
    indicators = {i.code for i in tax.INDICATORS}
    return normalise(doc, host.rule_types(), indicators, host.post_processors())[1]


def test_every_template_passes_the_scheme_validator(host):
    docs = tax.render({})
    assert [d["code"] for d in docs] == ["tax-branch", "tax-section", "tax-post"]
    assert [d.get("subject", "unit") for d in docs] == ["unit", "unit", "person"]
    assert all(_validate(doc, host) == [] for doc in docs)
    branch = docs[0]
    assert decomposition.problems(branch) == [] and decomposition.problems(docs[1]) == []
    chain = decomposition.responsibility_chain(branch)
    quantitative = [r["indicator"] for r in chain if r["strategy"] in ("S1", "S2", "S3", "S4")]
    assert len(quantitative) == 12 and len(set(quantitative)) == 12
    assert sum(D(r["points"]) for r in chain if r["strategy"] != "S5") == 60
    assert chain[0] == {
        "strategy": "S1",
        "strategy_name": "组织收入",
        "key_task": "S1.K1",
        "key_task_name": "完成税费收入任务",
        "kpi": "S1.K1.tax_revenue",
        "kpi_name": "税收收入完成率",
        "indicator": "tax_revenue",
        "points": "6",
        "frequency": "quarter",
    }
    core = {i.code for i in tax.INDICATORS if i.core}
    assert core == set(alerts.DEFAULT_CORE_INDICATORS)


def test_a_kpi_outside_the_three_levels_is_named():
    doc = tax.render({})[0]
    find_node(doc, "S2")["children"].append(
        {"code": "S2.stray", "name": "x", "points": 0, "indicator": "filing_rate"}
    )
    assert decomposition.problems(doc) == [
        "S2.stray: a KPI sits under a strategy and a key task (strategy → key task → KPI), "
        "found at level 2"
    ]


def test_settings_reweight_and_retune_the_templates(host):
    docs = tax.render(
        {
            "points": {
                "tax-branch": {
                    "daily": "14",
                    "half": "12",
                    "S4.K1.contactless": "8",
                    "S4.K1.processing_time": "2",
                }
            },
            "cycle_days": 366,
            "contactless_min": "92",
            "bonus_cap": "3",
            "hard_cap": "qualified",
        }
    )
    branch = docs[0]
    assert all(_validate(doc, host) == [] for doc in docs)
    assert (find_node(branch, "daily")["points"], find_node(branch, "half")["points"]) == (
        "14",
        "12",
    )
    assert find_node(branch, "S4")["points"] == "18"  # 8 + 2 + 8: parents follow
    contactless = find_node(branch, "S4.K1.contactless")
    assert contactless["rule"]["params"]["value"] == "92" and contactless["target"] == "92"
    hard = find_post(branch, "hard_indicator", "S4.K1.contactless")["params"]
    assert (hard["below"], hard["cap"]) == ("8", "qualified")
    assert find_node(branch, "bonus")["points"] == "3"
    assert find_post(branch, "points_cap")["params"]["max"] == "3"
    assert {
        leaf["rule"]["params"]["days"]
        for leaf, _ in leaves(branch)
        if leaf["rule"]["type"] == "daily_points"
    } == {366}
    assert branch["grades"][0]["quota"] == "0.3"
    assert branch["outcomes"]["pay"]["pool"] == "600000"


def test_settings_that_break_a_template_are_refused():
    with pytest.raises(ValidationError) as err:
        TaxSettings().load({"points": {"tax-branch": {"daily": "20"}}})
    assert "add up to 104, not 100" in str(err.value.messages["points"])
    with pytest.raises(ValidationError) as err:
        TaxSettings().load({"points": {"tax-branch": {"S4": "20"}}})
    assert "not leaves" in str(err.value.messages["points"])
    with pytest.raises(ValidationError) as err:
        TaxSettings().load({"hard_cap": "B"})
    assert "hard_cap" in err.value.messages
