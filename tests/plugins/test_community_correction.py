"""Community-correction plugin without the database: the 12-item/51-rule template and its
rendering, the post-processors, entry checks, settings, pay and event data; numbers by
hand in the comments."""

from __future__ import annotations

from decimal import Decimal

import pytest
from marshmallow import ValidationError

from core.assessment.schemes import normalise
from core.hookspecs import PostContext, UnitResult, ValueContext
from plugins import community_correction as cc
from plugins.community_correction import checks, events, post
from plugins.education import templating
from plugins.rules import jixiao_post_processors, jixiao_rule_types
from tests.plugins.education_correction_support import as_unit_scheme

RULES = {r.name: r for r in jixiao_rule_types()}
POSTS = {p.name: p for p in [*jixiao_post_processors(), *cc.jixiao_post_processors()]}
INDICATORS = {i["code"] for i in cc.library()["indicators"]}


def worker(settings=None) -> dict:
    return cc.render(settings)[0]


# --------------------------------------------------------------------------- template


def test_twelve_items_fifty_one_rules_deduction_based_with_capped_bonus():
    doc = worker()
    assert doc["subject"] == "person" and doc["group"] == "cc-worker"
    items = doc["nodes"]
    assert len(items) == 12
    assert sum(len(item["children"]) for item in items) == 51
    base = [i for i in items if not i.get("extra")]
    bonus = [i for i in items if i.get("extra")]
    assert sum(templating.points(i["points"]) for i in base) == 100
    assert [b["code"] for b in bonus] == ["bonus"]
    rules = [leaf["rule"]["type"] for leaf in templating.leaves(doc)]
    # mainly deductions (减分为主), some data-fed rules, the bonus (加分为辅) and a veto
    assert rules.count("deduction") == 41
    assert rules.count("bonus") == 5
    assert rules.count("veto") == 1
    assert sorted(set(rules)) == ["bonus", "deduction", "ladder", "target_ratio", "veto"]
    # every rule has its own indicator in the library, so items can be recorded per rule
    assert len({leaf["indicator"] for leaf in templating.leaves(doc)}) == 51
    found, errors = normalise(as_unit_scheme(doc), RULES, INDICATORS, POSTS)
    assert errors == []
    assert [step["type"] for step in found["post"]] == ["node_cap", "grade_ceiling"]


def test_both_templates_validate_and_the_office_scheme_is_a_unit_scheme():
    worker_doc, office = cc.render()
    assert "subject" not in office and office["group"] == "sfs"
    assert [t.subject for t in cc.TEMPLATES] == ["person", "unit"]
    _, errors = normalise(office, RULES, INDICATORS, POSTS)
    assert errors == []
    # without the plugin's post-processors the worker scheme is refused, naming the step
    _, errors = normalise(
        as_unit_scheme(worker_doc),
        RULES,
        INDICATORS,
        {p.name: p for p in jixiao_post_processors()},
    )
    assert [e.field for e in errors] == ["post[0].type", "post[1].type"]


def test_settings_reach_the_rendered_schemes():
    settings = {
        "deductions": {"visit.record": "1", "files.complete": "1"},
        "bonus_cap": "3",
        "abscond_ceiling": "qualified",
        "excellent_quota": None,
        "mediation_success_target": "95",
        "mediation_days_target": "10",
        "visit_target": "98",
    }
    doc, office = cc.render(settings)
    assert templating.node(doc, "visit.record")["rule"]["params"] == {"per_item": "1"}
    assert templating.node(doc, "files.complete")["rule"]["params"] == {"per_item": "1"}
    assert templating.node(doc, "survey.overdue")["rule"]["params"] == {"per_item": "2"}
    assert doc["post"][0]["params"]["cap"] == "3"
    assert doc["post"][1]["params"]["cap"] == "qualified"
    assert "quota" not in doc["grades"][0]
    for scheme, code in ((doc, "mediation.success"), (office, "success")):
        leaf = templating.node(scheme, code)
        assert (leaf["rule"]["params"]["target"], leaf["target"]) == ("95", "95")
    assert templating.node(office, "duration")["rule"]["params"]["target"] == "10"
    assert templating.node(doc, "visit.rate")["rule"]["params"]["target"] == "98"
    for scheme in (doc, office):
        _, errors = normalise(as_unit_scheme(scheme), RULES, INDICATORS, POSTS)
        assert errors == []
    no_ceiling, _ = cc.render({"abscond_ceiling": None})
    assert [step["type"] for step in no_ceiling["post"]] == ["node_cap"]


def test_settings_refuse_unknown_rules_and_bad_shares():
    with pytest.raises(
        ValidationError, match=r"\(not deduction rules of the scheme\): bonus\.case"
    ):
        cc.SETTINGS().load({"deductions": {"bonus.case": "1"}})
    with pytest.raises(ValidationError, match="not deduction rules"):
        cc.SETTINGS().load({"deductions": {"visit.rate": "1"}})
    with pytest.raises(ValidationError, match="绩效占比"):
        cc.SETTINGS().load({"performance_share": "1"})
    assert cc.SETTINGS().load({})["performance_share"] == Decimal("0.20")


# --------------------------------------------------------------------------- post


