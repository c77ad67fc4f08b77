"""教育人才计划 (education talent plan): the sector module for an education bureau.

Models Wuzhong's 东吴教育人才计划 (seed 002, D-31, D-43): two tracks of talents — special
recruitment classes A–D (特聘人才) and four cultivation tiers (教育名家, 领军人才, 骨干教师,
教坛新秀) — each assessed on research outcomes, teaching results and social influence with
its own targets, and the results applied as special funding by tier, eligibility for
title promotion, "outstanding contribution team" commendation and performance pay with a
school's share of 40–50%. Talents are people: the schemes have ``subject: person``.

Registered through the ``jixiao`` entry point as ``education``. The scoring uses the
built-in rules (install ``rules`` too); this plugin adds entry checks today, and lists
its settings, templates, outcome types and event kinds for plugin API v1.
See docs/plugins/education.md.
"""

from __future__ import annotations

from core.hookspecs import ValueCheck, hookimpl
from plugins.education import checks, events, outcomes
from plugins.education.contributions import EventKind, OutcomeType
from plugins.education.pay import apply_pay
from plugins.education.schemes import TEMPLATES, library, outcome_params, render
from plugins.education.settings import EducationSettings

__version__ = "0.1.0"

SETTINGS = EducationSettings
"""Per-bureau settings: performance share (per school, 40–50%), pay standard and grade
coefficients, grade lines, dimension weights by group, funding by tier, title and team
rules."""

OUTCOME_TYPES = [
    OutcomeType(
        "talent_funding",
        "人才专项经费 (talent funding by tier)",
        outcomes.FundingParams,
        outcomes.talent_funding,
        "the tier's amount times the share for the grade; below the bar nothing",
    ),
    OutcomeType(
        "title_promotion",
        "职称晋升资格 (title promotion eligibility)",
        outcomes.TitleParams,
        outcomes.title_promotion,
        "the listed grades this cycle and the years before",
    ),
    OutcomeType(
        "team_commendation",
        "突出贡献团队表彰 (outstanding contribution team)",
        outcomes.TeamParams,
        outcomes.team_commendation,
        "a school's talents: enough members, mean total and share meeting the grade",
    ),
    OutcomeType(
        "school_performance_pay",
        "教师绩效工资 (teachers' performance pay, 40–50% share)",
        outcomes.SchoolPayParams,
        apply_pay,
        "fixed part plus performance part at the school's share, by grade coefficient",
    ),
]

EVENT_KINDS = [
    EventKind(
        "education.talent_designated",
        "人才认定 (talent designated)",
        events.TalentDesignated,
        "a person enters a track and tier for a term, with the decision's document number",
    ),
    EventKind(
        "education.funding_granted",
        "专项经费拨付 (funding granted)",
        events.FundingGranted,
        "the special funding paid to a talent for a cycle",
    ),
    EventKind(
        "education.team_commended",
        "突出贡献团队表彰 (team commended)",
        events.TeamCommended,
        "a school's talent team commended for a cycle",
    ),
]

IMPORTERS: list = []
"""No importer yet: talent data comes from school reports (the talent database feed of
seed 002 would be one)."""

__all__ = [
    "EVENT_KINDS",
    "IMPORTERS",
    "OUTCOME_TYPES",
    "SETTINGS",
    "TEMPLATES",
    "library",
    "outcome_params",
    "render",
]


@hookimpl
def jixiao_value_checks() -> list[ValueCheck]:
    return [
        ValueCheck(name="education-whole-count", check=checks.whole_count),
        ValueCheck(name="education-implausible-count", check=checks.implausible_count),
        ValueCheck(name="education-score-range", check=checks.score_range),
    ]
