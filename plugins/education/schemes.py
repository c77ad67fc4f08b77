"""The talent plan's scheme templates and their rendering with a bureau's settings.

Eight schemes, one per group (D-03 "one group, one policy"): special recruitment classes
A–D and the four cultivation tiers, each scoring research outcomes, teaching results and
social influence with its own targets and weights, and a professional-ethics veto.
All assess people (``subject: person``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugins.education import templating
from plugins.education.contributions import SchemeTemplate
from plugins.education.fields import DEFAULT_COEFFICIENTS, with_defaults
from plugins.education.settings import DEFAULT_FUNDING, EducationSettings

PACKAGE = "plugins.education"

TEMPLATES = [
    SchemeTemplate(
        "edu-recruit-a",
        "A类特聘人才 (recruitment class A)",
        "recruit-a.yaml",
        "edu-recruit-a",
        "person",
    ),
    SchemeTemplate(
        "edu-recruit-b",
        "B类特聘人才 (recruitment class B)",
        "recruit-b.yaml",
        "edu-recruit-b",
        "person",
    ),
    SchemeTemplate(
        "edu-recruit-c",
        "C类特聘人才 (recruitment class C)",
        "recruit-c.yaml",
        "edu-recruit-c",
        "person",
    ),
    SchemeTemplate(
        "edu-recruit-d",
        "D类特聘人才 (recruitment class D)",
        "recruit-d.yaml",
        "edu-recruit-d",
        "person",
    ),
    SchemeTemplate(
        "edu-master",
        "教育名家 (education masters)",
        "cultivation-master.yaml",
        "edu-master",
        "person",
    ),
    SchemeTemplate(
        "edu-leader",
        "领军人才 (leading talents)",
        "cultivation-leader.yaml",
        "edu-leader",
        "person",
    ),
    SchemeTemplate(
        "edu-backbone",
        "骨干教师 (backbone teachers)",
        "cultivation-backbone.yaml",
        "edu-backbone",
        "person",
    ),
    SchemeTemplate(
        "edu-rising",
        "教坛新秀 (rising teachers)",
        "cultivation-rising.yaml",
        "edu-rising",
        "person",
    ),
]


def library() -> dict:
    """Groups and indicators (code, 中文名, English name, measure) of the talent plan."""
    return templating.library(PACKAGE)


def render(settings: Mapping[str, Any] | None = None) -> list[dict]:
    """Every scheme with the bureau's settings applied: dimension points by group
    (children rescaled to keep adding up) and the grade lines (合格 is the bar)."""
    s = EducationSettings().load(dict(settings or {}))
    docs = []
    for template in TEMPLATES:
        doc = templating.load(PACKAGE, template.file)
        for dimension, points in s["weights"].get(template.group, {}).items():
            templating.rescale(templating.node(doc, dimension), points)
        templating.set_grade_lines(
            doc,
            {"excellent": s["excellent_min"], "good": s["good_min"], "qualified": s["pass_min"]},
            {"excellent": s["excellent_quota"]},
        )
        docs.append(doc)
    return docs


def outcome_params(settings: Mapping[str, Any] | None = None) -> dict[str, dict]:
    """The params of each outcome type, from the bureau's settings (until schemes can
    name plugin outcomes in their ``outcomes`` section)."""
    s = EducationSettings().load(dict(settings or {}))
    params = {
        "talent_funding": {
            "amounts": with_defaults(DEFAULT_FUNDING, s["funding"]),
            "grades": s["funding_grades"],
        },
        "title_promotion": {"grades": s["title_grades"], "years": s["title_years"]},
        "team_commendation": dict(s["team"]),
        "school_performance_pay": {
            "standard": s["pay_standard"],
            "share": s["performance_share"],
            "shares": s["school_shares"],
            "basis": "grade",
            "coefficients": with_defaults(DEFAULT_COEFFICIENTS, s["pay_coefficients"]),
        },
    }
    return templating.plain_numbers(params)
