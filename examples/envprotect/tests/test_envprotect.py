"""envprotect's own tests, on the installed package, with jixiao's pytest fixtures:
``jixiao_office`` is a bureau on a fresh database with the plugins of the
``jixiao_plugins`` mark installed, driven through jixiao's services. Numbers by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from jixiao_envprotect import contributions, scheme
from marshmallow import ValidationError

PLUGINS = pytest.mark.jixiao_plugins("rules", "envprotect")
TOWNS = (("t1", "越溪街道", "env-town"), ("t2", "木渎镇", "env-town"))


def _year(office, town: str, pm25: str, last: str, emergency: str, water: str) -> dict:
    return office.year(
        town,
        env_pm25=pm25,
        env_pm25_last_year=last,
        env_emergency_compliance=emergency,
        env_water_good_share=water,
    )


@PLUGINS
def test_towns_are_scored_on_pm25_and_surface_water(jixiao_office):
    done = jixiao_office.template("envprotect")
    assert [(s["code"], s["status"]) for s in done["schemes"]] == [("env-towns", "published")]
    jixiao_office.units(*TOWNS)
    _year(jixiao_office, "t1", pm25="31.0", last="32.0", emergency="95", water="90")
    _year(jixiao_office, "t2", pm25="31.2", last="32.0", emergency="100", water="86")
    found = jixiao_office.results()
    # t1: PM2.5 fell 1 ÷ 32 = 3.125% ≥ 3% → 40; emergency 20 × 95% = 19; water 90 ≥ 87 → 40
    assert (found["t1"]["total"], found["t1"]["grade"]) == ("99.00", "excellent")
    # t2: fell 0.8 ÷ 32 = 2.5% < 3% → 0 (all or nothing); 20; water 86 < 87 → 0
    assert (found["t2"]["total"], found["t2"]["grade"]) == ("20.00", "unqualified")


@PLUGINS
def test_a_bureau_setting_is_a_new_version_of_the_scheme(jixiao_office):
    from core.services import schemes

    jixiao_office.template("envprotect")
    jixiao_office.units(TOWNS[1])
    _year(jixiao_office, "t2", pm25="31.2", last="32.0", emergency="100", water="86")
    jixiao_office.configure("envprotect", {"pm25_proportional": True})
    done = jixiao_office.template("envprotect", publish=False)
    assert [(s["version"], s["status"]) for s in done["schemes"]] == [(2, "draft")]
    assert jixiao_office.totals() == {"t2": "20.00"}  # version 1 still scores the year
    schemes.publish(jixiao_office.ctx, jixiao_office.code, "2026", "env-towns")
    # proportional: 40 × 2.5 ÷ 3 = 33.333… → 33.33; + 20 + 0 → 53.33
    assert jixiao_office.totals() == {"t2": "53.33"}


@PLUGINS
def test_an_implausible_concentration_is_warned_about(jixiao_office):
    jixiao_office.template("envprotect")
    jixiao_office.units(*TOWNS)
    warned = _year(jixiao_office, "t1", pm25="600", last="32", emergency="90", water="90")
    assert [w["message"] for w in warned["warnings"] if w["check"] == "pm25-plausible"] == [
        "PM2.5浓度600不在合理范围 (PM2.5 600 μg/m³ outside 0–500)"
    ]


def test_the_rule_by_hand():
    def score(value: str, baseline: str, **params) -> Decimal:
        loaded = contributions.ReductionParams().load({"target": "3", **params})
        inputs = {"value": Decimal(value), "baseline": Decimal(baseline)}
        return contributions.reduction_rate(inputs, loaded, Decimal(40))

    assert score("38.8", "40") == Decimal("40.00")  # exactly 3%
    assert score("31.2", "32.0", proportional=True) == Decimal("33.33")
    assert score("33", "32.0", proportional=True) == Decimal("0.00")  # a rise
    assert score("10", "0") == Decimal("0.00")
    with pytest.raises(ValidationError):
        contributions.ReductionParams().load({"target": "0"})
    with pytest.raises(ValidationError):
        scheme.render({"water_target": "120"})
