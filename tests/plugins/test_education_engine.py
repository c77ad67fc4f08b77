"""The talent plan through the real engine (D-31, D-43): the eight rendered schemes
imported and published, talents' results computed and applied as funding, title
eligibility, team commendation and pay. Numbers are computed by hand in the comments.

Talents are people; until the engine has ``subject: person`` they stand in as units of
their group under their school (see education_correction_support).
"""

from __future__ import annotations

from core.values import record_values
from plugins import education
from tests.acceptance.conftest import totals
from tests.plugins.education_correction_support import (
    by_subject,
    outcome_rows,
    people,
    publish_all,
    sector_office,
)

SETTINGS = {"school_shares": {"s2": "0.50"}, "team": {"min_share": "0.6"}}


def test_talents_scored_by_tier_and_results_applied(platform):
    office = sector_office(platform, "education", education.library())
    office.units(("s1", "吴中区实验小学", None), ("s2", "吴中区城西中学", None))
    people(office, "edu-master", "s1", "t1", "t2")
    people(office, "edu-rising", "s1", "t3")
    people(office, "edu-recruit-a", "s2", "t4")
    people(office, "edu-rising", "s2", "t5")
    publish_all(office, education.render(SETTINGS))

    office.year(
        "t1",
        edu_projects="1",
        edu_papers="2",
        edu_research_award="省级",
        edu_teaching_quality="92",
        edu_open_lessons="4",
        edu_student_awards="1",
        edu_mentees="3",
        edu_lectures="5",
    )
    office.year(
        "t2",
        edu_projects="2",
        edu_papers="4",
        edu_research_award="国家级",
        edu_teaching_quality="96",
        edu_open_lessons="5",
        edu_student_awards="3",
        edu_mentees="4",
        edu_lectures="7",
    )
    office.year(
        "t3",
        edu_projects="0",
        edu_papers="1",
        edu_research_award="区级",
        edu_teaching_quality="80",
        edu_open_lessons="1",
        edu_student_awards="1",
        edu_lectures="2",
    )
    office.year(
        "t4",
        edu_projects="2",
        edu_papers="4",
        edu_research_award="国家级",
        edu_teaching_quality="95",
        edu_open_lessons="4",
        edu_mentees="4",
        edu_lectures="8",
        edu_ethics_breach="1",
    )
    office.year(  # no teaching-quality score was reported for t5
        "t5",
        edu_projects="1",
        edu_papers="1",
        edu_research_award="市级",
        edu_open_lessons="2",
        edu_student_awards="1",
        edu_lectures="2",
    )

    results = office.results()
    # t1, education master (research 35, teaching 30, influence 35):
    #   research: projects 15 × 1/1 = 15.00; papers 10 × 2/3 = 6.666… → 6.67;
    #             award 省级 10 × 0.8 = 8.00 → 29.67
    #   teaching: quality 15 × 92/95 = 14.526… → 14.53; lessons 10 × 4/4 = 10.00;
    #             students 5 × 1/2 = 2.50 → 27.03
    #   influence: mentees 15 × 3/3 = 15.00; lectures 20 × 5/6 = 16.666… → 16.67 → 31.67
    #   total 29.67 + 27.03 + 31.67 = 88.37 → good (80 ≤ 88.37 < 90)
    # t2, master: every target met or passed, award 国家级 → 100.00, excellent
    # t3, rising teacher (research 20, teaching 60, influence 20):
    #   research: projects 0 of 1 → 0; papers 10 × 1/1 = 10.00; award 区级 5 × 0.5 = 2.50
    #   teaching: quality 30 × 80/88 = 27.2727… → 27.27; lessons 20 × 1/2 = 10.00;
    #             students 10.00 → 47.27
    #   influence: lectures 20 × 2/2 = 20.00
    #   total 12.50 + 47.27 + 20.00 = 79.77 → qualified (70 ≤ 79.77 < 80)
    # t4, recruitment class A: 100 points on the record, but a breach of professional
    #   ethics vetoes the year → 0.00, unqualified
    # t5, rising teacher: research 5 + 10 + 市级 5 × 0.8 = 19.00; teaching: quality
    #   missing → 0, lessons 20, students 10 → 30.00; influence 20.00 → 69.00, unqualified
    # the schools have no group and no scheme: only the talents are assessed
    assert totals(results) == {
        "t1": "88.37",
        "t2": "100.00",
        "t3": "79.77",
        "t4": "0.00",
        "t5": "69.00",
    }
    assert {u: (r["scheme"], r["rank"], r["grade"]) for u, r in results.items()} == {
        "t1": ("edu-master", 2, "good"),
        "t2": ("edu-master", 1, "excellent"),
        "t3": ("edu-rising", 1, "qualified"),
        "t4": ("edu-recruit-a", 1, "unqualified"),
        "t5": ("edu-rising", 2, "unqualified"),
    }
    assert results["t1"]["dimensions"] == {
        "research": "29.67",
        "teaching": "27.03",
        "influence": "31.67",
        "ethics": "0.00",
    }
    assert "veto" in results["t4"]["flags"]
    quality = results["t5"]["explanation"]["nodes"][1]["children"][0]
    assert quality["periods"][0]["note"] == "missing"

    # results applied (结果运用): the params come from the bureau's settings
    rows = outcome_rows(results, {"t1": "s1", "t2": "s1", "t3": "s1", "t4": "s2", "t5": "s2"})
    params = education.outcome_params(SETTINGS)
    earlier = [{"t1": "good", "t2": "good", "t3": "excellent"}]  # the 2025 grades
    for outcome in education.OUTCOME_TYPES:
        outcome.apply(rows, outcome.params_schema().load(params[outcome.name]), earlier)
    # funding: masters 50 000 (good and excellent in full); t3 qualified: 5 000 × 0.8;
    # t4 and t5 below the bar: nothing
    # title: t1 good twice, t2 good then excellent: eligible; t3 only qualified this year
    # team s1: t1, t2, t3 mean (88.37 + 100 + 79.77) / 3 = 89.38 ≥ 85, two of three
    #   (0.67 ≥ the bureau's 0.6) good or better: commended; s2 has two members (< 3)
    assert by_subject(rows, "funding", "title_promotion_eligible", "team_commended") == {
        "t1": ("50000.00", True, True),
        "t2": ("50000.00", True, True),
        "t3": ("4000.00", False, True),
        "t4": ("0.00", False, False),
        "t5": ("0.00", False, False),
    }
    assert {r["team_mean"] for r in rows if r["unit"] == "s1"} == {"89.38"}
    # pay, standard 120 000: s1 at the default 45%, s2 at its own 50%
    # t1 good: 66 000 + 54 000 × 1.0; t2 excellent: 66 000 + 54 000 × 1.2 = 64 800;
    # t3 qualified: 66 000 + 54 000 × 0.8 = 43 200; t4, t5 unqualified: 60 000 + 0
    assert by_subject(rows, "pay_fixed", "pay_performance", "pay_total") == {
        "t1": ("66000.00", "54000.00", "120000.00"),
        "t2": ("66000.00", "64800.00", "130800.00"),
        "t3": ("66000.00", "43200.00", "109200.00"),
        "t4": ("60000.00", "0.00", "60000.00"),
        "t5": ("60000.00", "0.00", "60000.00"),
    }


def test_entry_warnings_of_the_plugin_fire_for_its_bureau(platform):
    office = sector_office(platform, "education", education.library())
    office.units(("s1", "吴中区实验小学", None))
    people(office, "edu-backbone", "s1", "t1")
    publish_all(office, education.render())
    with platform.db.transaction() as s:
        done = record_values(
            s,
            platform,
            office.bureau(s),
            [
                {"unit": "t1", "indicator": i, "cycle": "2026", "period": "2026", "value": v}
                for i, v in (
                    ("edu_papers", "36"),
                    ("edu_mentees", "1.5"),
                    ("edu_teaching_quality", "910"),
                )
            ],
            None,
            "test",
        )
    # 36 papers: implausible; 1.5 mentees: not a whole count; 910 out of 100: off the
    # scale (and not below the scheme's target 90, so no threshold warning)
    assert [(w["row"], w["check"]) for w in done.warnings] == [
        (1, "education-implausible-count"),
        (2, "education-whole-count"),
        (3, "education-score-range"),
    ]
    assert done.warnings[0]["seq"] > done.entries[-1].seq  # recorded as warning.raised
