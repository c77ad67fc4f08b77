"""Staffing office plugin, end to end (Linyi, seed 004): the office installs
``staffing_office``, imports the template (six service-attribute groups and the
supervising departments), keeps its expert pool with the plugin's commands, draws the
recognition panel from the pool of the day (a retired expert left out, a recusal
honoured), imports the quarterly progress reports, publishes the Q2 monitoring report,
and reads grades after the recognition coefficient and the dual linkage across groups,
and the staffing outcome. Every number is computed by hand in the comments."""

from __future__ import annotations

import pytest

from core.services import imports, ledger, templates, users
from tests.plugins.support import Office, cli, cli_json, verified

ROSTER = """expert,expertise,affiliation,affiliation_kind,since,until,recuse
e1,organisation,临沂大学,university,2025-01-01,2027-12-31,
e2,public_admin,市行政学院,institution,2025-01-01,,
e3,law,某律师事务所,enterprise,2025-01-01,,i4
e4,finance,市审计局,government,2025-03-01,,
e5,economy,市社科院,research,2025-03-01,,
e6,digital,山东大学,university,2025-03-01,,
"""
PROGRESS = """unit,quarter,completion,note
i1,2026-Q1,20,
i1,2026-Q2,45,
i1,2026-Q4,100,
i2,2026-Q1,15,
i2,2026-Q2,35,审批事项延后
i2,2026-Q4,90,
i4,2026-Q2,50,
i4,2026-Q4,100,
i5,2026-Q2,55,
i5,2026-Q4,100,
i7,2026-Q4,100,
"""


def _full(unit: str, group: str) -> list[dict]:
    """Full points on every value leaf but the task (goal completion, imported)."""
    by_group = {
        "economic": {"projects_served": "10", "enterprise_satisfaction": "95"},
        "enforcement": {"case_closure": "100", "correction_rate": "2", "random_checks": "100"},
        "party": {"assigned_closure": "100", "info_adopted": "6"},
    }[group]
    values = {**by_group, "annual_report": "1", "staffing_violation": "0"}
    return [{"unit": unit, "indicator": i, "period": "2026", "value": v} for i, v in values.items()]


def _service(unit: str) -> list[dict]:
    """Everyone who rates the service gives 100 (full points)."""
    return [
        {"unit": unit, "indicator": "service_rating", "role": role, "rater": f"{role}-1",
         "score": "100"}
        for role in ("superior", "service_recipient", "third_party")
    ]  # fmt: skip


@pytest.fixture
def linyi(platform) -> Office:
    office = Office(platform, "linyi", ("rules", "staffing_office"))
    # ⌊0.5 × 2⌋ = 1 一等 by score in each group of two, none in a group of one
    office.configure("staffing_office", {"first_quota": "0.5"})
    office.units(
        ("d1", "市自然资源和规划局", "department"),
        ("d2", "市卫生健康委员会", "department"),
        ("i1", "市国土空间规划研究中心", "economic", "d1"),
        ("i2", "市土地储备中心", "economic", "d1"),
        ("i4", "市自然资源综合执法支队", "enforcement", "d1"),
        ("i5", "市卫生健康综合监督执法支队", "enforcement", "d2"),
        ("i7", "市委党校", "party"),
    )
    office.users("expert", "e1", "e2", "e3", "e4", "e5", "e6")
    return office


