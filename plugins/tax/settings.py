"""Per-bureau settings of the tax plugin and the templates they render.

A bureau adjusts weights (leaf points; parents and totals follow), the hard-indicator
line for contactless service, the bonus cap, the grade a missed hard indicator caps
at, the excellent line and quota, pay pools, the rectification rule and the core
indicators watched by the early warning (``jixiao plugins configure tax --bureau B
--set bonus_cap=4``). :func:`render` turns the templates under ``templates/`` into
the scheme documents of the ``tax`` template (``jixiao schemes template tax …``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.plugin_api import find_node, load_template, plain_numbers, set_grade, with_points
from plugins.tax.alerts import DEFAULT_CORE_INDICATORS, CoreIndicatorSpec
from plugins.tax.rectification import RectificationParams

PACKAGE = "plugins.tax"
SCHEMES = {"tax-branch": "branch.yaml", "tax-section": "section.yaml", "tax-post": "post.yaml"}
"""Scheme code → its file under templates/: branches and sections (units), officers
(people, ``subject: person``)."""
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
    """Node points by scheme code and node code, e.g. ``{tax-branch: {daily: 14,
    half: 12}}``; an inner node's children share its points, parents follow, and the
    scored total must stay the scheme's."""
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
        """Settings are valid only if every template still renders and adds up, and name
        only schemes and grades the templates have."""
        for field in ("points", "pay_pools"):
            unknown = sorted(set(data[field]) - set(SCHEMES))
            if unknown:
                raise ValidationError(
                    f"没有方案 {', '.join(unknown)}（可用：{', '.join(SCHEMES)}） "
                    f"(no scheme {', '.join(unknown)} (the templates: {', '.join(SCHEMES)}))",
                    field,
                )
        try:
            docs = _apply(data)
        except (KeyError, ValueError) as exc:
            raise ValidationError(str(exc).strip("'\""), "points") from exc
        for doc in docs:
            if doc.get("subject") == "person":
                continue
            codes = [g["code"] for g in doc["grades"]]
            for field, named in (("hard_cap", [data["hard_cap"]]),
                                 ("pay_coefficients", list(data["pay_coefficients"]))):  # fmt: skip
                unknown = sorted(set(named) - set(codes))
                if unknown:
                    raise ValidationError(
                        f"{', '.join(unknown)} 不是 {doc['code']} 的等次：{', '.join(codes)} "
                        f"({', '.join(unknown)}: not a grade of {doc['code']}: "
                        f"{', '.join(codes)})",
                        field,
                    )


def render(settings: Mapping[str, Any]) -> list[dict]:
    """The scheme documents with the bureau's settings applied (as stored or as hooks
    get them; loaded and validated here)."""
    return _apply(TaxSettings().load(dict(settings)))


def _apply(s: Mapping[str, Any]) -> list[dict]:
    docs = []
    for code, filename in SCHEMES.items():
        doc = with_points(load_template(PACKAGE, filename), s["points"].get(code, {}))
        if _has(doc, CONTACTLESS_LEAF):
            leaf = find_node(doc, CONTACTLESS_LEAF)
            leaf["rule"]["params"]["value"] = plain_numbers(s["contactless_min"])
            leaf["target"] = plain_numbers(s["contactless_min"])
        if _has(doc, BONUS_NODE):
            find_node(doc, BONUS_NODE)["points"] = plain_numbers(s["bonus_cap"])
        for step in doc.get("post", []):
            if step["type"] == "hard_indicator":
                step["params"]["below"] = find_node(doc, step["params"]["node"])["points"]
                step["params"]["cap"] = s["hard_cap"]
        if doc.get("subject") != "person":
            set_grade(doc, "excellent", min=s["excellent_min"], quota=s["excellent_quota"])
            pay = doc.get("outcomes", {}).get("pay")
            if pay is not None:
                pay["pool"] = plain_numbers(s["pay_pools"].get(code, Decimal(0)))
                pay["coefficients"] = plain_numbers(dict(s["pay_coefficients"]))
        docs.append(doc)
    return docs


def _has(doc: Mapping[str, Any], code: str) -> bool:
    try:
        find_node(doc, code)
    except KeyError:
        return False
    return True
