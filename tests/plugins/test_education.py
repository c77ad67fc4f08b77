"""Education plugin without the database: settings, rendering, outcomes, pay, checks and
event data, with the numbers computed by hand in the comments."""

from __future__ import annotations

from decimal import Decimal

import pytest
from marshmallow import ValidationError

from core.assessment.schemes import normalise
from core.hookspecs import ValueContext
from plugins import education
from plugins.education import checks, events, outcomes, templating
from plugins.education.pay import PayParams, apply_pay, split_pay
from plugins.rules import jixiao_post_processors, jixiao_rule_types
from tests.plugins.education_correction_support import as_unit_scheme

RULES = {r.name: r for r in jixiao_rule_types()}
POSTS = {p.name: p for p in jixiao_post_processors()}


def indicators() -> set[str]:
    return {i["code"] for i in education.library()["indicators"]}


# --------------------------------------------------------------------------- settings


def test_performance_share_is_held_to_40_to_50_percent_per_school():
    loaded = education.SETTINGS().load({"school_shares": {"s1": "0.40", "s2": "0.5"}})
    assert loaded["performance_share"] == Decimal("0.45")
    assert loaded["school_shares"] == {"s1": Decimal("0.40"), "s2": Decimal("0.5")}
    for bad in ({"performance_share": "0.39"}, {"school_shares": {"s1": "0.51"}}):
        with pytest.raises(ValidationError) as caught:
            education.SETTINGS().load(bad)
        assert "绩效占比须在0.40–0.50之间" in str(caught.value)


def test_weights_must_cover_the_three_dimensions_and_add_up_to_100():
    ok = {"edu-master": {"research": "40", "teaching": "30", "influence": "30"}}
    assert education.SETTINGS().load({"weights": ok})["weights"]["edu-master"]["research"] == 40
    with pytest.raises(ValidationError, match="add up to 100"):
        education.SETTINGS().load(
            {"weights": {"edu-master": {"research": "40", "teaching": "30", "influence": "20"}}}
        )
    with pytest.raises(ValidationError, match="give all of"):
        education.SETTINGS().load({"weights": {"edu-master": {"research": "100"}}})
    with pytest.raises(ValidationError, match="excellent_min ≥ good_min ≥ pass_min"):
        education.SETTINGS().load({"good_min": "95"})


# --------------------------------------------------------------------------- templates


def test_every_template_is_a_person_scheme_that_the_validator_accepts():
    docs = education.render()
    assert [d["code"] for d in docs] == [t.name for t in education.TEMPLATES]
    groups = {g["code"]: g for g in education.library()["groups"]}
    for doc, template in zip(docs, education.TEMPLATES, strict=True):
        assert doc["subject"] == "person" == template.subject
        assert doc["group"] == template.group and groups[doc["group"]]["subject"] == "person"
        found, errors = normalise(as_unit_scheme(doc), RULES, indicators(), POSTS)
        assert errors == [], (doc["code"], errors)
        top = [n for n in found["nodes"] if n["parent"] is None]
        assert [n["code"] for n in top] == ["research", "teaching", "influence", "ethics"]
        assert found["nodes"][-1]["rule"]["type"] == "veto"
    # four recruitment classes and four cultivation tiers, each its own group (D-03)
    assert len({d["group"] for d in docs}) == 8


def test_weights_rescale_children_to_the_fen_and_grade_lines_follow_settings():
    settings = {
        "weights": {"edu-master": {"research": "40", "teaching": "30", "influence": "30"}},
        "excellent_min": "92",
        "excellent_quota": "0.2",
    }
    master = next(d for d in education.render(settings) if d["code"] == "edu-master")
    research = templating.node(master, "research")
    # 15, 10, 10 of 35 → 40: exact 17.1428…, 11.4285…, 11.4285…; rounded down 17.14,
    # 11.42, 11.42 = 39.98; the two fen left go to the largest remainders (0.0085…)
    assert [c["points"] for c in research["children"]] == ["17.14", "11.43", "11.43"]
    influence = templating.node(master, "influence")
    # 15, 20 of 35 → 30: 12.857… and 17.142…; 12.85 + 17.14 = 29.99, the fen to 12.85
    assert [c["points"] for c in influence["children"]] == ["12.86", "17.14"]
    assert master["grades"][0] == {
        "code": "excellent",
        "name": "优秀 (excellent)",
        "min": "92",
        "quota": "0.2",
    }
    _, errors = normalise(as_unit_scheme(master), RULES, indicators(), POSTS)
    assert errors == []
    # rendering never changes the shipped template
    again = next(d for d in education.render() if d["code"] == "edu-master")
    assert templating.node(again, "research")["points"] == 35