def test_a_staffing_office_from_install_to_outcomes(linyi, tmp_path):
    done = linyi.template("staffing")
    assert [s["code"] for s in done["schemes"]] == [
        "staffing-department", "staffing-party", "staffing-support", "staffing-economic",
        "staffing-social", "staffing-enterprise", "staffing-enforcement",
    ]  # fmt: skip
    # ---- the expert pool, kept with the plugin's commands (ledger entries)
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    assert "6 expert(s)" in cli("staffing_office", "experts-import", str(roster),
                                "--bureau", "linyi").output  # fmt: skip
    cli("staffing_office", "expert-retire", "--bureau", "linyi", "--expert", "e6",
        "--reason", "own_request", "--on", "2026-06-30")  # fmt: skip
    pool = cli_json("staffing_office", "experts", "--bureau", "linyi", "--on", "2027-01-10",
                    "--json")  # fmt: skip
    assert [e["expert"] for e in pool] == ["e1", "e2", "e3", "e4", "e5"]  # e6 retired
    drawn = cli_json(
        "staffing_office", "draw", "--bureau", "linyi", "--cycle", "2026", "--size", "5",
        "--seed", "linyi-2026", "--on", "2027-01-10", "--json",
    )  # fmt: skip
    assert sorted(drawn["members"]) == ["e1", "e2", "e3", "e4", "e5"]
    assert drawn["recusals"] == {"i4": ["e3"]}  # e3 used to work for i4: 回避

    # ---- the year's data: progress reports imported, the rest recorded, ratings
    feed = imports.run(linyi.ctx, "linyi", "staffing-quarterly-progress", PROGRESS.encode(),
                       "progress.csv", "2026")  # fmt: skip
    assert feed["rows"] == 11
    # i2's Q2 35% is behind the time progress 50% by more than 10 points
    # (line 6 of the file: warnings name the file's rows, as errors do)
    assert [(w["row"], w["check"]) for w in feed["warnings"]] == [(6, "quarterly-progress")]
    for unit, group in (("i1", "economic"), ("i2", "economic"), ("i4", "enforcement"),
                        ("i5", "enforcement"), ("i7", "party")):  # fmt: skip
        linyi.values(_full(unit, group))
        linyi.ratings(_service(unit))
    linyi.values(
        [{"unit": "d1", "indicator": "dept_rating", "period": "2026", "value": "优秀"},
         {"unit": "d2", "indicator": "dept_rating", "period": "2026", "value": "较差"}]
    )  # fmt: skip
    expert = [
        {"unit": unit, "indicator": indicator, "role": "expert", "rater": e, "score": score}
        for unit, score in (("i4", "70"), ("i5", "90"))
        for indicator in ("goal_difficulty", "goal_precision")
        for e in drawn["members"]
        if (unit, e) != ("i4", "e3")  # the recusal
    ]
    linyi.ratings(expert)

    found = linyi.results()
    # departments: 优秀 → 100 (excellent, ≥ 95); 较差 → 100 × 0.5 = 50 (poor)
    assert (found["d1"]["grade"], found["d2"]["grade"]) == ("excellent", "poor")
    # i1 (economic): task 50 × 100% = 50, no expert ratings: coefficient 1
    #     (no_coefficient); duty 10 + 15, service 15, management 4 + 6 → 100.00
    # i2 (economic): task 50 × 90% = 45 → 95.00
    # i4 (enforcement): task 45 × 100%; four experts (e3 recused) rate 70 and 70: means
    #     70, 70 → coefficient 0.8 + 0.4 × 70 ÷ 100 = 1.08 → 48.60; + duty 25, service 20,
    #     management 10 → 103.60
    # i5 (enforcement): five experts rate 90: coefficient 1.16 → 45 × 1.16 = 52.20 → 107.20
    # i7 (party): 50 + 20 + 20 + 10 = 100.00
    assert {u: found[u]["total"] for u in ("i1", "i2", "i4", "i5", "i7")} == {
        "i1": "100.00", "i2": "95.00", "i4": "103.60", "i5": "107.20", "i7": "100.00",
    }  # fmt: skip
    assert "no_coefficient" in found["i1"]["flags"]
    coefficient = found["i4"]["explanation"]["adjustments"][0]
    assert (coefficient["coefficient"], coefficient["difficulty"], coefficient["precision"]) == (
        "1.0800", "70.00", "70.00",
    )  # fmt: skip
    assert len(coefficient["seqs"]) == 8  # four experts × two dimensions
    # grades by score: economic i1 一等 (1 of 2), i2 二等; enforcement i5 一等, i4 二等;
    # party i7 二等 (⌊0.5 × 1⌋ = 0 一等). Then the dual linkage, across groups:
    # d1 优秀 → its most contributing institution of all groups, i4 (103.60 > i1 100.00
    # > i2 95.00), becomes 一等; d2 较差 → i5 may not be 一等: 二等
    assert {u: found[u]["grade"] for u in ("i1", "i2", "i4", "i5", "i7")} == {
        "i1": "first", "i2": "second", "i4": "first", "i5": "second", "i7": "second",
    }  # fmt: skip
    assert (
        found["i4"]["explanation"]["adjustments"][-1]["reason"] == "department d1 rated excellent"
    )

    # ---- the Q2 monitoring report: time progress 50%, tolerance 10 points
    report = cli_json("staffing_office", "report", "--bureau", "linyi", "--quarter", "2026-Q2",
                      "--publish")  # fmt: skip
    assert report["expected"] == "50" and report["summary"] == {
        "green": 2, "yellow": 1, "red": 1, "missing": 1,  # i4 50, i5 55 | i1 45 | i2 35 | i7
    }  # fmt: skip
    assert [(a["unit"], a["status"]) for a in report["attention"]] == [
        ("i2", "red"), ("i7", "missing"),
    ]  # fmt: skip
    economic = next(g for g in report["groups"] if g["scheme"] == "staffing-economic")
    # Q2 standing: task 50 × 45% = 22.50 (i1), 50 × 35% = 17.50 (i2); in Q1 the same order
    assert [(u["unit"], u["total"], u["rank"], u["rank_change"]) for u in economic["units"]] == [
        ("i1", "22.50", 1, 0), ("i2", "17.50", 2, 0),
    ]  # fmt: skip

    outcomes = linyi.outcomes()
    assert {u: outcomes[u]["staffing"] for u in ("i1", "i2", "i4", "i5", "i7")} == {
        "i1": "priority", "i2": "keep", "i4": "priority", "i5": "keep", "i7": "keep",
    }  # fmt: skip
    verified(linyi)