PARENTS = {"base": None, "bonus": None, "bonus.a": "bonus", "bonus.b": "bonus"}


def result(unit: str, base: str, a: str, b: str, grade: str | None = None) -> UnitResult:
    nodes = {"base": Decimal(base), "bonus.a": Decimal(a), "bonus.b": Decimal(b)}
    nodes["bonus"] = nodes["bonus.a"] + nodes["bonus.b"]
    total = nodes["base"] + nodes["bonus"]
    return UnitResult(unit, unit, "g", None, total, nodes, grade=grade)


def ctx(members=("w1", "w2")) -> PostContext:
    return PostContext(
        grades=["excellent", "good", "qualified"],
        ratings=lambda indicator: {},
        members=frozenset(members),
        parents=PARENTS,
    )


def test_node_cap_cuts_the_bonus_and_the_total_follows():
    results = [result("w1", "96", "4", "2.5"), result("w2", "90", "2", "1")]
    params = post.NodeCapParams().load({"node": "bonus", "cap": "5", "label": "加分不超过5分"})
    post.node_cap(results, params, ctx())
    # w1: bonus 6.5 → 5.00, total 102.5 → 101.00; w2: 3 ≤ 5, untouched
    assert [(str(r.nodes["bonus"]), str(r.total)) for r in results] == [
        ("5.00", "101.00"),
        ("3", "93"),
    ]
    assert results[0].adjustments == [
        {
            "type": "node_cap",
            "node": "bonus",
            "cap": "5",
            "before": "6.5",
            "after": "5.00",
            "label": "加分不超过5分",
        }
    ]
    assert results[1].adjustments == []


def test_grade_ceiling_holds_down_only_the_schemes_own_subjects():
    results = [
        result("w1", "96", "0", "0", "excellent"),  # bonus.a below 1: capped
        result("w2", "92", "1", "0", "excellent"),  # bonus.a not below 1: stays
        result("x9", "99", "0", "0", "excellent"),  # another scheme's unit: untouched
        result("w3", "70", "0", "0", "qualified"),  # already below the cap
    ]
    params = post.GradeCeilingParams().load({"node": "bonus.a", "below": "1", "cap": "good"})
    post.grade_ceiling(results, params, ctx(("w1", "w2", "w3")))
    assert [r.grade for r in results] == ["good", "excellent", "excellent", "qualified"]
    assert results[0].adjustments == [
        {
            "type": "grade_ceiling",
            "node": "bonus.a",
            "score": "0",
            "from": "excellent",
            "to": "good",
            "label": "",
        }
    ]
    with pytest.raises(ValueError, match="'best' is not a grade of the scheme"):
        post.grade_ceiling(results, {**params, "cap": "best"}, ctx())


# --------------------------------------------------------------------------- checks


def value(indicator: str, amount: str, cases: str | None = None) -> ValueContext:
    looked = {"cc_mediation_cases": Decimal(cases)} if cases is not None else {}
    return ValueContext(
        "b",
        "w1",
        indicator,
        "2026",
        "2026-Q1",
        Decimal(amount),
        lookup=lambda i, p: looked.get(i) if p == "2026-Q1" else None,
    )


def test_mediation_checks():
    rate = "cc_mediation_success_rate"
    assert checks.stats_without_cases(value(rate, "90", cases="0")) == [
        "该期受理数为0，却有调解统计值 90，请核对 "
        "(no cases taken in 2026-Q1, yet a value 90: check the source)"
    ]
    assert checks.stats_without_cases(value(rate, "90", cases="12")) == []
    assert checks.stats_without_cases(value(rate, "90")) == []  # cases not known yet
    assert checks.rating_scale(value("cc_mediation_rating", "4.6")) == []
    assert checks.rating_scale(value("cc_mediation_rating", "46")) == [
        "群众评价应在1–5分之间 (rating 46 outside 1–5)"
    ]
    assert checks.mediation_overdue(value("cc_mediation_duration", "30")) == []
    assert checks.mediation_overdue(value("cc_mediation_duration", "31.5")) == [
        "平均调解时长超过30日 (average mediation time 31.5 days exceeds 30)"
    ]


# --------------------------------------------------------------------------- events


def test_event_data_and_contribution_lists():
    report = {
        "unit": "sfs-mudu",
        "person": "M2001",
        "date": "2026-05-06",
        "kind": "abscond",
        "severity": "general",
        "summary": "社区矫正对象失联超过24小时，已找回",
    }
    assert events.IncidentReported().load(report)["kind"] == "abscond"
    with pytest.raises(ValidationError):
        events.IncidentReported().load({**report, "person": "张三"})  # codes only, no names
    imported = {
        "importer": "sujiefen-mediation",
        "filename": "sujiefen-2026Q1.csv",
        "sha256": "0" * 64,
        "rows": 36,
        "source_keys": ["sujiefen:" + "a" * 32],
    }
    assert events.PlatformImported().load(imported)["rows"] == 36
    assert [i.name for i in cc.IMPORTERS] == ["sujiefen-mediation"]
    assert cc.IMPORTERS[0].formats == ("csv", "json")
    assert {o.name for o in cc.OUTCOME_TYPES} == set(cc.outcome_params())
