"""Who reaches a plugin's views (API endpoints, console pages, commands).

A plugin's views show the whole bureau: every unit's rectification notice, every
community-correction incident, every unit's rank in the monitoring report, the expert
pool with its recusals. The core never shows a reporter more than its own units, so a
role limited to some units gets 403 from a plugin's views unless the view is declared
``scoped`` (it promises to show only ``context.units``). Decided in one place,
:func:`core.services.plugins.plugin_view`, for the API, the console and commands."""

from __future__ import annotations

import pytest
from flask import Blueprint, jsonify

from core.plugin_api import ApiBlueprint, ConsolePage, current_context, hookimpl
from core.services import plugins, users
from tests.plugins.support import Office, cli

BUNDLED = {
    "tax": (["/notices", "/notices/2026-03/u2"], ["tax", "notice-list"]),
    "community_correction": (["/incidents", "/imports"], ["community_correction", "incidents"]),
    "staffing_office": (
        ["/experts", "/monitoring", "/monitoring/2026-Q1"],
        ["staffing_office", "experts"],
    ),
    "education": (
        ["/talents", "/funding?cycle=2026", "/teams?cycle=2026"],
        ["education", "talents"],
    ),
}


def _office(platform, plugins_installed: tuple[str, ...]) -> tuple[Office, dict, dict]:
    office = Office(platform, "b1", ("rules", *plugins_installed))
    office.units(("u1", "一号单位", None), ("u2", "二号单位", None))
    office.users("reporter", "rep", units_of=["u1"])
    office.users("bureau_admin", "adm")

    def headers(user: str) -> dict:
        token = users.create_token(office.ctx, "b1", user)["token"]
        return {"Authorization": f"Bearer {token}"}

    return office, headers("rep"), headers("adm")


@pytest.mark.parametrize("plugin", sorted(BUNDLED))
def test_a_reporter_reaches_no_bundled_plugins_views(platform, client, plugin):
    _, reporter, admin = _office(platform, (plugin,))
    paths, command = BUNDLED[plugin]
    for path in paths:
        url = f"/api/v1/bureaus/b1/plugins/{plugin}{path}"
        refused = client.get(url, headers=reporter)
        assert refused.status_code == 403, (url, refused.json)
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert "whole bureau" in refused.json["detail"]
        assert client.get(url, headers=admin).status_code in (200, 404), url  # 404: no notice
    out = cli("--as", "rep@b1", *command, "--bureau", "b1", ok=False)
    assert out.exit_code == 1 and "whole bureau" in out.output, out.output
    assert cli("--as", "adm@b1", *command, "--bureau", "b1").exit_code == 0


class Scoped:
    """A plugin with one scoped view (each unit's own figure) and one that is not."""

    def __init__(self) -> None:
        self.blueprint = Blueprint("scoped_api", __name__)
        self.blueprint.add_url_rule("/mine", "mine", self.mine)
        self.whole = Blueprint("whole_api", __name__)
        self.whole.add_url_rule("/all", "all", self.all_units)
        self.page = Blueprint("scoped_page", __name__)
        self.page.add_url_rule("/", "index", self.mine)

    def mine(self, bureau: str):
        context = current_context()
        units = [u.code for u in context.reader.units()]
        shown = units if context.units is None else [u for u in units if u in context.units]
        return jsonify(shown)

    def all_units(self, bureau: str):
        return jsonify([u.code for u in current_context().reader.units()])

    @hookimpl
    def jixiao_api_blueprints(self) -> list[ApiBlueprint]:
        return [ApiBlueprint("mine", self.blueprint, scoped=True), ApiBlueprint("all", self.whole)]

    @hookimpl
    def jixiao_console_pages(self) -> list[ConsolePage]:
        return [ConsolePage("mine", "本单位 (mine)", self.page, "scoped_page.index", scoped=True)]


def test_a_scoped_view_shows_a_reporter_its_own_units(platform, client):
    from core.app import create_app

    platform.plugins.register(Scoped(), "scoped")
    office, reporter, admin = _office(platform, ())
    plugins.install(office.ctx, "b1", "scoped")
    client = create_app(platform=platform).test_client()
    base = "/api/v1/bureaus/b1/plugins/scoped"
    assert client.get(f"{base}/mine", headers=reporter).get_json() == ["u1"]
    assert client.get(f"{base}/mine", headers=admin).get_json() == ["u1", "u2"]
    assert client.get(f"{base}/all", headers=reporter).status_code == 403
    assert client.get(f"{base}/all", headers=admin).get_json() == ["u1", "u2"]
