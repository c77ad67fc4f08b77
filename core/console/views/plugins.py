"""Plugins (插件): installed and available, install and uninstall, settings, and the
pages installed plugins contribute."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, url_for
from flask_babel import gettext as _

from core.console import auth
from core.console.plugin_pages import pages
from core.console.rendering import field_errors, flash, page
from core.kernel import jsonio
from core.kernel.errors import Conflict, InvalidInput, NotFound
from core.services import plugins

bp = Blueprint("plugins", __name__, url_prefix="/bureaus/<bureau>/plugins")


@bp.get("/")
def index(bureau: str, errors: dict | None = None, status: int = 200):
    c = auth.ctx()
    installed = plugins.installed(c, bureau)
    names = [p["name"] for p in installed]
    settings = {n: plugins.settings(c, bureau, n) for n in names}
    return page(
        "plugins.html",
        status=status,
        installed=installed,
        available=[p for p in plugins.available(c) if p["name"] not in names],
        settings=settings,
        pages=pages(current_app, names, plugins.sees_whole_bureau(c)),
        errors=errors or {},
    )


@bp.post("/install")
def install(bureau: str):
    try:
        done = plugins.install(auth.ctx(), bureau, request.form.get("name"))
    except (NotFound, Conflict) as exc:
        return index(bureau, field_errors(exc), exc.status)
    flash("ok", _("Plugin %(name)s installed.", name=done["plugin"]))
    return redirect(url_for(".index", bureau=bureau))


@bp.post("/uninstall")
def uninstall(bureau: str):
    name = request.form.get("name")
    try:
        plugins.uninstall(auth.ctx(), bureau, name)
    except (NotFound, Conflict) as exc:
        return index(bureau, field_errors(exc), exc.status)
    flash("ok", _("Plugin %(name)s uninstalled.", name=name))
    return redirect(url_for(".index", bureau=bureau))


@bp.post("/<name>/settings")
def configure(bureau: str, name: str):
    current = plugins.settings(auth.ctx(), bureau, name)
    values = {k: request.form.get(f"setting-{k}", "") for k in current}
    for key, value in list(values.items()):
        if isinstance(current[key], bool):
            values[key] = value == "1"
        elif isinstance(current[key], (list, dict)):
            try:  # the API's strict reader: depth, duplicate keys, exact numbers
                values[key] = jsonio.loads(value)
            except jsonio.JSONError:
                return index(bureau, {f"settings.{key}": [_("Not valid JSON.")]}, 422)
    try:
        plugins.configure(auth.ctx(), bureau, name, values)
    except InvalidInput as exc:
        return index(bureau, field_errors(exc), 422)
    flash("ok", _("Settings of %(name)s saved.", name=name))
    return redirect(url_for(".index", bureau=bureau))