def test_the_pool_and_the_published_reports_are_read_through_the_api(linyi, client, tmp_path):
    linyi.template("staffing")
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    cli("staffing_office", "experts-import", str(roster), "--bureau", "linyi")
    cli("staffing_office", "report", "--bureau", "linyi", "--quarter", "2026-Q1", "--publish")
    users.create(linyi.ctx, "linyi", "linyi-admin", "bureau_admin")
    token = users.create_token(linyi.ctx, "linyi", "linyi-admin")["token"]
    headers = {"Authorization": f"Bearer {token}"}
    base = "/api/v1/bureaus/linyi/plugins/staffing_office"
    pool = client.get(f"{base}/experts?on=2025-02-01", headers=headers).get_json()
    assert [e["expert"] for e in pool] == ["e1", "e2", "e3"]  # e4–e6 join in March
    published = client.get(f"{base}/monitoring", headers=headers).get_json()
    assert [(p["period"], len(p["digest"])) for p in published] == [("2026-Q1", 64)]
    missing = client.get(f"{base}/monitoring/2026-Q5", headers=headers)
    assert missing.status_code == 404 and "2026-Q2" in missing.json["detail"]


def test_a_bad_roster_adds_nobody(linyi, tmp_path):
    roster = tmp_path / "roster.csv"
    bad = "e7,astrology,某,other,2026-01-01,,\ne8,law,某,other,2026-01-01,2025-01-01,\n"
    roster.write_text(ROSTER + bad, "utf-8")
    refused = cli("staffing_office", "experts-import", str(roster), "--bureau", "linyi", ok=False)
    assert refused.exit_code == 1
    assert "第 8 行 (line 8) expertise" in refused.output
    assert "第 9 行 (line 9) until" in refused.output
    assert cli_json("staffing_office", "experts", "--bureau", "linyi", "--json") == []


def test_dropping_the_linkage_is_a_new_version_of_each_group_scheme(linyi):
    linyi.template("staffing")
    linyi.configure("staffing_office", {"first_quota": "0.5", "linkage": False})
    done = templates.import_template(linyi.ctx, "linyi", "staffing", "2026")
    versions = {s["code"]: (s["version"], s["status"]) for s in done["schemes"]}
    assert versions["staffing-department"] == (1, "published")  # unchanged content
    assert versions["staffing-economic"] == (2, "draft")
    post = [p["type"] for p in done["schemes"][3]["definition"]["post"]]
    assert post == ["recognition"]


