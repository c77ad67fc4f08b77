"""Plugins (插件): installed and available, install and uninstall, settings, and the
pages installed plugins contribute."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, url_for
from flask_babel import gettext as _

from core.console import auth, inputs
from core.console.plugin_pages import pages
from core.console.rendering import field_errors, flash, page, requires
from core.kernel import jsonio
from core.kernel.errors import Conflict, InvalidInput, NotFound
from core.services import plugins

bp = Blueprint("plugins", __name__, url_prefix="/bureaus/<bureau>/plugins")


@bp.get("/")
def index(bureau: str, errors: dict | None = None, status: int = 200,
          given: dict[str, dict[str, str]] | None = None):  # fmt: skip
    """The page; after a refused settings form, ``given`` holds what was typed into it
    (plugin → setting → text) to show again."""
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
        given=given or {},
    )


@bp.post("/install")
@requires("plugins.manage")
def install(bureau: str):
    try:
        done = plugins.install(auth.ctx(), bureau, request.form.get("name"))
    except (NotFound, Conflict) as exc:
        return index(bureau, field_errors(exc), exc.status)
    flash("ok", _("Plugin %(name)s installed.", name=done["plugin"]))
    return redirect(url_for(".index", bureau=bureau))


@bp.post("/uninstall")
@requires("plugins.manage")
def uninstall(bureau: str):
    name = request.form.get("name")
    try:
        plugins.uninstall(auth.ctx(), bureau, name)
    except (NotFound, Conflict) as exc:
        return index(bureau, field_errors(exc), exc.status)
    flash("ok", _("Plugin %(name)s uninstalled.", name=name))
    return redirect(url_for(".index", bureau=bureau))


@bp.post("/<name>/settings")
@requires("plugins.manage")
def configure(bureau: str, name: str):
    unreadable = inputs.problems()
    current = plugins.settings(auth.ctx(), bureau, name)
    typed = {k: request.form.get(f"setting-{k}", "") for k in current}
    again = {name: typed}
    if unreadable:
        errors = {f"settings.{k.removeprefix('setting-')}": v for k, v in unreadable.items()}
        return index(bureau, errors, 422, again)
    values: dict[str, object] = dict(typed)
    for key, value in typed.items():
        if isinstance(current[key], bool):
            values[key] = value == "1"
        elif isinstance(current[key], (list, dict)):
            try:  # the API's strict reader: depth, duplicate keys, exact numbers
                values[key] = jsonio.loads(value)
            except jsonio.JSONError:
                return index(bureau, {f"settings.{key}": [_("Not valid JSON.")]}, 422, again)
    try:
        plugins.configure(auth.ctx(), bureau, name, values)
    except InvalidInput as exc:
        return index(bureau, field_errors(exc), 422, again)
    flash("ok", _("Settings of %(name)s saved.", name=name))
    return redirect(url_for(".index", bureau=bureau))
