"""Plugins' own API endpoints, answered per bureau.

A plugin's blueprint is mounted at ``/api/v1/bureaus/<bureau>/plugins/<plugin>/``. Before
its view runs, the caller is authenticated (as everywhere under ``/api/v1``), the bureau
must have installed the plugin (else 404), and a unit of work is opened: reading for GET,
writing (bureau admins) otherwise. The view gets its :class:`core.plugin_api.PluginContext`
from :func:`core.plugin_api.current_context` and the unit of work commits when it
returns, or rolls back when it raises.
"""

from __future__ import annotations

from flask import Flask, g, request

from core.api.context import ctx
from core.kernel.errors import FieldError, NotFound

PREFIX = "/api/v1/bureaus/<bureau>/plugins"


def register(app: Flask) -> None:
    host = app.extensions["jixiao"].plugins
    owners: dict[str, str] = {}
    for plugin, item in host.platform_items("jixiao_api_blueprints"):
        app.register_blueprint(item.blueprint, url_prefix=f"{PREFIX}/{plugin}")
        owners[item.blueprint.name] = plugin
    if not owners:
        return

    @app.before_request
    def _open_plugin_work() -> None:
        plugin = owners.get(request.blueprint or "")
        if plugin is None:
            return
        bureau = (request.view_args or {}).get("bureau", "")
        reading = request.method in ("GET", "HEAD")
        manager = (
            ctx().current(bureau, "bureau.read")
            if reading
            else ctx().writing(bureau, "bureau.manage")
        )
        work = manager.__enter__()
        g.jixiao_plugin_work = manager
        if plugin not in work.installed:
            manager.__exit__(None, None, None)
            g.pop("jixiao_plugin_work")
            raise NotFound(
                f"plugin {plugin} is not installed for bureau {bureau}",
                [FieldError("plugin", "not installed")],
            )
        g.jixiao_plugin_context = work.context_for(plugin)

    @app.teardown_request
    def _close_plugin_work(error: BaseException | None) -> None:
        manager = g.pop("jixiao_plugin_work", None)
        if manager is not None:
            if error is None:
                manager.__exit__(None, None, None)
            else:
                manager.__exit__(type(error), error, error.__traceback__)
