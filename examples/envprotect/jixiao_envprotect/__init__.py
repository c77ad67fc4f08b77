"""环保局绩效指标模块 (environmental-protection indicators): an example jixiao plugin.

What a plugin author copies: one package, registered under the entry-point group
``jixiao`` (see pyproject.toml), that

* contributes a scoring rule the built-in set lacks — ``reduction_rate`` (下降率): the
  share by which a value fell from a baseline, against a target such as "PM2.5 annual
  mean down at least 3%" (D-04);
* contributes an entry check — ``pm25-plausible``: a concentration no monitor reports;
* ships an indicator library and a scheme as YAML (``templates/envprotect.yaml``) with
  ``render(settings)`` applying a bureau's settings, validated by ``SETTINGS``.

Surface water ("优良比例 ≥ 87%") needs no new rule: the scheme uses the built-in
``threshold``, so a bureau installs ``rules`` and ``envprotect`` together.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml
from marshmallow import Schema, fields, validate

from core.hookspecs import RuleType, ValueCheck, ValueContext, hookimpl
from core.numbers import as_text, quantize

__version__ = "0.1.0"

# --------------------------------------------------------------------------- rule


class ReductionParams(Schema):
    """``target``: the fall required, in percent of the baseline. ``proportional``:
    partial credit below the target (points × fall ÷ target) instead of all or none."""

    target = fields.Decimal(required=True, validate=validate.Range(min=0, min_inclusive=False))
    proportional = fields.Boolean(load_default=False)


def reduction_rate(inputs: Mapping[str, Any], p: Mapping[str, Any], points: Decimal) -> Decimal:
    """下降率: fall = (baseline − value) ÷ baseline × 100. The leaf names its baseline
    indicator as the input ``baseline`` (``inputs: {baseline: env_pm25_last_year}``).
    A rise, or a baseline that is not positive, earns nothing."""
    if "baseline" not in inputs:
        raise ValueError("reduction_rate needs an input named baseline: inputs: {baseline: …}")
    baseline = inputs["baseline"]
    if baseline <= 0:
        return quantize(Decimal(0))
    fall = (baseline - inputs["value"]) / baseline * 100
    if fall >= p["target"]:
        return quantize(points)
    if not p["proportional"] or fall <= 0:
        return quantize(Decimal(0))
    return quantize(points * fall / p["target"])


# --------------------------------------------------------------------------- check

PM25 = ("env_pm25", "env_pm25_last_year")
PM25_CEILING = Decimal(500)


def pm25_plausible(ctx: ValueContext) -> list[str]:
    """An annual mean PM2.5 concentration is above 0 and below 500 μg/m³ (the top of the
    air-quality index); anything else is a unit slip (mg for μg) or a typo."""
    if ctx.indicator in PM25 and not 0 < ctx.value < PM25_CEILING:
        return [f"PM2.5浓度{ctx.value}不在合理范围 (PM2.5 {ctx.value} μg/m³ outside 0–500)"]
    return []


# --------------------------------------------------------------------------- hooks


@hookimpl
def jixiao_rule_types() -> list[RuleType]:
    return [
        RuleType(
            name="reduction_rate",
            title="下降率 (reduction against a baseline)",
            params_schema=ReductionParams,
            score=reduction_rate,
            description="full points when the value fell from its baseline by at least "
            "target percent; optionally proportional below it",
        )
    ]


@hookimpl
def jixiao_value_checks() -> list[ValueCheck]:
    return [ValueCheck(name="pm25-plausible", check=pm25_plausible)]


# --------------------------------------------------------------------------- templates


class Settings(Schema):
    """What a bureau may adjust."""

    pm25_target = fields.Decimal(
        load_default=Decimal(3), validate=validate.Range(min=0, min_inclusive=False)
    )
    pm25_proportional = fields.Boolean(load_default=False)
    water_target = fields.Decimal(load_default=Decimal(87), validate=validate.Range(0, 100))


SETTINGS = Settings
TEMPLATES = [{"name": "env-towns", "title": "镇（街道）生态环境保护年度考核", "subject": "unit"}]


@cache
def _template() -> dict:
    text = resources.files(__name__).joinpath("templates", "envprotect.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def library() -> list[dict]:
    """The indicators the scheme needs: ``{code, name, name_en, measure}``."""
    return copy.deepcopy(_template()["indicators"])


def render(settings: Mapping[str, Any] | None = None) -> list[dict]:
    """The scheme with the bureau's targets applied."""
    s = Settings().load(dict(settings or {}))
    scheme = copy.deepcopy(_template()["scheme"])
    pm25 = _leaf(scheme, "air.pm25")["rule"]["params"]
    pm25.update(target=as_text(s["pm25_target"]), proportional=s["pm25_proportional"])
    surface = _leaf(scheme, "water.surface")
    surface["rule"]["params"]["value"] = as_text(s["water_target"])
    surface["target"] = as_text(s["water_target"])
    return [scheme]


def _leaf(scheme: dict, code: str) -> dict:
    return next(c for n in scheme["nodes"] for c in n.get("children", []) if c["code"] == code)
