"""Per-bureau settings of the staffing office plugin and the templates they render.

A staffing office adjusts each group's weights (leaf points; parents follow, totals
stay 100), the recognition coefficient (range, the weights of difficulty and
precision, trimming, panel size), the 一等/二等 lines and the 一等 quota, whether the
dual linkage applies, the monitoring tolerance and the staffing outcome rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from plugins.staffing_office.monitoring import MonitoringParams
from plugins.staffing_office.outcomes import StaffingLinkageParams
from plugins.staffing_office.recognition import RecognitionParams
from plugins.tax.contributions import Template
from plugins.tax.schemekit import as_plain, load_yaml, with_leaf_points

FOLDER = Path(__file__).parent / "templates"
SERVICE_GROUPS = ("party", "support", "economic", "social", "enterprise", "enforcement")
TEMPLATES = [
    Template(
        "staffing-department",
        "主管部门综合考核等次 (supervising departments)",
        FOLDER / "department.yaml",
        "department",
    ),
    *[
        Template(f"staffing-{group}", f"事业单位绩效考核：{group}", FOLDER / f"{group}.yaml", group)
        for group in SERVICE_GROUPS
    ],
]


def _decimal(default: Decimal, **kwargs: Any) -> fields.Decimal:
    return fields.Decimal(load_default=default, as_string=True, **kwargs)


class StaffingSettings(Schema):
    """What a staffing office may adjust; every field has the templates' default."""

    class Meta:
        ordered = True

    points = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(
            keys=fields.String(), values=fields.Decimal(validate=validate.Range(min=0))
        ),
        load_default=dict,
    )
    """Leaf points by template and leaf code, e.g. ``{staffing-party: {task: 55,
    service: 15}}``; inner nodes follow, the total must stay 100."""
    coefficient_low = _decimal(Decimal("0.8"), validate=validate.Range(min=0))
    coefficient_high = _decimal(Decimal("1.2"), validate=validate.Range(min=0))
    difficulty_weight = _decimal(Decimal("0.5"), validate=validate.Range(min=0, max=1))
    precision_weight = _decimal(Decimal("0.5"), validate=validate.Range(min=0, max=1))
    trim = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=0, max=3))
    panel_size = fields.Integer(load_default=5, strict=True, validate=validate.Range(min=3, max=25))
    """Experts drawn per panel (``jixiao panels draw --size``); with ``trim`` 1 the
    highest and lowest of each unit's ratings are dropped."""
    first_min = _decimal(Decimal(90), validate=validate.Range(min=0))
    first_quota = _decimal(Decimal("0.3"), validate=validate.Range(min=Decimal("0.0001"), max=1))
    second_min = _decimal(Decimal(75), validate=validate.Range(min=0))
    linkage = fields.Boolean(load_default=True)
    monitoring = fields.Nested(MonitoringParams, load_default=lambda: MonitoringParams().load({}))
    outcome = fields.Nested(
        StaffingLinkageParams, load_default=lambda: StaffingLinkageParams().load({})
    )

    @validates_schema
    def _renders(self, data: dict, **_: Any) -> None:
        if data["first_min"] < data["second_min"]:
            raise ValidationError("一等 needs at least the 二等 line", "first_min")
        try:
            docs = _apply(data)
        except (KeyError, ValueError) as exc:
            raise ValidationError(str(exc).strip("'\""), "points") from exc
        for doc in docs:
            for step in doc.get("post", []):
                if step["type"] == "recognition":
                    try:
                        RecognitionParams().load(step["params"])
                    except ValidationError as exc:
                        raise ValidationError(exc.normalized_messages(), "recognition") from exc


def render(settings: Mapping[str, Any]) -> list[dict]:
    """Every template as a scheme document with the bureau's settings applied
    (settings as stored, ``{}`` for the defaults; validated here)."""
    return _apply(StaffingSettings().load(dict(settings)))


def _apply(s: Mapping[str, Any]) -> list[dict]:
    docs = []
    for template in TEMPLATES:
        doc = with_leaf_points(load_yaml(template.path), s["points"].get(template.code, {}))
        if template.group in SERVICE_GROUPS:
            for step in doc["post"]:
                if step["type"] == "recognition":
                    step["params"].update(
                        as_plain(
                            {
                                "low": s["coefficient_low"],
                                "high": s["coefficient_high"],
                                "difficulty_weight": s["difficulty_weight"],
                                "precision_weight": s["precision_weight"],
                            }
                        )
                    )
                    step["params"]["trim"] = s["trim"]
            if not s["linkage"]:
                doc["post"] = [p for p in doc["post"] if p["type"] != "linkage_across_groups"]
            first, second = doc["grades"][0], doc["grades"][1]
            first["min"], first["quota"] = as_plain(s["first_min"]), as_plain(s["first_quota"])
            second["min"] = as_plain(s["second_min"])
        docs.append(doc)
    return docs
