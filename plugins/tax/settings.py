"""Per-bureau settings of the tax plugin and the templates they render.

A bureau adjusts weights (leaf points; parents and totals follow), the hard-indicator
line for contactless service, the bonus cap, the grade a missed hard indicator caps
at, the excellent line and quota, pay pools, the rectification rule and the core
indicators watched by the early warning. :func:`render` turns the templates under
``templates/`` into scheme documents ready for ``jixiao schemes import``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from plugins.tax.alerts import DEFAULT_CORE_INDICATORS, CoreIndicatorSpec
from plugins.tax.contributions import Template
from plugins.tax.rectification import RectificationParams
from plugins.tax.schemekit import (
    as_plain,
    find_node,
    leaves,
    load_yaml,
    set_rule_params,
    with_leaf_points,
)

FOLDER = Path(__file__).parent / "templates"
TEMPLATES = [
    Template("tax-branch", "派出机构绩效考评 (branch offices)", FOLDER / "branch.yaml", "branch"),
    Template(
        "tax-section", "机关股室绩效考评 (bureau sections)", FOLDER / "section.yaml", "section"
    ),
    Template(
        "tax-post",
        "岗位绩效考评（数字人事）(officers' post KPIs)",
        FOLDER / "post.person.yaml",
        "officer",
        subject="person",
    ),
]
CONTACTLESS_LEAF = "S4.K1.contactless"
BONUS_NODE = "bonus"


def _decimal(**kwargs: Any) -> fields.Decimal:
    return fields.Decimal(as_string=True, **kwargs)


class TaxSettings(Schema):
    """What a bureau may adjust; every field has the default the templates ship with."""

    class Meta:
        ordered = True

    points = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=_decimal(validate=validate.Range(min=0))),
        load_default=dict,
    )
    """Leaf points by template code and leaf code, e.g. ``{tax-branch: {daily: 14,
    half: 12}}``; inner nodes follow and the scored total must stay the template's."""
    cycle_days = fields.Integer(
        load_default=365, strict=True, validate=validate.Range(min=1, max=366)
    )
    """Day periods in the cycle (366 in a leap year): the daily points rule's ``days``."""
    contactless_min = _decimal(load_default=Decimal(90), validate=validate.Range(min=0, max=100))
    bonus_cap = _decimal(load_default=Decimal(5), validate=validate.Range(min=0))
    hard_cap = fields.String(load_default="good", validate=validate.Length(min=1, max=64))
    excellent_min = _decimal(load_default=Decimal(90), validate=validate.Range(min=0))
    excellent_quota = _decimal(
        load_default=Decimal("0.3"), validate=validate.Range(min=Decimal("0.0001"), max=1)
    )
    pay_pools = fields.Dict(
        keys=fields.String(),
        values=_decimal(validate=validate.Range(min=0)),
        load_default=lambda: {"tax-branch": Decimal(600000), "tax-section": Decimal(300000)},
    )
    pay_coefficients = fields.Dict(
        keys=fields.String(),
        values=_decimal(validate=validate.Range(min=0)),
        load_default=lambda: {
            "excellent": Decimal("1.2"),
            "good": Decimal("1.0"),
            "qualified": Decimal("0.8"),
            "unqualified": Decimal(0),
        },
    )
    rectification = fields.Nested(
        RectificationParams, load_default=lambda: RectificationParams().load({})
    )
    core_indicators = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(CoreIndicatorSpec),
        load_default=lambda: dict(DEFAULT_CORE_INDICATORS),
    )

    @validates_schema
    def _renders(self, data: dict, **_: Any) -> None:
        """Settings are valid only if every template still renders and adds up."""
        try:
            docs = _apply(data)
        except (KeyError, ValueError) as exc:
            raise ValidationError(str(exc).strip("'\""), "points") from exc
        for doc in docs:
            if doc.get("subject") == "person":
                continue
            codes = [g["code"] for g in doc["grades"]]
            if data["hard_cap"] not in codes:
                raise ValidationError(
                    f"not a grade of {doc['code']}: {', '.join(codes)}", "hard_cap"
                )


def render(settings: Mapping[str, Any]) -> list[dict]:
    """The scheme documents of every template with the bureau's settings applied
    (settings as stored, e.g. ``{}`` for the defaults; validated here)."""
    return _apply(TaxSettings().load(dict(settings)))


def _apply(s: Mapping[str, Any]) -> list[dict]:
    docs = []
    for template in TEMPLATES:
        doc = with_leaf_points(load_yaml(template.path), s["points"].get(template.code, {}))
        for leaf, _ in leaves(doc):
            if leaf["rule"]["type"] == "daily_points":
                leaf["rule"]["params"]["days"] = s["cycle_days"]
        if _has(doc, CONTACTLESS_LEAF):
            set_rule_params(doc, CONTACTLESS_LEAF, value=s["contactless_min"])
            find_node(doc, CONTACTLESS_LEAF)["target"] = as_plain(s["contactless_min"])
        if _has(doc, BONUS_NODE):
            find_node(doc, BONUS_NODE)["points"] = as_plain(s["bonus_cap"])
        for step in doc.get("post", []):
            if step["type"] == "points_cap" and step["params"]["node"] == BONUS_NODE:
                step["params"]["max"] = as_plain(s["bonus_cap"])
            if step["type"] == "hard_indicator":
                step["params"]["below"] = find_node(doc, step["params"]["node"])["points"]
                step["params"]["cap"] = s["hard_cap"]
        if template.subject == "unit":
            top = doc["grades"][0]
            top["min"], top["quota"] = as_plain(s["excellent_min"]), as_plain(s["excellent_quota"])
            pay = doc.get("outcomes", {}).get("pay")
            if pay is not None:
                pay["pool"] = as_plain(s["pay_pools"].get(template.code, Decimal(0)))
                pay["coefficients"] = as_plain(dict(s["pay_coefficients"]))
        docs.append(doc)
    return docs


def _has(doc: Mapping[str, Any], code: str) -> bool:
    try:
        find_node(doc, code)
    except KeyError:
        return False
    return True
