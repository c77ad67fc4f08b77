"""The example plugin's own tests: the rule by hand-computed numbers, the check, and the
rendered scheme through jixiao's scheme validator with the rules a bureau would have."""

from __future__ import annotations

from decimal import Decimal

import jixiao_envprotect as env
import pytest
from marshmallow import ValidationError

from core.assessment.schemes import normalise
from core.hookspecs import ValueContext
from core.plugins import PluginHost


def score(value: str, baseline: str, points: str = "40", **params) -> Decimal:
    loaded = env.ReductionParams().load({"target": "3", **params})
    inputs = {"value": Decimal(value), "baseline": Decimal(baseline)}
    return env.reduction_rate(inputs, loaded, Decimal(points))


def test_reduction_rate_all_or_nothing_and_proportional():
    # 32.0 → 31.0: fall 1/32 = 3.125% ≥ 3%: all 40 points
    assert score("31.0", "32.0") == Decimal("40.00")
    # 32.0 → 31.2: fall 0.8/32 = 2.5% < 3%: nothing, or 40 × 2.5/3 = 33.333… → 33.33
    assert score("31.2", "32.0") == Decimal("0.00")
    assert score("31.2", "32.0", proportional=True) == Decimal("33.33")
    # exactly 3%: 40 → 38.8 met
    assert score("38.8", "40") == Decimal("40.00")
    # a rise earns nothing, proportional or not
    assert score("33", "32.0", proportional=True) == Decimal("0.00")
    assert score("10", "0") == Decimal("0.00")
    with pytest.raises(ValidationError):
        env.ReductionParams().load({"target": "0"})
    with pytest.raises(ValueError, match="baseline"):
        env.reduction_rate({"value": Decimal(1)}, {"target": Decimal(3)}, Decimal(40))


def test_pm25_plausible():
    def ctx(value: str) -> ValueContext:
        return ValueContext("env", "t1", "env_pm25", "2026", "2026", Decimal(value))

    assert env.pm25_plausible(ctx("31.5")) == []
    assert env.pm25_plausible(ctx("0.0315")) == []  # plausible as a number; mg are caught
    assert env.pm25_plausible(ctx("0")) == ["PM2.5浓度0不在合理范围 (PM2.5 0 μg/m³ outside 0–500)"]
    assert env.pm25_plausible(ctx("31500")) != []


def test_the_rendered_scheme_passes_the_validator():
    host = PluginHost()
    if not host.pm.has_plugin("envprotect"):  # not installed: register it by hand
        host.pm.register(env, name="envprotect")
    rules = host.rule_types(["rules", "envprotect"])
    indicators = {i["code"] for i in env.library()}
    (doc,) = env.render({"pm25_target": "5", "pm25_proportional": True, "water_target": "90"})
    found, errors = normalise(doc, rules, indicators)
    assert errors == []
    pm25, surface = (n for n in found["nodes"] if n["code"] in ("air.pm25", "water.surface"))
    assert pm25["rule"]["params"] == {"target": "5", "proportional": True}
    assert pm25["inputs"] == {"baseline": "env_pm25_last_year"}
    assert surface["rule"]["params"] == {"op": ">=", "value": "90"}
    (default,) = env.render()
    assert default["nodes"][1]["children"][0]["rule"]["params"]["value"] == "87"
    with pytest.raises(ValidationError):
        env.render({"water_target": "120"})
