"""Per-bureau settings of the staffing office plugin and the templates they render.

A staffing office adjusts each group's weights (leaf points; parents follow, totals
stay 100), the recognition coefficient (range, the weights of difficulty and
precision, trimming, panel size), the 一等/二等 lines and the 一等 quota, whether the
dual linkage applies, the monitoring tolerance and the staffing outcome rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.plugin_api import load_template, plain_numbers, set_grade, with_points
from plugins.staffing_office.monitoring import MonitoringParams
from plugins.staffing_office.outcomes import StaffingLinkageParams
from plugins.staffing_office.recognition import RecognitionParams

PACKAGE = "plugins.staffing_office"
SERVICE_GROUPS = ("party", "support", "economic", "social", "enterprise", "enforcement")
"""The six groups by service attribute (D-03), one scheme each (templates/<group>.yaml);
the supervising departments are a seventh group (templates/department.yaml)."""


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
    """Node points by scheme and node code, e.g. ``{staffing-party: {task: 55,
    service: 15}}``; children share an inner node's points, parents follow, the total
    must stay 100."""
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
            raise ValidationError(
                "一等分数线不得低于二等 (一等 needs at least the 二等 line)", "first_min"
            )
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
    """Every scheme of the ``staffing`` template with the bureau's settings applied
    (as stored or as hooks get them; loaded and validated here)."""
    return _apply(StaffingSettings().load(dict(settings)))


def _apply(s: Mapping[str, Any]) -> list[dict]:
    docs = []
    for group in ("department", *SERVICE_GROUPS):
        code = f"staffing-{group}"
        doc = with_points(load_template(PACKAGE, f"{group}.yaml"), s["points"].get(code, {}))
        if group in SERVICE_GROUPS:
            for step in doc["post"]:
                if step["type"] == "recognition":
                    step["params"].update(
                        plain_numbers(
                            {
                                "low": s["coefficient_low"],
                                "high": s["coefficient_high"],
                                "difficulty_weight": s["difficulty_weight"],
                                "precision_weight": s["precision_weight"],
                                "trim": s["trim"],
                            }
                        )
                    )
            if not s["linkage"]:
                doc["post"] = [p for p in doc["post"] if p["type"] != "linkage_across_groups"]
            set_grade(doc, "first", min=s["first_min"], quota=s["first_quota"])
            set_grade(doc, "second", min=s["second_min"])
            doc["outcomes"]["staffing_linkage"] = plain_numbers(
                StaffingLinkageParams().dump(s["outcome"])
            )
        docs.append(doc)
    return docs
