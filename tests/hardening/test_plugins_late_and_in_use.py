"""Plugins (issue 8): one installed with pip after the server started is loaded by the
running server when a bureau needs it — never a silent 404 "not installed" — and one the
server still cannot load is reported as needing a restart; a plugin whose rule a
published scheme of an open cycle uses cannot be uninstalled, and the refusal names the
scheme and the rule."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from core.plugin_api import RuleType, hookimpl
from core.runtime import make_platform
from core.services import plugins
from core.services.context import Context
from tests.hardening.refusals import Unchanged, cli_ok, cli_refused, refused, said

FIXTURES = Path(__file__).parents[1] / "fixtures"
B1 = "/api/v1/bureaus/b1"


def pip_install(site: Path) -> None:
    """Lay the sample plugin out as pip does: the package and its dist-info with the
    ``jixiao`` entry point."""
    shutil.copytree(FIXTURES / "jixiao_sample", site / "jixiao_sample")
    info = site / "jixiao_sample-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: jixiao-sample\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text("[jixiao]\nsample = jixiao_sample\n")


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder on sys.path where "pip" installs, after the platform started."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    yield folder
    sys.modules.pop("jixiao_sample", None)


class Ghost:
    """A plugin only another process has (installed there, never here)."""

    @hookimpl
    def jixiao_rule_types(self):
        return [RuleType("ghost_rule", "幽灵", dict, lambda *a: 0)]


def test_a_plugin_installed_while_serving_is_loaded_or_reported(client, world, platform, site):
    admin = world.headers("bureau_admin")
    assert "sample" not in platform.plugins.names()  # the server's host is already built
    pip_install(site)
    # installed for b1 by another process (the command line), then used by the server
    assert "installed sample 1.2.3" in cli_ok("plugins", "install", "sample", "--bureau", "b1")
    rules = {r["name"] for r in client.get(f"{B1}/rule-types", headers=admin).json}
    assert "sample_double" in rules
    body = {"params": {"factor": "3"}, "inputs": {"value": "30"}, "points": "100"}
    r = client.post(f"{B1}/rule-types/sample_double/evaluate", json=body, headers=admin)
    assert r.status_code == 200 and r.json == {"rule": "sample_double", "score": "90"}, r.json
    # and one installed through the server itself (b2) is loaded there and then
    r = client.put("/api/v1/bureaus/b2/plugins/sample", headers=world.headers("bureau_admin", "b2"))
    assert r.status_code == 201 and r.json == {"plugin": "sample", "version": "1.2.3"}

    # a scheme of the open cycle 2026 uses its rule: uninstalling it is refused
    scheme = {"code": "doubled", "name": "加倍 (doubled)", "nodes": [
        {"code": "n", "name": "任务", "points": "100", "indicator": "i1",
         "rule": {"type": "sample_double"}}]}  # fmt: skip
    r = client.post(f"{B1}/cycles/2026/schemes?publish=true", json=scheme, headers=admin)
    assert r.status_code == 201, r.json
    with Unchanged(platform):
        problem = refused(client.delete(f"{B1}/plugins/sample", headers=admin), 409, "plugin")
        assert "scheme doubled v1 (cycle 2026) uses rule sample_double" in said(problem)
        out = cli_refused("plugins", "uninstall", "sample", "--bureau", "b1")
        assert "doubled" in out and "sample_double" in out
    # where no scheme uses it, it goes
    b2 = world.headers("bureau_admin", "b2")
    assert client.delete("/api/v1/bureaus/b2/plugins/sample", headers=b2).status_code == 204

    # a plugin only another process has, installed there for b2: this server says so
    elsewhere = make_platform()  # another process on the same database and instance
    elsewhere.plugins.register(Ghost(), "ghost")
    plugins.install(Context.system(elsewhere, "system:test"), "b2", "ghost")
    elsewhere.dispose()
    with Unchanged(platform, "b2"):
        for method, path in [
            ("get", "/api/v1/bureaus/b2/rule-types"),
            ("post", "/api/v1/bureaus/b2/rule-types/ghost_rule/evaluate"),
            ("get", "/api/v1/bureaus/b2/plugins"),
        ]:
            kwargs = {"json": {"params": {}, "inputs": {"value": "1"}}} if method == "post" else {}
            problem = refused(getattr(client, method)(path, headers=b2, **kwargs), 409, "plugins")
            assert "ghost" in problem["detail"] and "restart" in said(problem)
    # the bureau that never installed it is not affected
    assert client.get(f"{B1}/rule-types", headers=admin).status_code == 200


def test_a_plugin_a_published_scheme_uses_cannot_be_uninstalled(on_shared):
    client, admin = on_shared.client, on_shared.world.headers("bureau_admin")
    with Unchanged(on_shared.platform):
        problem = refused(client.delete(f"{B1}/plugins/rules", headers=admin), 409, "plugin")
        for rule in ("target_ratio", "deduction"):
            assert f"scheme qa v1 (cycle 2026) uses rule {rule}" in said(problem)
        assert "uses outcome type pay" in said(problem)
        out = cli_refused("plugins", "uninstall", "rules", "--bureau", "b1")
        assert "scheme qa v1" in out and "target_ratio" in out
    listed = client.get(f"{B1}/plugins", headers=admin).json
    assert "rules" in {p["name"] for p in listed}
