"""Hooks no bundled plugin implements, exercised through the real plugin host.

``jixiao_console_pages``: the web console that will serve the pages is not on the main
line yet, so these tests show what the host itself does with them, which the console
relies on: it asks every loaded plugin, installed for a bureau or not and without a
context, keeps who contributed each page, sorts them by name, refuses the same page name
from two plugins (naming both), and refuses an implementation that asks for a
``context`` the hook does not have.
"""

from __future__ import annotations

import pytest
from flask import Blueprint
from pluggy import PluginValidationError

from core.domain.plugin_host import PluginError
from core.plugin_api import ConsolePage, hookimpl

HOOK = "jixiao_console_pages"


def _pages(name: str, *pages: tuple[str, str]) -> Blueprint:
    """A blueprint with one view per page."""
    bp = Blueprint(f"{name}_pages", __name__)
    for page, title in pages:

        def view(bureau: str, title: str = title) -> str:
            return f"<h1>{title}</h1>"

        bp.add_url_rule(f"/{page}", page, view)
    return bp


class Monitoring:
    """季度监测: two pages."""

    def __init__(self) -> None:
        self.blueprint = _pages("monitoring", ("quarterly", "季度监测"), ("alerts", "预警"))

    @hookimpl
    def jixiao_console_pages(self) -> list[ConsolePage]:
        return [
            ConsolePage(
                "quarterly",
                "季度监测 (quarterly monitoring)",
                self.blueprint,
                "monitoring_pages.quarterly",
            ),
            ConsolePage("alerts", "预警 (alerts)", self.blueprint, "monitoring_pages.alerts"),
        ]


class Rival:
    """A second plugin whose page takes a name the first already uses."""

    @hookimpl
    def jixiao_console_pages(self) -> list[ConsolePage]:
        bp = _pages("rival", ("quarterly", "另一个"))
        return [ConsolePage("quarterly", "另一个 (another)", bp, "rival_pages.quarterly")]


def test_pages_are_collected_per_plugin_sorted_and_installed_or_not(platform, world):
    monitoring = Monitoring()
    platform.plugins.register(monitoring, name="monitoring")
    assert HOOK in platform.plugins.info("monitoring").hooks
    # installed for no bureau: console pages are asked of every loaded plugin
    found = platform.plugins.platform_items(HOOK)
    assert [(plugin, page.name) for plugin, page in found] == [
        ("monitoring", "alerts"),
        ("monitoring", "quarterly"),
    ]
    page = dict((p.name, p) for _, p in found)["quarterly"]
    assert page.blueprint is monitoring.blueprint and page.title.startswith("季度监测")
    assert platform.plugins.contributions(HOOK, ["rules"]) == {}


def test_the_same_page_name_from_two_plugins_is_refused_naming_both(platform):
    platform.plugins.register(Monitoring(), name="monitoring")
    platform.plugins.register(Rival(), name="rival")
    with pytest.raises(PluginError, match=r"'quarterly' is contributed by both"):
        platform.plugins.platform_items(HOOK)


def test_an_implementation_asking_for_a_context_is_refused(platform):
    class AsksForContext:
        @hookimpl
        def jixiao_console_pages(self, context):
            return []

    with pytest.raises(PluginValidationError, match=r"\{'context'\}"):
        platform.plugins.register(AsksForContext(), name="asks")
