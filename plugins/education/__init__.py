"""教育人才计划 (education talent plan): the sector module for an education bureau.

Models Wuzhong's 东吴教育人才计划 (seed 002, D-31, D-43): two tracks of talents — special
recruitment classes A–D (特聘人才) and four cultivation tiers (教育名家, 领军人才, 骨干教师,
教坛新秀) — each assessed on research outcomes, teaching results and social influence with
its own targets, and the results applied as special funding by tier, eligibility for
title promotion, "outstanding contribution team" commendation and performance pay with a
school's share of 40–50%. Talents are people: the schemes have ``subject: person``.

Contributes, for bureaus that install it (with ``rules``, whose rules the schemes use):
the template and indicator library ``education``, its settings, four outcome types, three
entry checks, the event kinds of designations, funding and commendations, the commands
``jixiao education …`` and their read API. See docs/plugins/education.md.
"""

from __future__ import annotations

from marshmallow import Schema

from core.plugin_api import (
    ApiBlueprint,
    CliCommand,
    EventKind,
    IndicatorLibrary,
    OutcomeType,
    PluginContext,
    SchemeTemplate,
    ValueCheck,
    hookimpl,
)
from plugins.education import checks, events, outcomes
from plugins.education.pay import SchoolPayParams, apply_pay
from plugins.education.schemes import library, render
from plugins.education.settings import GROUPS, EducationSettings

__version__ = "0.2.0"


@hookimpl
def jixiao_settings_schema() -> type[Schema]:
    return EducationSettings


@hookimpl
def jixiao_scheme_templates() -> list[SchemeTemplate]:
    groups, indicators = library()
    return [
        SchemeTemplate(
            "education",
            "东吴教育人才计划：特聘A–D类与四个培养层级 (talent plan: 8 tiers)",
            indicators,
            render,
            groups,
            "科研成果、教学实绩、社会影响力，师德一票否决；专项经费、职称晋升、突出贡献团队、"
            "绩效工资40–50% (D-31, D-43)",
        )
    ]


@hookimpl
def jixiao_indicator_libraries() -> list[IndicatorLibrary]:
    return [IndicatorLibrary("education", "教育人才指标库 (talent indicators)", library()[1])]


@hookimpl
def jixiao_outcome_types(context: PluginContext) -> list[OutcomeType]:
    def talents(cycle: str) -> list[dict]:
        if context.reader is None:
            return []
        rows = context.reader.results(cycle)
        return [r for r in rows if r["kind"] == "person" and r["group"] in GROUPS]

    return [
        OutcomeType(
            "talent_funding",
            "人才专项经费 (talent funding by tier)",
            outcomes.FundingParams,
            outcomes.talent_funding,
            columns=("funding",),
        ),
        OutcomeType(
            "title_promotion",
            "职称晋升资格 (title promotion eligibility)",
            outcomes.TitleParams,
            outcomes.title_promotion,
            columns=("title_promotion_eligible",),
        ),
        OutcomeType(
            "team_commendation",
            "突出贡献团队表彰 (outstanding contribution team)",
            outcomes.TeamParams,
            outcomes.team_commendation(talents),
            columns=("team_size", "team_mean", "team_commended"),
        ),
        OutcomeType(
            "school_performance_pay",
            "教师绩效工资 (teachers' performance pay, 40–50% share)",
            SchoolPayParams,
            apply_pay,
            columns=("pay_share", "pay_factor", "pay_fixed", "pay_performance", "pay_total"),
        ),
    ]


@hookimpl
def jixiao_value_checks() -> list[ValueCheck]:
    return [
        ValueCheck("education-whole-count", checks.whole_count, "计数为整数 (whole counts)"),
        ValueCheck(
            "education-implausible-count", checks.implausible_count, "异常值 (implausible count)"
        ),
        ValueCheck("education-score-range", checks.score_range, "评分0–100 (score range)"),
    ]


@hookimpl
def jixiao_event_kinds() -> list[EventKind]:
    return [
        EventKind(
            events.DESIGNATED,
            events.TalentDesignated,
            events.project_designated,
            "人才认定 (talent designated)",
        ),
        EventKind(
            events.FUNDED,
            events.FundingGranted,
            events.project_funded,
            "专项经费拨付 (funding granted)",
        ),
        EventKind(
            events.COMMENDED,
            events.TeamCommended,
            events.project_commended,
            "突出贡献团队表彰 (team commended)",
        ),
    ]


@hookimpl
def jixiao_cli_commands() -> list[CliCommand]:
    from plugins.education.cli import COMMANDS

    return [CliCommand(command.name, command) for command in COMMANDS]


@hookimpl
def jixiao_api_blueprints() -> list[ApiBlueprint]:
    from plugins.education.api import blueprint

    return [ApiBlueprint("education-decisions", blueprint)]