def test_the_pool_of_the_day_is_what_is_drawn_from(linyi, tmp_path):
    """An empty pool (nobody on that day, or of that expertise) is refused: it had
    meant 'every expert user of the bureau'. Recusals name units; a retirement cannot
    come before the expert joined."""
    linyi.template("staffing")
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    cli("staffing_office", "experts-import", str(roster), "--bureau", "linyi")
    for extra in (("--on", "1900-01-01"), ("--expertise", "social")):  # nobody in social
        bad = cli("staffing_office", "draw", "--bureau", "linyi", "--cycle", "2026",
                  "--size", "2", *extra, ok=False)  # fmt: skip
        assert bad.exit_code == 1 and "no experts" in bad.output, bad.output
    unknown = cli("staffing_office", "draw", "--bureau", "linyi", "--cycle", "2026",
                  "--size", "2", "--expertise", "nope", ok=False)  # fmt: skip
    assert unknown.exit_code == 2 and "'nope' is not one of" in unknown.output  # not "no experts"
    bad = cli("staffing_office", "expert-add", "--bureau", "linyi", "--expert", "e9",
              "--expertise", "law", "--affiliation", "某所", "--affiliation-kind", "enterprise",
              "--since", "2026-01-01", "--recuse", "nope", ok=False)  # fmt: skip
    assert bad.exit_code == 1 and "unknown unit" in bad.output, bad.output
    bad = cli("staffing_office", "expert-retire", "--bureau", "linyi", "--expert", "e1",
              "--reason", "other", "--on", "1900-01-01", ok=False)  # fmt: skip
    assert bad.exit_code == 1 and "before the expert joined" in bad.output, bad.output


def _refused(roster, text: str) -> str:
    """``experts-import`` of a roster that must be refused: its output, having checked
    that nothing reached the ledger."""
    roster.write_text(text, "utf-8")
    refused = cli("staffing_office", "experts-import", str(roster), "--bureau", "linyi", ok=False)
    assert refused.exit_code == 1, refused.output
    assert cli_json("staffing_office", "experts", "--bureau", "linyi", "--json") == []
    return refused.output


def _added(linyi: Office) -> int:
    entries = ledger.entries(linyi.ctx, "linyi", 0, 1000)
    return sum(e["kind"] == "staffing.expert.added" for e in entries)


def test_only_expert_users_of_the_bureau_join_the_pool(linyi, platform, tmp_path):
    """The draw refuses a pool naming anyone but the bureau's expert users; an entry
    naming someone else had gone into the ledger and broken every later draw until
    retired. Refused when added, naming the field (and the line), writing nothing."""
    Office(platform, "rizhao", ("rules", "staffing_office")).users("expert", "r1")
    linyi.users("reviewer", "clerk")
    bad = cli("staffing_office", "expert-add", "--bureau", "linyi", "--expert", "ghost",
              "--expertise", "law", "--affiliation", "某所", "--affiliation-kind", "enterprise",
              "--since", "2026-01-01", ok=False)  # fmt: skip
    assert bad.exit_code == 1
    assert "  - expert: 不是本局的专家用户：ghost (not an expert user of the bureau: ghost)" in (
        bad.output
    )
    others = "r1,law,某所,enterprise,2026-01-01,,\nclerk,law,某所,enterprise,2026-01-01,,\n"
    output = _refused(tmp_path / "roster.csv", ROSTER + others)
    assert "第 8 行 (line 8) expert: 不是本局的专家用户：r1" in output  # another bureau's
    assert "第 9 行 (line 9) expert: 不是本局的专家用户：clerk" in output  # not an expert
    assert _added(linyi) == 0


def test_a_roster_naming_an_expert_twice_is_refused(linyi, tmp_path):
    """Two lines for one expert had added both (the later term silently replacing the
    earlier): refused at the later line, naming the earlier, as other imports do."""
    output = _refused(tmp_path / "roster.csv", ROSTER + "e2,law,某所,enterprise,2026-01-01,,\n")
    assert "第 8 行 (line 8) expert: 与第3行重复 (duplicates line 3)" in output
    assert _added(linyi) == 0


