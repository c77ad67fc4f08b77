"""Plugin discovery, per-bureau installation and hook calls, and conflicts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from marshmallow import Schema

from core.cli import main
from core.domain.plugin_host import PluginError, PluginHost
from core.plugin_api import RuleType, hookimpl
from tests.helpers import entries, value_row

FIXTURES = Path(__file__).parent / "fixtures"


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_builtin_rules_plugin_is_found_through_its_entry_point(platform):
    info = platform.plugins.info("rules")
    assert info.source.startswith("entry point of jixiao")
    assert {"jixiao_rule_types", "jixiao_value_checks"} <= set(info.hooks)
    assert {"target_ratio", "threshold", "deduction"} <= set(
        platform.plugins.contributions("jixiao_rule_types")
    )


def test_plugins_list_json_shows_installations(world):
    rows = json.loads(cli("plugins", "list", "--json").output)
    rules = next(r for r in rows if r["name"] == "rules")
    assert rules["bureaus"] == ["b1", "b2"] and rules["version"]
    assert "jixiao_rule_types" in rules["hooks"]
    table = cli("plugins", "list", "--bureau", "b1").output.splitlines()
    assert table[0].split() == ["name", "version", "source"]  # no empty column of bureaus
    assert any(line.startswith("rules") for line in table[1:])


def test_install_and_uninstall_are_ledger_events(world, platform):
    assert cli("plugins", "uninstall", "rules", "--bureau", "b2").exit_code == 0
    assert entries(platform, "b2")[-1].kind == "plugin.uninstalled"
    assert json.loads(cli("plugins", "list", "--bureau", "b2", "--json").output) == []
    again = CliRunner().invoke(main, ["plugins", "uninstall", "rules", "--bureau", "b2"])
    assert again.exit_code == 1 and "not installed" in again.output
    assert cli("plugins", "install", "rules", "--bureau", "b2").exit_code == 0
    assert entries(platform, "b2")[-1].kind == "plugin.installed"
    unknown = CliRunner().invoke(main, ["plugins", "install", "nope", "--bureau", "b2"])
    assert unknown.exit_code == 1 and "no plugin named 'nope'" in unknown.output


def test_a_bureau_only_hears_its_own_plugins(client, world, platform):
    heard = []

    class Probe:
        @hookimpl
        def jixiao_events_appended(self, context, events):
            heard.extend((context.bureau, e.kind) for e in events)

        @hookimpl
        def jixiao_rule_types(self):
            return [RuleType("probe_rule", "探针", Schema, lambda *a: 0)]

    platform.plugins.register(Probe(), name="probe")
    client.put("/api/v1/bureaus/b1/plugins/probe", headers=world.headers("bureau_admin", "b1"))
    heard.clear()
    for bureau in ("b1", "b2"):
        r = client.post(
            f"/api/v1/bureaus/{bureau}/values",
            json=value_row(),
            headers=world.headers("bureau_admin", bureau),
        )
        assert r.status_code == 201
    assert heard == [("b1", "value.recorded")]
    names = {
        r["name"]
        for r in client.get(
            "/api/v1/bureaus/b1/rule-types", headers=world.headers("expert", "b1")
        ).json
    }
    assert "probe_rule" in names
    names = {
        r["name"]
        for r in client.get(
            "/api/v1/bureaus/b2/rule-types", headers=world.headers("expert", "b2")
        ).json
    }
    assert "probe_rule" not in names and "threshold" in names


def test_rule_evaluation_validates_params_with_the_plugins_schema(client, world):
    h = world.headers("expert")
    ok = client.post(
        "/api/v1/bureaus/b1/rule-types/target_ratio/evaluate",
        headers=h,
        json={"params": {"target": "90"}, "inputs": {"value": "81"}, "points": "30"},
    )
    assert ok.json == {"rule": "target_ratio", "score": "27.00"}
    bad = client.post(
        "/api/v1/bureaus/b1/rule-types/target_ratio/evaluate",
        headers=h,
        json={"params": {"target": "-1"}, "inputs": {"value": "81"}},
    )
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "params.target"


def test_conflicting_plugins_are_rejected_naming_both(tmp_path):
    (tmp_path / "rival.py").write_text(
        "from core.plugin_api import RuleType, hookimpl\n"
        "@hookimpl\n"
        "def jixiao_rule_types():\n"
        "    return [RuleType('threshold', 'x', dict, lambda *a: 0)]\n"
    )
    with pytest.raises(
        PluginError, match=r"'threshold' is contributed by both 'rival' and 'rules'"
    ):
        PluginHost(tmp_path)


def test_plugins_directory_is_loaded(tmp_path):
    (tmp_path / "local_rules.py").write_text(
        "__version__ = '0.9'\n"
        "from core.plugin_api import RuleType, hookimpl\n"
        "@hookimpl\n"
        "def jixiao_rule_types():\n"
        "    return [RuleType('local_rule', 'x', dict, lambda *a: 0)]\n"
    )
    host = PluginHost(tmp_path)
    assert host.info("local_rules").version == "0.9"
    assert "local_rule" in host.contributions("jixiao_rule_types")


def _install_distribution(target: Path) -> None:
    """Lay the sample plugin out exactly as an installer does: package + dist-info."""
    shutil.copytree(FIXTURES / "jixiao_sample", target / "jixiao_sample")
    info = target / "jixiao_sample-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: jixiao-sample\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text("[jixiao]\nsample = jixiao_sample\n")
    (info / "top_level.txt").write_text("jixiao_sample\n")


def test_third_party_distribution_is_found_by_entry_point(tmp_path, world):
    site = tmp_path / "site"
    site.mkdir()
    _install_distribution(site)
    log = tmp_path / "heard.txt"
    env = {**os.environ, "PYTHONPATH": str(site), "JIXIAO_SAMPLE_LOG": str(log)}
    jixiao = [sys.executable, "-m", "core.cli"]

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*jixiao, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=Path(__file__).parents[1],
        )

    listed = json.loads(run("plugins", "list", "--json").stdout)
    sample = next(r for r in listed if r["name"] == "sample")
    assert sample["version"] == "1.2.3" and sample["source"] == "entry point of jixiao-sample"
    assert run("plugins", "install", "sample", "--bureau", "b1").returncode == 0
    for bureau in ("b1", "b2"):
        done = run(
            "values",
            "record",
            "--bureau",
            bureau,
            "--unit",
            "u1",
            "--indicator",
            "i1",
            "--cycle",
            "2026",
            "--period",
            "2026-Q2",
            "88",
        )
        assert done.returncode == 0, done.stderr
    assert [line.split()[0::2] for line in log.read_text().splitlines()] == [
        ["b1", "value.recorded"]
    ]


def test_rule_evaluation_names_the_field_at_fault(client, world):
    """``points`` was reported as ``inputs`` and a negative total scored -50."""
    path = "/api/v1/bureaus/b1/rule-types/target_ratio/evaluate"
    base = {"params": {"target": "100"}, "inputs": {"value": "50"}}
    for extra, field in (
        ({"points": "NaN"}, "points"),
        ({"points": "-100"}, "points"),
        ({"inputs": {"value": "x"}}, "inputs.value"),
    ):
        r = client.post(path, headers=world.headers("expert"), json={**base, **extra})
        assert r.status_code == 422 and r.json["errors"][0]["field"] == field, (extra, r.json)
