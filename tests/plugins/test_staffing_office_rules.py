"""Staffing office plugin pieces on their own, numbers by hand: the two-rating
recognition coefficient, the dual linkage across groups, the expert pool, quarterly
monitoring and its value check, the staffing outcome, settings and rendering."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from core.assessment.schemes import normalise
from core.hookspecs import PostContext, RatingInput, UnitResult, ValueContext
from core.plugins import PluginHost
from plugins import staffing_office
from plugins.staffing_office import experts, linkage, monitoring, outcomes, recognition
from plugins.staffing_office.settings import StaffingSettings
from plugins.tax.schemekit import find_node, find_post, leaves

D = Decimal


# ------------------------------------------------------------------ recognition


def _ratings(**by_unit: list[int]) -> dict[str, list[RatingInput]]:
    return {
        unit: [RatingInput("expert", D(s), f"e{n}", 100 + n) for n, s in enumerate(scores)]
        for unit, scores in by_unit.items()
    }


def _unit(unit: str, task: str, other: str = "40", parent: str | None = None) -> UnitResult:
    return UnitResult(
        unit, unit, "g", parent, D(task) + D(other), {"task": D(task), "rest": D(other)}
    )


def test_recognition_weighs_two_trimmed_means():
    difficulty = _ratings(a=[60, 90, 80, 100, 70], b=[50, 50, 50])
    precision = _ratings(a=[70, 70, 40], b=[50])
    ctx = PostContext(
        ["first", "second"],
        lambda ind: {"difficulty": difficulty, "precision": precision}[ind],
        frozenset("abc"),
        {"task": None, "rest": None},
    )
    params = recognition.RecognitionParams().load(
        {
            "node": "task",
            "difficulty": "difficulty",
            "precision": "precision",
            "difficulty_weight": "0.7",
            "precision_weight": "0.3",
        }
    )
    a, b, c = _unit("a", "50"), _unit("b", "45"), _unit("c", "50")
    recognition.recognition([a, b, c], params, ctx)
    # a: difficulty 60 70 80 90 100 trimmed → 80; precision 40 70 70 → 70;
    #    0.7×80 + 0.3×70 = 77 → 0.8 + 0.4×0.77 = 1.108 → 50 × 1.108 = 55.40; total 95.40
    # b: 50 and a single 50 → 50 → 1.0 → 45.00
    # c: no ratings → coefficient 1, flagged
    assert (a.nodes["task"], a.total) == (D("55.40"), D("95.40"))
    (adj,) = a.adjustments
    assert adj["type"] == "recognition" and adj["coefficient"] == "1.1080"
    assert (adj["difficulty"], adj["precision"], adj["mean_rating"]) == ("80.00", "70.00", "77.00")
    assert adj["seqs"] == [100, 100, 101, 101, 102, 102, 103, 104]
    assert b.total == D("85.00") and b.adjustments[0]["coefficient"] == "1.0000"
    assert (c.total, c.flags, c.adjustments) == (D("90"), ["no_coefficient"], [])


def test_recognition_needs_both_dimensions_and_leaves_a_veto_at_zero():
    only_difficulty = _ratings(a=[90, 90, 90])
    ctx = PostContext(
        ["first"],
        lambda ind: only_difficulty if ind == "difficulty" else {},
        frozenset("a"),
        {"task": None, "rest": None},
    )
    params = recognition.RecognitionParams().load(
        {"node": "task", "difficulty": "difficulty", "precision": "precision"}
    )
    a = _unit("a", "50")
    recognition.recognition([a], params, ctx)
    assert (a.total, a.flags) == (D("90"), ["no_coefficient"])
    both = _ratings(v=[100, 100, 100])
    vetoed = UnitResult("v", "v", "g", None, D(0), {"task": D(45), "rest": D(40)}, flags=["veto"])
    ctx = PostContext(["first"], lambda _: both, frozenset("v"), {"task": None, "rest": None})
    recognition.recognition([vetoed], params, ctx)
    assert (vetoed.total, vetoed.adjustments) == (D(0), [])  # not 0 + 45 × 0.2
    with pytest.raises(ValidationError) as err:
        recognition.RecognitionParams().load(
            {"node": "t", "difficulty": "d", "precision": "p", "difficulty_weight": "0.6"}
        )
    assert "difficulty_weight" in err.value.messages
    with pytest.raises(ValidationError) as err:
        recognition.RecognitionParams().load(
            {"node": "t", "difficulty": "d", "precision": "p", "low": "1.3"}
        )
    assert "low" in err.value.messages


# ------------------------------------------------------------------ dual linkage


def _graded(unit: str, total: str, grade: str, parent: str | None = None, **kw) -> UnitResult:
    result = UnitResult(unit, unit, "g", parent, D(total), {}, grade=grade, **kw)
    return result


def _run_each_scheme(results, schemes, grades=("first", "second", "third")) -> None:
    params = linkage.LinkageAcrossGroupsParams().load({"excellent": "excellent", "poor": "poor"})
    for members in schemes:
        ctx = PostContext(list(grades), lambda _: {}, frozenset(members), {})
        linkage.linkage_across_groups(results, params, ctx)


def test_an_excellent_department_raises_one_institution_across_its_groups():
    dept = _graded("d", "99", "excellent")
    a = _graded("a", "92", "first", "d")  # group A's best
    b = _graded("b", "95", "second", "d")  # group B: the department's best overall
    c = _graded("c", "95", "second", "d")  # group C: tied with b, higher code
    other = _graded("x", "97", "second", "e")
    results = [dept, a, b, c, other]
    _run_each_scheme(results, [{"a"}, {"b"}, {"c", "x"}])
    assert [r.grade for r in (a, b, c, other)] == ["first", "first", "second", "second"]
    assert b.adjustments == [
        {
            "type": "linkage",
            "from": "second",
            "to": "first",
            "reason": "department d rated excellent",
        }
    ]
    assert c.adjustments == [] and other.adjustments == []


def test_a_poor_department_caps_and_a_vetoed_institution_is_never_raised():
    poor = _graded("p", "40", "poor")
    p1 = _graded("p1", "96", "first", "p")
    p2 = _graded("p2", "80", "second", "p")
    good = _graded("g", "99", "excellent")
    vetoed = _graded("g1", "0", "third", "g", flags=["veto"])
    results = [poor, p1, p2, good, vetoed]
    _run_each_scheme(results, [{"p1"}, {"p2", "g1"}])
    assert (p1.grade, p2.grade, vetoed.grade) == ("second", "second", "third")
    assert linkage.most_contributing([vetoed]) is None


# ------------------------------------------------------------------ the expert pool


def _added(expert: str, since: str, **more) -> tuple[str, dict]:
    row = {
        "expert": expert,
        "expertise": "law",
        "affiliation": "律所",
        "affiliation_kind": "enterprise",
        "since": since,
        **more,
    }
    return experts.ADDED, experts.ExpertAddedSchema().dump(experts.ExpertAddedSchema().load(row))


def _retired(expert: str, on: str) -> tuple[str, dict]:
    row = {"expert": expert, "on": on, "reason": "term_ended"}
    return experts.RETIRED, row


def test_the_pool_on_a_date():
    events = [
        _added("a", "2025-01-01", until="2026-12-31"),
        _added("b", "2025-01-01", recuse=["u1", "u2"]),
        _added("c", "2026-07-01"),
        _retired("b", "2026-03-31"),
        _added("b", "2026-09-01", expertise="finance"),  # back, with a new term
        _retired("d", "2026-01-01"),  # never added: nothing happens
        ("something.else", {}),
    ]
    assert experts.panel_pool(experts.pool_at(events, dt.date(2026, 1, 15))) == ["a", "b"]
    assert experts.panel_pool(experts.pool_at(events, dt.date(2026, 5, 1))) == ["a"]
    autumn = experts.pool_at(events, dt.date(2026, 10, 1))
    assert experts.panel_pool(autumn) == ["a", "b", "c"]
    assert autumn["b"].expertise == "finance" and autumn["b"].recuse == ()
    assert experts.panel_pool(autumn, ["finance"]) == ["b"]
    assert experts.panel_pool(experts.pool_at(events, dt.date(2027, 1, 1))) == ["b", "c"]
    winter = experts.pool_at(events, dt.date(2026, 1, 15))
    assert experts.recusals(winter, ["a", "b"]) == {"u1": ["b"], "u2": ["b"]}


def test_pool_events_and_the_roster_import_are_validated():
    with pytest.raises(ValidationError) as err:
        experts.ExpertAddedSchema().load(
            {
                "expert": "a",
                "expertise": "astrology",
                "affiliation": "x",
                "affiliation_kind": "other",
                "since": "2026-01-01",
                "until": "2025-01-01",
            }
        )
    assert set(err.value.messages) == {"expertise"}
    with pytest.raises(ValidationError) as err:
        experts.ExpertAddedSchema().load(
            {
                "expert": "a",
                "expertise": "law",
                "affiliation": "x",
                "affiliation_kind": "other",
                "since": "2026-01-01",
                "until": "2025-01-01",
            }
        )
    assert set(err.value.messages) == {"until"}
    roster = [
        {
            "expert": "a",
            "expertise": "law",
            "affiliation": "律所",
            "affiliation_kind": "enterprise",
            "since": "2026-01-01",
            "until": "",
            "recuse": "u1; u2",
        },
        {
            "expert": "b",
            "expertise": "law",
            "affiliation": "",
            "affiliation_kind": "enterprise",
            "since": "2026-01-01",
        },
    ]
    with pytest.raises(ValidationError) as err:
        experts.pool_rows(roster)
    assert list(err.value.messages) == [2]
    (row,) = experts.pool_rows(roster[:1])
    assert row == {
        "expert": "a",
        "expertise": "law",
        "affiliation": "律所",
        "affiliation_kind": "enterprise",
        "since": "2026-01-01",
        "until": None,
        "recuse": ["u1", "u2"],
    }
    assert [k.name for k in staffing_office.EVENT_KINDS] == [
        "staffing.expert.added",
        "staffing.expert.retired",
        "staffing.monitoring.published",
    ]


# ------------------------------------------------------------------ monitoring


def test_time_progress_and_lights():
    assert [monitoring.expected_progress(f"2026-Q{q}") for q in (1, 2, 3, 4)] == [25, 50, 75, 100]
    tolerance = D(10)
    assert monitoring.status(D(50), D(50), tolerance) == "green"
    assert monitoring.status(D(40), D(50), tolerance) == "yellow"
    assert monitoring.status(D("39.9"), D(50), tolerance) == "red"
    assert monitoring.status(None, D(50), tolerance) == "missing"
    assert monitoring.quarterly_report("2026", [], monitoring.MonitoringParams().load({}))[
        "summary"
    ] == {"green": 0, "yellow": 0, "red": 0, "missing": 0}


def _progress(value: str, period: str = "2026-Q3", history=(), indicator="goal_completion"):
    return ValueContext(
        "b",
        "u",
        indicator,
        "2026",
        period,
        D(value),
        {"period_kind": "quarter"},
        history=lambda: [(p, D(v)) for p, v in history],
    )


def test_the_progress_check_warns_when_behind_or_falling():
    assert monitoring.progress_check(_progress("65", history=[("2026-Q2", "50")])) == []
    (behind,) = monitoring.progress_check(_progress("64.5", history=[("2026-Q2", "50")]))
    assert behind.startswith("进度滞后：累计完成64.5%，序时进度75%")
    fell = monitoring.progress_check(_progress("70", history=[("2026-Q2", "72")]))
    assert fell == [
        "累计完成率低于2026-Q2的72%，请核实 (cumulative rate below 2026-Q2's 72%: check)"
    ]
    # last year's Q4 (100%) is another year: a new year starts from zero
    assert monitoring.progress_check(_progress("25", "2026-Q1", [("2025-Q4", "100")])) == []
    assert monitoring.progress_check(_progress("1", indicator="other")) == []


def test_the_progress_import():
    rows = [
        {"unit": "i1", "quarter": "2026-Q2", "completion": "55.5", "note": "土地出让进度偏慢"},
        {"unit": "i1", "quarter": "2026-Q5", "completion": "60"},
        {"unit": "i2", "quarter": "2026-Q2", "completion": "-1"},
    ]
    with pytest.raises(ValidationError) as err:
        monitoring.progress_rows(rows, "2026")
    assert sorted(err.value.messages) == [2, 3]
    assert monitoring.progress_rows(rows[:1], "2026") == [
        {
            "unit": "i1",
            "indicator": "goal_completion",
            "cycle": "2026",
            "period": "2026-Q2",
            "value": "55.5",
            "note": "土地出让进度偏慢",
        }
    ]
    assert [i.target for i in staffing_office.IMPORTERS] == ["values", "staffing.expert.added"]


# ------------------------------------------------------------------ staffing outcome


def test_third_class_two_years_running_loses_vacant_posts():
    params = outcomes.StaffingLinkageParams().load({})
    rows = [
        {"unit": u, "name": u, "group": g, "grade": grade}
        for u, g, grade in [
            ("a", "party", "first"),
            ("b", "party", "third"),
            ("c", "party", "third"),
            ("d", "department", "poor"),
            ("e", "party", None),
        ]
    ]
    history = [{"b": "third", "c": "second"}, {"c": "third"}]
    got = outcomes.staffing_linkage("2026", rows, params, history)
    # b: 三等 this year and last → reduce; c: 三等 now, 二等 last year → review;
    # d is a department, e was not graded: left out
    assert {o["unit"]: o["staffing"] for o in got} == {
        "a": "priority",
        "b": "reduce",
        "c": "review",
    }
    # with no earlier cycle there is no "two years running"
    assert {o["staffing"] for o in outcomes.staffing_linkage("2026", rows[1:3], params, [])} == {
        "review"
    }
    (outcome,) = staffing_office.OUTCOME_TYPES
    assert outcome.apply is outcomes.staffing_linkage


# ------------------------------------------------------------------ templates and settings


@pytest.fixture(scope="module")
def host() -> PluginHost:
    return PluginHost()


def _errors(doc: dict, host: PluginHost) -> list:
    indicators = {i.code for i in staffing_office.INDICATORS}
    return normalise(doc, host.rule_types(), indicators, host.post_processors())[1]


def test_six_groups_one_scheme_each_and_the_departments(host):
    assert [(g.code, g.name) for g in staffing_office.GROUPS] == [
        ("party", "党委直属类"),
        ("support", "综合保障类"),
        ("economic", "经济发展服务类"),
        ("social", "社会管理服务类"),
        ("enterprise", "企业和公共服务类"),
        ("enforcement", "行政执法类"),
        ("department", "主管部门"),
    ]
    docs = staffing_office.render({})
    assert [d["group"] for d in docs] == [
        "department",
        "party",
        "support",
        "economic",
        "social",
        "enterprise",
        "enforcement",
    ]
    assert all(_errors(doc, host) == [] for doc in docs)
    duties = [
        frozenset(leaf["indicator"] for leaf, up in leaves(doc) if up and up[0]["code"] == "duty")
        for doc in docs[1:]
    ]
    assert len(set(duties)) == 6  # one group, one policy: each its own duty indicators
    for doc in docs[1:]:
        assert [s["type"] for s in doc["post"]] == ["recognition", "linkage_across_groups"]
        assert [g["name"][:2] for g in doc["grades"]] == ["一等", "二等", "三等"]


def test_settings_retune_and_refuse(host):
    docs = staffing_office.render(
        {
            "points": {"staffing-party": {"task": "55", "service": "15"}},
            "coefficient_low": "0.9",
            "coefficient_high": "1.1",
            "difficulty_weight": "0.6",
            "precision_weight": "0.4",
            "first_min": "92",
            "linkage": False,
        }
    )
    party = docs[1]
    assert all(_errors(doc, host) == [] for doc in docs)
    assert (find_node(party, "task")["points"], find_node(party, "service")["points"]) == (
        "55",
        "15",
    )
    step = find_post(party, "recognition")["params"]
    assert (step["low"], step["high"], step["difficulty_weight"]) == ("0.9", "1.1", "0.6")
    assert [s["type"] for s in party["post"]] == ["recognition"]
    assert party["grades"][0] == {
        "code": "first",
        "name": "一等 (first class)",
        "min": "92",
        "quota": "0.3",
    }
    with pytest.raises(ValidationError) as err:
        StaffingSettings().load({"difficulty_weight": "0.6"})
    assert "recognition" in err.value.messages
    with pytest.raises(ValidationError) as err:
        StaffingSettings().load({"first_min": "70"})
    assert "first_min" in err.value.messages
    with pytest.raises(ValidationError) as err:
        StaffingSettings().load({"points": {"staffing-party": {"task": "60"}}})
    assert "add up to 110, not 100" in str(err.value.messages["points"])