def test_every_roster_error_is_listed_once_at_its_line(linyi, tmp_path):
    """An unknown recusal had been reported by expert, not line; every error had been
    printed twice (in the summary line and in the list); a malformed recusal code had
    ended in a traceback."""
    linyi.users("expert", "e7", "e8", "e9")
    bad = (
        "e7,law,某所,enterprise,2026-01-01,,nope\n"
        "e8,astrology,某,other,2026-01-01,,\n"
        "e9,law,某所,enterprise,2026-01-01,,i4;bad code!\n"
    )
    output = _refused(tmp_path / "roster.csv", ROSTER + bad)
    lines = output.splitlines()
    assert lines[0] == "Error: 专家未入库，未写入任何数据 (no expert added; nothing was written)"
    assert [line.split(": ")[0] for line in lines[1:]] == [
        "  - 第 8 行 (line 8) recuse",
        "  - 第 9 行 (line 9) expertise",  # marshmallow's reason: "Must be one of: …"
        "  - 第 10 行 (line 10) recuse[1]",  # the second code: "…expected pattern."
    ]
    assert lines[1].endswith(": 本局没有单位 nope (unknown unit: nope)")
    bad = cli("staffing_office", "expert-add", "--bureau", "linyi", "--expert", "e1",
              "--expertise", "law", "--affiliation", "某所", "--affiliation-kind", "enterprise",
              "--since", "2026-01-01", "--recuse", "nope", ok=False)  # fmt: skip
    assert bad.output.count("unknown unit") == 1, bad.output
    assert _added(linyi) == 0


def test_a_feed_names_the_files_rows_in_its_reasons_too(linyi):
    """"row 3 … the same as row 1" for a file whose rows 2 and 3 repeat: the error was
    moved to the file's row, the row its reason named was not."""
    from core.kernel.errors import InvalidInput

    linyi.template("staffing")
    twice = "quarter,unit,completion\n2026-Q1,i1,20\n2026-Q1,i1,21\n"
    with pytest.raises(InvalidInput) as refused:
        imports.run(linyi.ctx, "linyi", "staffing-quarterly-progress", twice.encode(),
                    "dup.csv", "2026")  # fmt: skip
    [error] = refused.value.errors
    assert error.row == 3 and "row 2" in error.reason and "row 1" not in error.reason, error


def test_a_date_that_is_none_is_a_422_naming_on(linyi, client):
    """``?on=2026-02-30`` had been Werkzeug's bare 400, naming no field."""
    users.create(linyi.ctx, "linyi", "linyi-admin", "bureau_admin")
    token = users.create_token(linyi.ctx, "linyi", "linyi-admin")["token"]
    headers = {"Authorization": f"Bearer {token}"}
    base = "/api/v1/bureaus/linyi/plugins/staffing_office/experts"
    refused = client.get(f"{base}?on=2026-02-30", headers=headers)
    assert (refused.status_code, refused.mimetype) == (422, "application/problem+json")
    assert [e["field"] for e in refused.get_json()["errors"]] == ["on"]
    assert client.get(f"{base}?on=", headers=headers).get_json() == []  # today


def test_a_quarter_with_no_monitored_unit_is_an_empty_report_of_that_quarter(platform):
    """A bureau with no institution units yet: the report names the quarter and its
    expected progress, and publishing it is recorded (it had failed on an empty period);
    a --quarter that is not a quarter is refused naming it."""
    Office(platform, "rizhao", ("rules", "staffing_office"), cycle_kinds=("quarter", "year"))
    report = cli_json("staffing_office", "report", "--bureau", "rizhao", "--quarter", "2026-Q2",
                      "--publish")  # fmt: skip
    assert (report["period"], report["expected"], report["groups"]) == ("2026-Q2", "50", [])
    bad = cli("staffing_office", "report", "--bureau", "rizhao", "--quarter", "2026", ok=False)
    assert bad.exit_code == 1 and "quarter: 须为季度" in bad.output


def test_a_feeds_refusals_read_chinese_first(linyi):
    """marshmallow's English messages were passed on as they were."""
    from core.kernel.errors import InvalidInput

    bad = "quarter,unit,completion\n2026-Q9,i1,\n"
    with pytest.raises(InvalidInput) as refused:
        imports.run(linyi.ctx, "linyi", "staffing-quarterly-progress", bad.encode(),
                    "bad.csv", "2026")  # fmt: skip
    reasons = {e.field: e.reason for e in refused.value.errors}
    assert reasons["completion"].startswith("必填 (Missing data"), reasons
    assert reasons["quarter"].startswith("格式不对 ("), reasons
