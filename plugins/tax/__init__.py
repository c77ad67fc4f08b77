"""Tax (税务) sector plugin: a district tax bureau's organisational performance.

D-01 strategy → annual key task → KPI decomposition; D-11 the dynamic points system
(daily points, quarterly ranking, half-year assessment, year-end review; 12
quantitative indicators and 36 bonus/deduction items; monthly rectification notices
for the bottom-ranked departments); D-16 audit and inspection findings as deductions
citing the finding; D-22 early warnings on core indicators; 文明单位 and 非接触式办税
as hard indicators; officers' post KPIs (people as subjects). See docs/plugins/tax.md.

Contributes, for bureaus that install it: the template ``tax`` (branches, sections,
officers) and the indicator library ``tax``, its settings, the post step
``hard_indicator``, the outcome type ``rectification_record``, the value check
``core-indicator-alert``, the event kinds ``tax.rectification.noticed``/``closed``,
the importer ``tax-daily-points``, the commands ``jixiao tax …`` and the read API of
the notices.
"""

from __future__ import annotations

import functools

from marshmallow import Schema

from core.plugin_api import (
    ApiBlueprint,
    CliCommand,
    EventKind,
    Importer,
    IndicatorLibrary,
    IndicatorSpec,
    OutcomeType,
    PluginContext,
    PostProcessor,
    SchemeTemplate,
    ValueCheck,
    hookimpl,
    load_template,
)
from plugins.tax import alerts, items, outcomes, post, rectification
from plugins.tax.settings import PACKAGE, TaxSettings, render

__version__ = "0.2.0"


@functools.cache
def library() -> tuple[dict[str, str], tuple[IndicatorSpec, ...]]:
    """Groups (code → 中文名 (English)) and indicators of templates/library.yaml."""
    doc = load_template(PACKAGE, "library.yaml")
    groups = {g["code"]: f"{g['name']} ({g['name_en']})" for g in doc["groups"]}
    groups["officer"] = "税务干部 (tax officers)"
    indicators = tuple(
        IndicatorSpec(i["code"], i["name"], i["name_en"], i.get("measure", ""))
        for i in doc["indicators"]
    )
    return groups, indicators


@hookimpl
def jixiao_settings_schema() -> type[Schema]:
    return TaxSettings


@hookimpl
def jixiao_scheme_templates() -> list[SchemeTemplate]:
    groups, indicators = library()
    return [
        SchemeTemplate(
            "tax",
            "税务绩效考评：派出机构、机关股室、岗位 (tax: branches, sections, officers)",
            indicators,
            render,
            groups,
            "战略—年度重点任务—KPI三级分解，日积分、季排名、半年考核、年终评议，硬性指标，"
            "一票否决；干部岗位绩效 (D-01, D-11, D-16, D-22)",
        )
    ]


@hookimpl
def jixiao_indicator_libraries() -> list[IndicatorLibrary]:
    return [IndicatorLibrary("tax", "税务绩效指标库 (tax indicators)", library()[1])]


@hookimpl
def jixiao_post_processors() -> list[PostProcessor]:
    return [
        PostProcessor(
            "hard_indicator",
            "硬性指标 (hard indicator)",
            post.HardIndicatorParams,
            "grade",
            post.hard_indicator,
        )
    ]


@hookimpl
def jixiao_outcome_types(context: PluginContext) -> list[OutcomeType]:
    def notices() -> list[dict]:
        return context.records.all("notices") if context.records is not None else []

    return [
        OutcomeType(
            "rectification_record",
            "整改通报记录 (rectification notices of the year)",
            outcomes.RecordParams,
            outcomes.rectification_record(notices),
            columns=outcomes.COLUMNS,
        )
    ]


@hookimpl
def jixiao_value_checks(context: PluginContext) -> list[ValueCheck]:
    core = context.settings.get("core_indicators", alerts.DEFAULT_CORE_INDICATORS)
    return [
        ValueCheck(
            "core-indicator-alert",
            lambda value: alerts.core_indicator_alert(value, core),
            "核心指标连续异常预警 (core indicator alert)",
        )
    ]


@hookimpl
def jixiao_event_kinds() -> list[EventKind]:
    return [
        EventKind(
            rectification.NOTICED,
            rectification.RectificationNoticeSchema,
            rectification.project_notice,
            "整改通报 (rectification notice)",
        ),
        EventKind(
            rectification.CLOSED,
            rectification.RectificationClosedSchema,
            rectification.project_closed,
            "整改销号 (rectification closed)",
        ),
    ]


@hookimpl
def jixiao_importers() -> list[Importer]:
    return [
        Importer(
            "tax-daily-points",
            "日积分导入：积分平台导出 (daily points from the points platform)",
            ("csv",),
            items.parse_points,
        )
    ]


@hookimpl
def jixiao_cli_commands() -> list[CliCommand]:
    from plugins.tax.cli import COMMANDS

    return [CliCommand(command.name, command) for command in COMMANDS]


@hookimpl
def jixiao_api_blueprints() -> list[ApiBlueprint]:
    from plugins.tax.api import blueprint

    return [ApiBlueprint("tax-notices", blueprint)]
