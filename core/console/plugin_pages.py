"""Pages plugins contribute (``jixiao_console_pages``), mounted per bureau.

Each contributed blueprint is mounted at ``/bureaus/<bureau>/plugins/<plugin>/`` and
gets the console's checks (session, CSRF, headers). Before its view runs, a unit of work
is opened on the bureau in the URL as the signed-in user — reading for GET, writing
(``plugins.manage``) otherwise — and the plugin must be installed there, else 404; the
view reads its :class:`core.plugin_api.PluginContext` from ``current_context()``, like a
plugin's API view (see :mod:`core.api.plugin_routes`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, request

from core.console import auth
from core.services import plugins

PREFIX = "/bureaus/<bureau>/plugins"


@dataclass(frozen=True)
class PageLink:
    plugin: str
    name: str
    title: str
    endpoint: str


def pages(app: Flask, installed: list[str], whole_bureau: bool = True) -> list[PageLink]:
    """The pages of the plugins a bureau installed, for its 插件 page; for a caller who
    does not see the whole bureau, only the pages declared ``scoped`` (the others
    would answer 403)."""
    return [
        PageLink(
            plugin, item.name, item.title, f"{item.blueprint.name}.{item.endpoint.split('.')[-1]}"
        )
        for plugin, item in app.extensions.get("jixiao_console_pages", [])
        if plugin in installed and (whole_bureau or item.scoped)
    ]


def _opener(plugin: str, scoped: bool):
    def open_plugin_work() -> None:
        if g.get("principal") is None:
            return  # the console's check already refused or redirected
        bureau = (request.view_args or {}).get("bureau", "")
        write = request.method not in ("GET", "HEAD")
        manager = plugins.plugin_view(
            auth.ctx(), bureau, plugin, write, scoped, permission="plugins.manage"
        )
        g.jixiao_plugin_context = manager.__enter__()  # 404 / 403 leave nothing open
        g.jixiao_console_work = manager

    return open_plugin_work


def register(app: Flask) -> None:
    items = app.extensions["jixiao"].plugins.platform_items("jixiao_console_pages")
    app.extensions["jixiao_console_pages"] = items
    for plugin, item in items:
        if not getattr(item.blueprint, "jixiao_protected", False):
            auth.protect(item.blueprint)  # session and CSRF first
            item.blueprint.before_request(_opener(plugin, item.scoped))
        app.register_blueprint(item.blueprint, url_prefix=f"{PREFIX}/{plugin}")
    if not items:
        return

    @app.teardown_request
    def _close_plugin_work(error: BaseException | None) -> None:
        manager = g.pop("jixiao_console_work", None)
        if manager is not None:
            if error is None:
                manager.__exit__(None, None, None)
            else:
                manager.__exit__(type(error), error, error.__traceback__)
