"""社区矫正 (community correction): the sector module for a judicial bureau.

Models Wuzhong's assessment of community-correction and resettlement social workers
(seed 002, D-10, D-42): 12 items and 51 rules, 100 points by deduction with capped
bonus items, a safety veto and a grade ceiling after an abscondence; pay split into a
fixed part and a performance part (80% + 20% by default); and the 苏解纷 online mediation
platform's export (mediation time, success rate, ratings) read as data, not typed.
Social workers are people: their scheme has ``subject: person``. A second, unit-level
scheme ranks the justice offices (司法所) on the platform's figures each quarter.

Registered through the ``jixiao`` entry point as ``community_correction``. Scoring uses
the built-in rules (install ``rules`` too); this plugin adds two post-processors and
three entry checks today, and lists its settings, templates, outcome type, event kinds
and importer for plugin API v1. See docs/plugins/community_correction.md.
"""

from __future__ import annotations

from core.hookspecs import PostProcessor, ValueCheck, hookimpl
from plugins.community_correction import checks, events, mediation_import, post
from plugins.community_correction.schemes import TEMPLATES, library, outcome_params, render
from plugins.community_correction.settings import CorrectionSettings
from plugins.education.contributions import EventKind, Importer, OutcomeType
from plugins.education.pay import PayParams, apply_pay

__version__ = "0.1.0"

SETTINGS = CorrectionSettings
"""Per-bureau settings: performance share (20%) and pay standard, deduction amounts by
rule, bonus cap, grade ceiling, grade lines and quota, targets of the data-fed rules."""

OUTCOME_TYPES = [
    OutcomeType(
        "correction_worker_pay",
        "社工薪酬：固定工资+绩效报酬 (social workers' pay: fixed + performance)",
        PayParams,
        apply_pay,
        "fixed part plus the performance share times total ÷ 100 (or a grade coefficient)",
    ),
]

EVENT_KINDS = [
    EventKind(
        "community_correction.incident_reported",
        "安全事故报告 (incident reported)",
        events.IncidentReported,
        "an abscondence, reoffence or incident in a worker's caseload",
    ),
    EventKind(
        "community_correction.platform_imported",
        "平台数据导入 (platform export imported)",
        events.PlatformImported,
        "an export file read (its SHA-256) and the source keys of its rows",
    ),
]

IMPORTERS = [
    Importer(
        "sujiefen-mediation",
        "“苏解纷”调解统计导入 (Sujiefen mediation statistics)",
        ("csv", "json"),
        mediation_import.parse,
        "mediation cases, success rate, average days and public rating per mediator "
        "or office and period",
    ),
]

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

POST_PROCESSORS = (
    (
        "node_cap",
        "分项封顶 (cap on a node, e.g. bonus ≤ 5)",
        post.NodeCapParams,
        "score",
        post.node_cap,
    ),
    (
        "grade_ceiling",
        "等次上限 (grade ceiling after a deduction)",
        post.GradeCeilingParams,
        "grade",
        post.grade_ceiling,
    ),
)


@hookimpl
def jixiao_post_processors() -> list[PostProcessor]:
    return [PostProcessor(*row) for row in POST_PROCESSORS]


@hookimpl
def jixiao_value_checks() -> list[ValueCheck]:
    return [
        ValueCheck(name="cc-stats-without-cases", check=checks.stats_without_cases),
        ValueCheck(name="cc-rating-scale", check=checks.rating_scale),
        ValueCheck(name="cc-mediation-overdue", check=checks.mediation_overdue),
    ]
