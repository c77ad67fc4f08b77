"""Plugins' own API endpoints, answered per bureau.

A plugin's blueprint is mounted at ``/api/v1/bureaus/<bureau>/plugins/<plugin>/``. Before
its view runs, the caller is authenticated (as everywhere under ``/api/v1``), the bureau
must have installed the plugin (else 404), and a unit of work is opened: reading for GET,
writing (bureau admins) otherwise. The view gets its :class:`core.plugin_api.PluginContext`
from :func:`core.plugin_api.current_context`. The unit of work commits when the view
answers with success, and rolls back when it raises or answers with an error (a view
that records and then aborts with 400 writes nothing).
"""

from __future__ import annotations

from flask import Flask, Response, g, request

from core.api import problems
from core.api.context import ctx
from core.kernel.errors import FieldError, NotFound, ServiceError

PREFIX = "/api/v1/bureaus/<bureau>/plugins"


class _Refused(Exception):
    """Thrown into a plugin view's unit of work to roll it back after a 4xx/5xx answer."""


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
                f"局 {bureau} 未安装插件 {plugin} "
                f"(plugin {plugin} is not installed for bureau {bureau})",
                [FieldError("plugin", "未安装 (not installed)")],
            )
        g.jixiao_plugin_context = work.context_for(plugin)

    @app.after_request
    def _commit_plugin_work(response: Response) -> Response:
        """Commit a plugin view's unit of work only if it answered with success: a view
        that recorded and then answered 4xx (``abort(400)``, a refusal) writes nothing."""
        manager = g.pop("jixiao_plugin_work", None)
        if manager is None:
            return response
        if response.status_code >= 400:
            refused = _Refused(response.status_code)
            manager.__exit__(_Refused, refused, None)
            return response
        try:
            manager.__exit__(None, None, None)
        except ServiceError as exc:  # e.g. a conflict found at commit
            return problems.from_service(exc)
        return response

    @app.teardown_request
    def _close_plugin_work(error: BaseException | None) -> None:
        """An unhandled error: roll the plugin view's unit of work back."""
        manager = g.pop("jixiao_plugin_work", None)
        if manager is not None:
            failure = error or _Refused(500)
            manager.__exit__(type(failure), failure, failure.__traceback__)
