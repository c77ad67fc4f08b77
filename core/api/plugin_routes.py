"""Plugins' own API endpoints, answered per bureau.

A plugin's blueprint is mounted at ``/api/v1/bureaus/<bureau>/plugins/<plugin>/``. Before
its view runs, the caller is authenticated (as everywhere under ``/api/v1``), the bureau
must have installed the plugin (else 404), a role limited to some units gets 403 unless the
blueprint is ``scoped`` (:func:`core.services.plugins.plugin_view` decides both), and a unit
of work is opened: reading for GET, writing (bureau admins) otherwise. The view gets its
:class:`core.plugin_api.PluginContext` from :func:`core.plugin_api.current_context`. The
unit of work commits when the view answers with success, and rolls back when it raises or
answers with an error (a view that records and then aborts with 400 writes nothing).
"""

from __future__ import annotations

from flask import Flask, Response, g, request

from core.api import problems
from core.api.context import ctx
from core.kernel.errors import ServiceError
from core.services import plugins

PREFIX = "/api/v1/bureaus/<bureau>/plugins"


class _Refused(Exception):
    """Thrown into a plugin view's unit of work to roll it back after a 4xx/5xx answer."""


def register(app: Flask) -> None:
    host = app.extensions["jixiao"].plugins
    owners: dict[str, tuple[str, bool]] = {}
    for plugin, item in host.platform_items("jixiao_api_blueprints"):
        app.register_blueprint(item.blueprint, url_prefix=f"{PREFIX}/{plugin}")
        owners[item.blueprint.name] = (plugin, item.scoped)
    if not owners:
        return

    @app.before_request
    def _open_plugin_work() -> None:
        owner = owners.get(request.blueprint or "")
        if owner is None:
            return
        plugin, scoped = owner
        bureau = (request.view_args or {}).get("bureau", "")
        write = request.method not in ("GET", "HEAD")
        manager = plugins.plugin_view(ctx(), bureau, plugin, write, scoped)
        g.jixiao_plugin_context = manager.__enter__()  # 404 / 403 leave nothing open
        g.jixiao_plugin_work = manager

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
