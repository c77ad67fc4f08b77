"""The ``community-correction`` template: the social-worker scheme (12 items, 51 rules;
people) and the justice offices' mediation scheme (units), rendered with a bureau's
settings."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from core.plugin_api import IndicatorSpec, find_node, load_template, plain_numbers, set_grade
from plugins.community_correction.settings import PACKAGE, CorrectionSettings

FILES = ("social-worker.yaml", "justice-office-mediation.yaml")


@functools.cache
def library() -> tuple[dict[str, str], tuple[IndicatorSpec, ...]]:
    """Groups (code → 中文名 (English)) and indicators: one per rule of the social-worker
    scheme, and the platform's case count."""
    doc = load_template(PACKAGE, "library.yaml")
    groups = {g["code"]: f"{g['name']} ({g['name_en']})" for g in doc["groups"]}
    indicators = tuple(
        IndicatorSpec(i["code"], i["name"], i["name_en"], i.get("measure", ""))
        for i in doc["indicators"]
    )
    return groups, indicators


def _set(doc: dict, code: str, **params: Any) -> None:
    """Set rule params of leaf ``code``; a rule ``target`` is the leaf's (warning) target
    too."""
    node = find_node(doc, code)
    node["rule"]["params"].update(plain_numbers(params))
    if "target" in params:
        node["target"] = plain_numbers(params["target"])


def render(settings: Mapping[str, Any]) -> list[dict]:
    """Both schemes with the bureau's settings (as stored or as hooks get them):
    deduction amounts, the bonus cap, the grade ceiling after an abscondence, grade lines
    and quota, the targets of the data-fed rules, and the pay outcome's params."""
    s = CorrectionSettings().load(dict(settings))
    worker, office = (load_template(PACKAGE, name) for name in FILES)
    for code, per_item in s["deductions"].items():
        _set(worker, code, per_item=per_item)
    _set(worker, "visit.rate", target=s["visit_target"])
    for doc, success, duration in (
        (worker, "mediation.success", "mediation.duration"),
        (office, "success", "duration"),
    ):
        _set(doc, success, target=s["mediation_success_target"])
        _set(doc, duration, target=s["mediation_days_target"])
    steps = []
    for step in worker["post"]:
        if step["type"] == "node_cap":
            step["params"]["cap"] = plain_numbers(s["bonus_cap"])
        if step["type"] == "grade_ceiling":
            if s["abscond_ceiling"] is None:
                continue
            step["params"]["cap"] = s["abscond_ceiling"]
        steps.append(step)
    worker["post"] = steps
    for doc in (worker, office):
        set_grade(doc, "good", min=s["good_min"])
        set_grade(doc, "qualified", min=s["pass_min"])
    set_grade(worker, "excellent", min=s["excellent_min"], quota=s["excellent_quota"])
    set_grade(office, "excellent", min=s["excellent_min"])
    worker["outcomes"]["correction_worker_pay"] = plain_numbers(
        {
            "standard": s["pay_standard"],
            "share": s["performance_share"],
            "basis": s["pay_basis"],
            "coefficients": dict(s["pay_coefficients"]),
        }
    )
    return [worker, office]
