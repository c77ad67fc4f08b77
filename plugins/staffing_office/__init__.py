"""Staffing office (编办) sector plugin: a municipal staffing office's assessment of
public institutions (事业单位), after Linyi.

D-03 six groups by service attribute, one scheme each ("一组一策"), and the supervising
departments; D-14 the recognition coefficient from randomly drawn experts rating goal
difficulty and precision, multiplied into goal completion; D-15 the dual linkage with
the supervising department across groups, grades 一等/二等/三等; D-20 quarterly
monitoring; D-31 results bound to staffing. See docs/plugins/staffing_office.md.

Contributes, for bureaus that install it: the template and indicator library
``staffing``, its settings, the post steps ``recognition`` and
``linkage_across_groups``, the outcome type ``staffing_linkage``, the value check
``quarterly-progress``, the event kinds of the expert pool and the monitoring reports,
the importer ``staffing-quarterly-progress``, the commands ``jixiao staffing_office …``
and the read API of the pool and the reports.
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
    PostProcessor,
    SchemeTemplate,
    ValueCheck,
    hookimpl,
    load_template,
)
from plugins.staffing_office import experts, linkage, monitoring, outcomes, recognition
from plugins.staffing_office.settings import PACKAGE, StaffingSettings, render

__version__ = "0.2.0"


@functools.cache
def library() -> tuple[dict[str, str], tuple[IndicatorSpec, ...]]:
    """Groups (code → 中文名 (English)) and indicators of templates/library.yaml."""
    doc = load_template(PACKAGE, "library.yaml")
    groups = {g["code"]: f"{g['name']} ({g['name_en']})" for g in doc["groups"]}
    indicators = tuple(
        IndicatorSpec(i["code"], i["name"], i["name_en"], i.get("measure", ""))
        for i in doc["indicators"]
    )
    return groups, indicators


@hookimpl
def jixiao_settings_schema() -> type[Schema]:
    return StaffingSettings


@hookimpl
def jixiao_scheme_templates() -> list[SchemeTemplate]:
    groups, indicators = library()
    return [
        SchemeTemplate(
            "staffing",
            "事业单位绩效考核：六类服务属性分组与主管部门 (public institutions, six groups)",
            indicators,
            render,
            groups,
            "一组一策，认同度系数，主管部门双向挂钩，一等/二等/三等 (D-03, D-14, D-15)",
        )
    ]


@hookimpl
def jixiao_indicator_libraries() -> list[IndicatorLibrary]:
    return [IndicatorLibrary("staffing", "事业单位绩效指标库 (institutions)", library()[1])]


@hookimpl
def jixiao_post_processors() -> list[PostProcessor]:
    return [
        PostProcessor(
            "recognition",
            "认同度系数：难易度与精准度 (recognition coefficient: difficulty and precision)",
            recognition.RecognitionParams,
            "score",
            recognition.recognition,
        ),
        PostProcessor(
            "linkage_across_groups",
            "主管部门双向挂钩（跨组别）(department dual linkage across groups)",
            linkage.LinkageAcrossGroupsParams,
            "grade",
            linkage.linkage_across_groups,
        ),
    ]


@hookimpl
def jixiao_outcome_types() -> list[OutcomeType]:
    return [
        OutcomeType(
            "staffing_linkage",
            "编制资源挂钩 (results bound to staffing)",
            outcomes.StaffingLinkageParams,
            outcomes.staffing_linkage,
            columns=outcomes.COLUMNS,
        )
    ]


@hookimpl
def jixiao_value_checks() -> list[ValueCheck]:
    return [
        ValueCheck(
            "quarterly-progress", monitoring.progress_check, "季度进展预警 (quarterly progress)"
        )
    ]


@hookimpl
def jixiao_event_kinds() -> list[EventKind]:
    return [
        EventKind(
            experts.ADDED,
            experts.ExpertAddedSchema,
            experts.project_added,
            "专家入库 (expert added to the pool)",
        ),
        EventKind(
            experts.RETIRED,
            experts.ExpertRetiredSchema,
            experts.project_retired,
            "专家出库 (expert retired from the pool)",
        ),
        EventKind(
            monitoring.PUBLISHED,
            monitoring.MonitoringPublishedSchema,
            monitoring.project_published,
            "季度监控报告发布 (quarterly monitoring report published)",
        ),
    ]


@hookimpl
def jixiao_importers() -> list[Importer]:
    return [
        Importer(
            "staffing-quarterly-progress",
            "季度进展填报 (quarterly progress reports)",
            ("csv",),
            monitoring.parse_progress,
        )
    ]


@hookimpl
def jixiao_cli_commands() -> list[CliCommand]:
    from plugins.staffing_office.cli import COMMANDS

    return [CliCommand(command.name, command) for command in COMMANDS]


@hookimpl
def jixiao_api_blueprints() -> list[ApiBlueprint]:
    from plugins.staffing_office.api import blueprint

    return [ApiBlueprint("staffing-reports", blueprint)]
