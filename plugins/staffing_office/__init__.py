"""Staffing office (编办) sector plugin: a municipal staffing office's assessment of
public institutions (事业单位), after Linyi.

D-03 six groups by service attribute, one scheme each ("一组一策"), and the supervising
departments; D-14 the recognition coefficient from randomly drawn experts rating goal
difficulty and precision, multiplied into goal completion; D-15 the dual linkage with
the supervising department across groups, grades 一等/二等/三等; D-20 quarterly
monitoring; D-31 results bound to staffing. See docs/plugins/staffing_office.md.

Registered today: the post steps ``recognition`` and ``linkage_across_groups`` and the
value check ``quarterly-progress``. The module-level lists below are for the plugin API
v1 hooks.
"""

from __future__ import annotations

from pathlib import Path

from core.hookspecs import PostProcessor, ValueCheck, hookimpl
from plugins.staffing_office import experts, linkage, monitoring, outcomes, recognition
from plugins.staffing_office.settings import TEMPLATES, StaffingSettings, render
from plugins.tax.contributions import EventKind, Importer, OutcomeType
from plugins.tax.schemekit import load_library

__version__ = "0.1.0"

SETTINGS = StaffingSettings
GROUPS, INDICATORS = load_library(Path(__file__).parent / "templates" / "library.yaml")

EVENT_KINDS = [
    EventKind(
        experts.ADDED,
        "专家入库 (expert added to the pool)",
        experts.ExpertAddedSchema,
        "an expert user joins the pool: expertise, organisation, term, units to recuse from",
    ),
    EventKind(
        experts.RETIRED,
        "专家出库 (expert retired from the pool)",
        experts.ExpertRetiredSchema,
        "an expert leaves the pool: date and reason",
    ),
    EventKind(
        monitoring.PUBLISHED,
        "季度监控报告发布 (quarterly monitoring report published)",
        monitoring.MonitoringPublishedSchema,
        "the digest, counts and attention list of a published quarterly report",
    ),
]

OUTCOME_TYPES = [
    OutcomeType(
        "staffing_linkage",
        "编制资源挂钩 (results bound to staffing)",
        outcomes.StaffingLinkageParams,
        outcomes.staffing_linkage,
        "priority, keep, review or reduce, from the grade and earlier cycles' grades",
    )
]

IMPORTERS = [
    Importer(
        "staffing-quarterly-progress",
        "季度进展填报 (quarterly progress reports)",
        monitoring.ProgressRowSchema,
        "values",
        monitoring.progress_rows,
        columns=tuple(monitoring.ProgressRowSchema().fields),
        description="unit, quarter (2026-Q2), cumulative completion %, note → goal_completion",
    ),
    Importer(
        "staffing-expert-pool",
        "专家库名册 (expert pool roster)",
        experts.ExpertAddedSchema,
        experts.ADDED,
        experts.pool_rows,
        columns=tuple(experts.ExpertAddedSchema().fields),
        description="one expert a row; recuse lists unit codes separated by ';'",
    ),
]

__all__ = [
    "EVENT_KINDS",
    "GROUPS",
    "IMPORTERS",
    "INDICATORS",
    "OUTCOME_TYPES",
    "SETTINGS",
    "TEMPLATES",
    "render",
]


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
def jixiao_value_checks() -> list[ValueCheck]:
    return [ValueCheck(name="quarterly-progress", check=monitoring.progress_check)]