def test_rescale_gives_the_leftover_fen_to_the_earlier_of_equal_remainders():
    node = {"code": "x", "points": "3", "children": [{"code": c, "points": "1"} for c in "abc"]}
    templating.rescale(node, Decimal(10))
    assert [c["points"] for c in node["children"]] == ["3.34", "3.33", "3.33"]


# --------------------------------------------------------------------------- outcomes


def row(subject, unit, group, total, grade, rank=1):
    return {
        "subject": subject,
        "unit": unit,
        "group": group,
        "total": total,
        "rank": rank,
        "grade": grade,
    }


def test_funding_by_tier_only_for_those_who_meet_the_bar():
    params = outcomes.FundingParams().load(education.outcome_params()["talent_funding"])
    rows = [
        row("a", "s1", "edu-recruit-a", "95", "excellent"),
        row("b", "s1", "edu-master", "85", "good"),
        row("c", "s2", "edu-rising", "72", "qualified"),
        row("d", "s2", "edu-recruit-d", "60", "unqualified"),
    ]
    outcomes.talent_funding(rows, params)
    # class A 200 000 × 1; master 50 000 × 1; rising 5 000 × 0.8 = 4 000; below the bar 0
    assert [r["funding"] for r in rows] == ["200000.00", "50000.00", "4000.00", "0.00"]


def test_title_promotion_needs_the_grades_in_each_of_the_years():
    params = outcomes.TitleParams().load({"grades": ["excellent", "good"], "years": 2})
    rows = [
        row("a", "s1", "edu-master", "95", "excellent"),
        row("b", "s1", "edu-master", "85", "good"),
        row("c", "s1", "edu-master", "91", "excellent"),
        row("d", "s1", "edu-master", "75", "qualified"),
    ]
    earlier = [{"a": "good", "b": "excellent", "c": "qualified", "d": "excellent"}]
    outcomes.title_promotion(rows, params, earlier)
    # a good→excellent, b excellent→good: yes; c qualified last year, d this year: no
    assert [r["title_promotion_eligible"] for r in rows] == [True, True, False, False]
    outcomes.title_promotion(rows, params, [])  # no earlier cycle: a run of one year only
    assert not any(r["title_promotion_eligible"] for r in rows)


def test_team_commendation_needs_members_mean_and_share():
    params = outcomes.TeamParams().load(education.outcome_params()["team_commendation"])
    rows = [
        row("a", "s1", "edu-master", "95", "excellent"),
        row("b", "s1", "edu-leader", "88", "good"),
        row("c", "s1", "edu-rising", "84", "good"),
        row("d", "s1", "edu-rising", "80", "good"),
        row("e", "s2", "edu-master", "99", "excellent"),
        row("f", "s2", "edu-master", "98", "excellent"),
        row("g", "s3", "edu-master", "92", "excellent"),
        row("h", "s3", "edu-master", "90", "excellent"),
        row("i", "s3", "edu-rising", "70", "qualified"),
    ]
    outcomes.team_commendation(rows, params)
    # s1: 4 members, mean (95 + 88 + 84 + 80) / 4 = 86.75 ≥ 85, all good or better: yes
    # s2: mean 98.5 but 2 members < 3: no
    # s3: mean 252 / 3 = 84 < 85 (and 2 of 3 = 0.67 < 0.8 meeting): no
    assert {r["unit"]: (r["team_mean"], r["team_commended"]) for r in rows} == {
        "s1": ("86.75", True),
        "s2": ("98.50", False),
        "s3": ("84.00", False),
    }


def test_school_pay_splits_by_the_schools_share_and_the_grade_coefficient():
    params = outcomes.SchoolPayParams().load(
        education.outcome_params({"school_shares": {"s2": "0.50"}})["school_performance_pay"]
    )
    rows = [
        row("a", "s1", "edu-master", "95", "excellent"),
        row("b", "s2", "edu-master", "75", "qualified"),
    ]
    apply_pay(rows, params)
    # a: 120 000 × 0.55 = 66 000 fixed; 120 000 × 0.45 × 1.2 = 64 800 → 130 800
    # b: 120 000 × 0.50 = 60 000 fixed; 120 000 × 0.50 × 0.8 = 48 000 → 108 000
    assert [(r["pay_fixed"], r["pay_performance"], r["pay_total"]) for r in rows] == [
        ("66000.00", "64800.00", "130800.00"),
        ("60000.00", "48000.00", "108000.00"),
    ]
    assert [r["pay_share"] for r in rows] == ["0.45", "0.50"]
    with pytest.raises(ValidationError):
        outcomes.SchoolPayParams().load({**params, "share": "0.30"})


