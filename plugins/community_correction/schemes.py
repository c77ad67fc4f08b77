"""The social-worker scheme (12 items, 51 rules) and the justice offices' mediation
scheme, rendered with a bureau's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.numbers import as_text
from plugins.community_correction.settings import PACKAGE, CorrectionSettings
from plugins.education import templating
from plugins.education.contributions import SchemeTemplate
from plugins.education.fields import DEFAULT_COEFFICIENTS, with_defaults

TEMPLATES = [
    SchemeTemplate(
        "cc-social-worker",
        "社区矫正和安置帮教专职社会工作者绩效考核 (social workers: 12 items, 51 rules)",
        "social-worker.yaml",
        "cc-worker",
        "person",
    ),
    SchemeTemplate(
        "cc-office-mediation",
        "司法所矛盾纠纷化解季度考核 (justice offices' mediation, quarterly)",
        "justice-office-mediation.yaml",
        "sfs",
        "unit",
    ),
]


def library() -> dict:
    """Groups and indicators (code, 中文名, English name, measure): one indicator per rule
    of the social-worker scheme, and the platform's case count."""
    return templating.library(PACKAGE)


def _set_param(doc: dict, code: str, **params: Any) -> None:
    rule = templating.node(doc, code)["rule"]
    rule["params"].update({k: as_text(v) for k, v in params.items()})


def render(settings: Mapping[str, Any] | None = None) -> list[dict]:
    """Both schemes with the bureau's settings: deduction amounts, the bonus cap, the
    grade ceiling after an abscondence, grade lines and quota, and the targets of the
    data-fed rules."""
    s = CorrectionSettings().load(dict(settings or {}))
    worker, office = (templating.load(PACKAGE, t.file) for t in TEMPLATES)
    for code, per_item in s["deductions"].items():
        _set_param(worker, code, per_item=per_item)
    _set_param(worker, "visit.rate", target=s["visit_target"])
    templating.node(worker, "visit.rate")["target"] = as_text(s["visit_target"])
    for doc, success, duration in (
        (worker, "mediation.success", "mediation.duration"),
        (office, "success", "duration"),
    ):
        _set_param(doc, success, target=s["mediation_success_target"])
        _set_param(doc, duration, target=s["mediation_days_target"])
        templating.node(doc, success)["target"] = as_text(s["mediation_success_target"])
        templating.node(doc, duration)["target"] = as_text(s["mediation_days_target"])
    steps = []
    for step in worker["post"]:
        if step["type"] == "node_cap":
            step["params"]["cap"] = as_text(s["bonus_cap"])
        if step["type"] == "grade_ceiling":
            if s["abscond_ceiling"] is None:
                continue
            step["params"]["cap"] = s["abscond_ceiling"]
        steps.append(step)
    worker["post"] = steps
    lines = {"excellent": s["excellent_min"], "good": s["good_min"], "qualified": s["pass_min"]}
    templating.set_grade_lines(worker, lines, {"excellent": s["excellent_quota"]})
    templating.set_grade_lines(office, lines)
    return [worker, office]


def outcome_params(settings: Mapping[str, Any] | None = None) -> dict[str, dict]:
    """The params of each outcome type, from the bureau's settings."""
    s = CorrectionSettings().load(dict(settings or {}))
    return templating.plain_numbers(
        {
            "correction_worker_pay": {
                "standard": s["pay_standard"],
                "share": s["performance_share"],
                "basis": s["pay_basis"],
                "coefficients": with_defaults(DEFAULT_COEFFICIENTS, s["pay_coefficients"]),
            }
        }
    )
