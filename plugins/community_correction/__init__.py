"""社区矫正 (community correction): the sector module for a judicial bureau.

Models Wuzhong's assessment of community-correction and resettlement social workers
(seed 002, D-10, D-42): 12 items and 51 rules, 100 points by deduction with capped
bonus items, a safety veto and a grade ceiling after an abscondence; pay split into a
fixed part and a performance part (80% + 20% by default); and the 苏解纷 online mediation
platform's export (mediation time, success rate, ratings) read as data, not typed.
Social workers are people (``subject: person``); a second, unit-level scheme ranks the
justice offices (司法所) on the platform's figures each quarter.

Contributes, for bureaus that install it (with ``rules``, whose rules the schemes use):
the template and indicator library ``community-correction``, its settings, the post
steps ``node_cap`` and ``grade_ceiling``, the outcome type ``correction_worker_pay``,
three entry checks, the importer ``sujiefen-mediation``, the event kinds of incidents
and platform imports, the commands ``jixiao community_correction …`` and their read
API. See docs/plugins/community_correction.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from marshmallow import Schema

from core.plugin_api import (
    ApiBlueprint,
    CliCommand,
    Event,
    EventKind,
    Importer,
    IndicatorLibrary,
    OutcomeType,
    PluginContext,
    PostProcessor,
    SchemeTemplate,
    ValueCheck,
    hookimpl,
)
from plugins.community_correction import checks, events, mediation_import, pay, post
from plugins.community_correction.schemes import library, render
from plugins.community_correction.settings import CorrectionSettings

__version__ = "0.2.0"


@hookimpl
def jixiao_settings_schema() -> type[Schema]:
    return CorrectionSettings


@hookimpl
def jixiao_scheme_templates() -> list[SchemeTemplate]:
    groups, indicators = library()
    return [
        SchemeTemplate(
            "community-correction",
            "社区矫正社工（12大项51条细则）与司法所调解考核 (social workers and justice offices)",
            indicators,
            render,
            groups,
            "百分制减分为主、加分为辅，一票否决，固定工资+绩效报酬；苏解纷平台数据 (D-10, D-42)",
        )
    ]


@hookimpl
def jixiao_indicator_libraries() -> list[IndicatorLibrary]:
    return [IndicatorLibrary("community-correction", "社区矫正指标库 (correction)", library()[1])]


@hookimpl
def jixiao_post_processors() -> list[PostProcessor]:
    return [
        PostProcessor(
            "node_cap",
            "分项封顶 (cap on a node, e.g. bonus ≤ 5)",
            post.NodeCapParams,
            "score",
            post.node_cap,
        ),
        PostProcessor(
            "grade_ceiling",
            "等次上限 (grade ceiling after a deduction)",
            post.GradeCeilingParams,
            "grade",
            post.grade_ceiling,
        ),
    ]


@hookimpl
def jixiao_outcome_types() -> list[OutcomeType]:
    return [
        OutcomeType(
            "correction_worker_pay",
            "社工薪酬：固定工资+绩效报酬 (social workers' pay: fixed + performance)",
            pay.WorkerPayParams,
            pay.worker_pay,
            columns=pay.COLUMNS,
        )
    ]


@hookimpl
def jixiao_value_checks() -> list[ValueCheck]:
    return [
        ValueCheck("cc-stats-without-cases", checks.stats_without_cases, "无案件却有统计值"),
        ValueCheck("cc-rating-scale", checks.rating_scale, "群众评价1–5分 (rating scale)"),
        ValueCheck("cc-mediation-overdue", checks.mediation_overdue, "调解超期 (overdue)"),
    ]


@hookimpl
def jixiao_importers() -> list[Importer]:
    return [
        Importer(
            events.IMPORTER,
            "“苏解纷”调解统计导入 (Sujiefen mediation statistics)",
            ("csv", "json"),
            mediation_import.parse,
        )
    ]


@hookimpl
def jixiao_event_kinds() -> list[EventKind]:
    return [
        EventKind(
            events.INCIDENT,
            events.IncidentReported,
            events.project_incident,
            "安全事故报告 (incident reported)",
        ),
        EventKind(
            events.IMPORTED,
            events.PlatformImported,
            events.project_imported,
            "平台数据导入 (platform export imported)",
        ),
    ]


@hookimpl
def jixiao_events_appended(context: PluginContext, events: Sequence[Event]) -> None:
    from plugins.community_correction.events import imported

    imported(context, events)


@hookimpl
def jixiao_cli_commands() -> list[CliCommand]:
    from plugins.community_correction.cli import COMMANDS

    return [CliCommand(command.name, command) for command in COMMANDS]


@hookimpl
def jixiao_api_blueprints() -> list[ApiBlueprint]:
    from plugins.community_correction.api import blueprint

    return [ApiBlueprint("community-correction-records", blueprint)]
