"""The scheme template of envprotect and what a bureau may adjust in it.

``render(settings)`` turns ``templates/envprotect.yaml`` into the scheme a bureau
imports (``jixiao schemes template envprotect --bureau B --cycle C``), with its targets:
the PM2.5 fall required (default 3%, all or nothing unless ``pm25_proportional``) and
the surface-water good-quality line (default 87%). A changed setting makes a new
version when imported again; a published version is never rewritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields, validate

from core.plugin_api import IndicatorSpec, find_node, load_template, plain_numbers

NAME = "envprotect"
TITLE = "镇（街道）生态环境保护年度考核 (towns' environmental protection)"
GROUPS = {"env-town": "镇（街道）(towns and sub-districts)"}
"""The unit groups the scheme assesses: code → 中文名 (English)."""
FILE = "envprotect.yaml"


class Settings(Schema):
    """What a bureau adjusts: ``jixiao plugins configure envprotect --bureau B --set
    pm25_target=5`` (validated here, recorded in the bureau's ledger)."""

    pm25_target = fields.Decimal(
        load_default=Decimal(3), validate=validate.Range(min=0, min_inclusive=False)
    )
    pm25_proportional = fields.Boolean(load_default=False)
    water_target = fields.Decimal(load_default=Decimal(87), validate=validate.Range(0, 100))


def indicators() -> list[IndicatorSpec]:
    """The indicators the scheme needs (added to a bureau when it imports the template)."""
    return [IndicatorSpec(**spec) for spec in load_template(__package__, FILE)["indicators"]]


def render(settings: Mapping[str, Any]) -> list[dict]:
    """The scheme with the bureau's targets applied."""
    s = Settings().load(dict(settings))
    doc = load_template(__package__, FILE)["scheme"]
    pm25 = find_node(doc, "air.pm25")["rule"]["params"]
    pm25.update(target=plain_numbers(s["pm25_target"]), proportional=s["pm25_proportional"])
    surface = find_node(doc, "water.surface")
    surface["rule"]["params"]["value"] = plain_numbers(s["water_target"])
    surface["target"] = plain_numbers(s["water_target"])
    return [doc]