def test_pay_by_score_is_capped_at_the_standard_and_rounded_half_up():
    params = PayParams().load({"standard": "96000", "share": "0.2"})
    rows = [row("a", "u", None, "105.00", None), row("b", "u", None, "87.655", None)]
    apply_pay(rows, params)
    # a: 105 points pay the performance part in full (factor capped at 1): 19 200
    # b: 19 200 × 0.87655 = 16 829.76 exactly; fixed 76 800
    assert [(r["pay_factor"], r["pay_performance"]) for r in rows] == [
        ("1.0000", "19200.00"),
        ("0.8766", "16829.76"),
    ]
    # half-up to the fen: 1 000.05 × 0.5 × 1 = 500.025 → 500.03 (banker's would give 500.02)
    assert split_pay(Decimal("1000.05"), Decimal("0.5"), Decimal(1)).performance == Decimal(
        "500.03"
    )
    with pytest.raises(ValidationError, match="coefficient per grade"):
        PayParams().load({"standard": "1", "share": "0.2", "basis": "grade"})


# --------------------------------------------------------------------------- checks


def ctx(indicator: str, value: str) -> ValueContext:
    return ValueContext("b", "t1", indicator, "2026", "2026", Decimal(value))


def test_entry_checks_catch_fractions_outliers_and_scores_off_the_scale():
    assert checks.whole_count(ctx("edu_papers", "3")) == []
    assert checks.whole_count(ctx("edu_papers", "2.5")) == [
        "计数应为非负整数 (a count must be a whole number ≥ 0, got 2.5)"
    ]
    assert checks.whole_count(ctx("edu_teaching_quality", "92.5")) == []  # not a count
    assert checks.implausible_count(ctx("edu_papers", "20")) == []
    assert checks.implausible_count(ctx("edu_papers", "35")) == [
        "数值异常偏高（一年超过20），请复核 (35 is more than 20 a year: re-check)"
    ]
    assert checks.score_range(ctx("edu_teaching_quality", "100")) == []
    assert checks.score_range(ctx("edu_teaching_quality", "920")) == [
        "评分超出0–100 (score 920 outside 0–100)"
    ]


# --------------------------------------------------------------------------- events


def test_event_data_is_validated():
    designated = {
        "person": "t001",
        "unit": "s1",
        "track": "cultivation",
        "group": "edu-master",
        "start": "2026-01-01",
        "end": "2028-12-31",
        "document": "吴教〔2026〕12号",
    }
    assert events.TalentDesignated().load(designated)["end"].year == 2028
    with pytest.raises(ValidationError, match="聘期结束早于开始"):
        events.TalentDesignated().load({**designated, "end": "2025-12-31"})
    with pytest.raises(ValidationError):
        events.TalentDesignated().load({**designated, "group": "edu-unknown"})
    kinds = {k.name for k in education.EVENT_KINDS}
    assert kinds == {
        "education.talent_designated",
        "education.funding_granted",
        "education.team_commended",
    }
    assert {o.name for o in education.OUTCOME_TYPES} == set(education.outcome_params())


def test_person_schemes_still_wait_for_the_engine():
    """Canary: the validator does not know ``subject`` yet (NEEDS.md §1). When this
    fails, the engine has people as subjects: switch the engine tests from units
    standing in for people (education_correction_support) to persons."""
    raw = education.render()[0]
    _, errors = normalise(raw, RULES, indicators(), POSTS)
    assert [(e.field, e.reason) for e in errors] == [("scheme", "unknown field(s): subject")]


def test_a_bureau_overrides_amounts_and_coefficients_one_by_one():
    params = education.outcome_params(
        {"funding": {"edu-master": "80000"}, "pay_coefficients": {"good": "1.1"}}
    )
    assert params["talent_funding"]["amounts"]["edu-master"] == "80000"
    assert params["talent_funding"]["amounts"]["edu-recruit-a"] == "200000"  # default kept
    assert params["school_performance_pay"]["coefficients"] == {
        "excellent": "1.2",
        "good": "1.1",
        "qualified": "0.8",
        "unqualified": "0",
    }
    with pytest.raises(ValidationError):
        education.SETTINGS().load({"funding": {"edu-unknown": "1"}})
