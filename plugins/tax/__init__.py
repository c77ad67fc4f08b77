"""Tax (税务) sector plugin: a district tax bureau's organisational performance.

D-01 strategy → annual key task → KPI decomposition; D-11 the dynamic points system
(daily points, quarterly ranking, half-year assessment, year-end review; 12
quantitative indicators and 36 bonus/deduction items; monthly rectification notices
for the bottom-ranked departments); D-16 audit and inspection findings as deductions
citing the finding; D-22 early warnings on core indicators; 文明单位 and 非接触式办税
as hard indicators. See docs/plugins/tax.md.

Registered today: the rule ``daily_points``, the post steps ``points_cap`` and
``hard_indicator``, the value check ``core-indicator-alert``. The module-level lists
below are for the plugin API v1 hooks (templates, indicator library, settings, event
kinds, outcome types, importers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from core.hookspecs import PostProcessor, RuleType, ValueCheck, hookimpl
from plugins.tax import alerts, items, post, rectification, rules
from plugins.tax.contributions import EventKind, Importer, OutcomeType
from plugins.tax.schemekit import load_library
from plugins.tax.settings import TEMPLATES, TaxSettings, render

__version__ = "0.1.0"

SETTINGS = TaxSettings
GROUPS, INDICATORS = load_library(Path(__file__).parent / "templates" / "library.yaml")
CATALOGUE = list(items.catalogue().values())
"""The 36 bonus and deduction items (:class:`items.PointsItem`), B01…B12 then D01…D24."""

EVENT_KINDS = [
    EventKind(
        rectification.NOTICED,
        "整改通报 (rectification notice)",
        rectification.RectificationNoticeSchema,
        "a bottom-ranked department's monthly rectification notice (D-11)",
    ),
    EventKind(
        rectification.CLOSED,
        "整改销号 (rectification closed)",
        rectification.RectificationClosedSchema,
        "the department's rectification, verified, closing a notice",
    ),
]


def monthly_notices(
    cycle: str,
    rows: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any],
    history: Sequence[Any],
) -> list[dict]:
    """Outcome-type form of :func:`rectification.rectification_due`: ``rows`` are one
    month's standing, ``history`` the notices of earlier months; the notices are dated
    the first day after the month (the console may date them when actually issued)."""
    if not rows:
        return []
    period = rows[0]["period"]
    year, month = int(period[:4]), int(period[5:7])
    issued = dt.date(year + month // 12, month % 12 + 1, 1)
    return rectification.rectification_due(rows, params, cycle, issued, history)


OUTCOME_TYPES = [
    OutcomeType(
        "rectification_notice",
        "月度整改通报 (monthly rectification notice)",
        rectification.RectificationParams,
        monthly_notices,
        "bottom of each group in a month's standing, and anyone below the line (D-11)",
    )
]

IMPORTERS = [
    Importer(
        "tax-daily-points",
        "日积分导入 (daily points from the points platform)",
        items.PointsEventSchema,
        "items",
        items.points_rows,
        columns=tuple(items.PointsEventSchema().fields),
        description="one row per event: unit, day, item (B01…D24), count, note, evidence; "
        "finding items (D21…D24) also finding_reference and finding_issue",
    )
]

__all__ = [
    "CATALOGUE",
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
def jixiao_rule_types() -> list[RuleType]:
    return [
        RuleType(
            "daily_points",
            "日积分 (daily points)",
            rules.DailyPointsParams,
            rules.daily_points,
            "points recorded by day as bonus or deduction items; the mean over the "
            "cycle's days is the sum (each day annualised × days)",
        )
    ]


@hookimpl
def jixiao_post_processors() -> list[PostProcessor]:
    return [
        PostProcessor(
            "points_cap", "积分封顶 (points cap)", post.PointsCapParams, "score", post.points_cap
        ),
        PostProcessor(
            "hard_indicator",
            "硬性指标 (hard indicator)",
            post.HardIndicatorParams,
            "grade",
            post.hard_indicator,
        ),
    ]


@hookimpl
def jixiao_value_checks() -> list[ValueCheck]:
    return [ValueCheck(name="core-indicator-alert", check=alerts.core_indicator_alert)]
