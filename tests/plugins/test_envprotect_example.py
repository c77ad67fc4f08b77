"""The envprotect example plugin (examples/envprotect) through the real engine: PM2.5
annual mean down ≥ 3% and surface water good-quality share ≥ 87% (D-04). Numbers by
hand in the comments.

The example is a separate distribution that is not installed here; the test puts its
folder on the path and registers it with the host, as its entry point would.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from core import installs
from core.values import record_values
from tests.acceptance.conftest import Office, totals

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "envprotect"


@pytest.fixture
def env(monkeypatch, platform):
    monkeypatch.syspath_prepend(str(EXAMPLE))
    module = importlib.import_module("jixiao_envprotect")
    if not platform.plugins.pm.has_plugin("envprotect"):
        platform.plugins.pm.register(module, name="envprotect")
    return module


def test_towns_assessed_on_pm25_fall_and_surface_water(platform, env):
    office = Office(platform, "env")
    with platform.db.transaction() as s:
        installs.install(s, platform, office.bureau(s), "envprotect", "test")
    office.indicators(*((i["code"], i["name"], i["measure"]) for i in env.library()))
    office.units(
        ("t-mudu", "木渎镇", "env-town"),
        ("t-luzhi", "甪直镇", "env-town"),
        ("t-xukou", "胥口镇", "env-town"),
        ("t-guangfu", "光福镇", "env-town"),
    )
    (scheme,) = env.render({"pm25_proportional": True})
    office.scheme(scheme)
    office.year(
        "t-mudu",
        env_pm25="31.0",
        env_pm25_last_year="32.0",
        env_emergency_compliance="95",
        env_water_good_share="90",
    )
    office.year(
        "t-luzhi",
        env_pm25="31.2",
        env_pm25_last_year="32.0",
        env_emergency_compliance="100",
        env_water_good_share="86.5",
    )
    office.year(
        "t-xukou",
        env_pm25="29.4",
        env_pm25_last_year="30",
        env_emergency_compliance="80",
        env_water_good_share="88",
    )
    office.year(  # no baseline recorded for 光福
        "t-guangfu", env_pm25="25", env_emergency_compliance="100", env_water_good_share="95"
    )
    results = office.results()
    # 木渎: fall 1/32 = 3.125% ≥ 3%: 40.00; emergency 20 × 95/100 = 19.00; water 90 ≥ 87:
    #       40.00 → 99.00
    # 甪直: fall 0.8/32 = 2.5%, proportional: 40 × 2.5/3 = 33.333… → 33.33; 20.00; water
    #       86.5 < 87: 0 → 53.33
    # 胥口: fall 0.6/30 = 2%: 40 × 2/3 = 26.666… → 26.67; 20 × 0.8 = 16.00; 40.00 → 82.67
    # 光福: the baseline is missing, so the PM2.5 leaf scores 0; 20.00 + 40.00 → 60.00
    assert totals(results) == {
        "t-mudu": "99.00",
        "t-luzhi": "53.33",
        "t-xukou": "82.67",
        "t-guangfu": "60.00",
    }
    assert {u: r["grade"] for u, r in results.items()} == {
        "t-mudu": "excellent",
        "t-luzhi": "unqualified",
        "t-xukou": "good",
        "t-guangfu": "qualified",
    }
    pm25 = results["t-guangfu"]["explanation"]["nodes"][0]["children"][0]
    assert pm25["periods"][0]["note"] == "missing input baseline"

    with platform.db.transaction() as s:
        done = record_values(
            s,
            platform,
            office.bureau(s),
            [
                {
                    "unit": "t-guangfu",
                    "indicator": "env_pm25",
                    "cycle": "2026",
                    "period": "2026-Q1",
                    "value": "3150",
                }
            ],
            None,
            "test",
        )
    assert [w["check"] for w in done.warnings] == ["pm25-plausible"]
