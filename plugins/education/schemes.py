"""The talent plan's scheme template and its rendering with a bureau's settings.

Eight schemes, one per group (D-03 "one group, one policy"): special recruitment classes
A–D and the four cultivation tiers, each scoring research outcomes, teaching results and
social influence with its own targets and weights, and a professional-ethics veto.
All assess people (``subject: person``); each names the plugin's four outcome types,
with params taken from the settings (funding by tier, title promotion, team
commendation, performance pay).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from core.plugin_api import IndicatorSpec, find_node, load_template, plain_numbers, set_grade
from core.plugin_api import with_points as reweighted
from plugins.education.fields import DEFAULT_COEFFICIENTS, with_defaults
from plugins.education.settings import DEFAULT_FUNDING, FILES, PACKAGE, EducationSettings


@functools.cache
def library() -> tuple[dict[str, str], tuple[IndicatorSpec, ...]]:
    """Groups (code → 中文名 (English)) and indicators of the talent plan."""
    doc = load_template(PACKAGE, "library.yaml")
    groups = {g["code"]: f"{g['name']} ({g['name_en']})" for g in doc["groups"]}
    indicators = tuple(
        IndicatorSpec(i["code"], i["name"], i["name_en"], i.get("measure", ""))
        for i in doc["indicators"]
    )
    return groups, indicators


@functools.cache
def tracks() -> dict[str, str]:
    """Group (tier) → the track it belongs to (``recruitment``: classes A–D;
    ``cultivation``: the four tiers), as templates/library.yaml declares it, so a
    designation can be checked against the one place the plan is written down."""
    groups = load_template(PACKAGE, "library.yaml")["groups"]
    return {g["code"]: g["track"] for g in groups}


def render(settings: Mapping[str, Any]) -> list[dict]:
    """Every scheme with the bureau's settings applied (as stored or as hooks get them):
    dimension points by group (children share them, keeping the sums), the grade lines
    (合格 is the bar) and the outcome params."""
    s = EducationSettings().load(dict(settings))
    docs = []
    for group, filename in FILES.items():
        doc = reweighted(load_template(PACKAGE, filename), s["weights"].get(group, {}))
        set_grade(doc, "excellent", min=s["excellent_min"], quota=s["excellent_quota"])
        set_grade(doc, "good", min=s["good_min"])
        set_grade(doc, "qualified", min=s["pass_min"])
        doc["outcomes"] = outcome_params(s, group)
        find_node(doc, "ethics")  # every tier keeps its veto
        docs.append(doc)
    return docs


def outcome_params(s: Mapping[str, Any], group: str) -> dict[str, dict]:
    """The ``outcomes`` section of ``group``'s scheme, from loaded settings."""
    return plain_numbers(
        {
            "talent_funding": {
                "amount": with_defaults(DEFAULT_FUNDING, s["funding"])[group],
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
    )
