"""The web console (控制台): server-rendered pages for the people who run an assessment.

Pages live under ``/`` (the API stays under ``/api``); every page parses the request,
calls the same services as the API with the signed-in user's principal, and renders, so
the console shows nothing the API would refuse. What holds for every page is set up
here once: the session (:mod:`core.console.auth`), CSRF on every form, form fields read
strictly and refused beside the field (:mod:`core.console.inputs`), Chinese first
with English available (:mod:`core.console.i18n`), the front-end packages served from
``node_modules`` (never a CDN), errors shown as pages, and the pages plugins contribute.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Blueprint, Flask, abort, send_file

from core.console import auth, i18n, inputs, rendering

ROOT = Path(__file__).resolve().parent
VENDOR_FILES = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "echarts.min.js": "echarts/dist/echarts.min.js",
}

console = Blueprint(
    "console",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/console",
)


def vendor_folder() -> Path:
    """Where ``make`` put the npm packages (``npm ci``): ``node_modules`` beside the
    source tree, or ``JIXIAO_CONSOLE_VENDOR``."""
    given = os.environ.get("JIXIAO_CONSOLE_VENDOR")
    return Path(given) if given else ROOT.parents[1] / "node_modules"


@console.get("/static/vendor/<name>")
def vendor(name: str):
    """htmx and ECharts from the npm packages (only these two files)."""
    relative = VENDOR_FILES.get(name)
    path = vendor_folder() / relative if relative else None
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, mimetype="text/javascript", max_age=3600)


_blueprints_ready = False


def _build_blueprints() -> None:
    """Set up the (module-level) blueprints once per process: Flask forbids changing a
    blueprint after its first registration, and tests build many apps."""
    global _blueprints_ready
    if _blueprints_ready:
        return
    from core.console.views import (
        account,
        admin,
        appeals,
        collection,
        entry,
        ledger,
        overview,
        plugins,
        results,
        review,
        scoring,
        webhooks,
    )

    console.url_value_preprocessor(inputs.screen)  # before the app's request guard
    auth.protect(console)
    rendering.setup(console)
    for module in (
        account,
        overview,
        collection,
        results,
        entry,
        review,
        scoring,
        appeals,
        ledger,
        plugins,
        webhooks,
        admin,
    ):
        console.register_blueprint(module.bp)
    _blueprints_ready = True


def init_app(app: Flask) -> None:
    from core.console import plugin_pages

    _build_blueprints()
    i18n.init_app(app)
    auth.init_app(app)
    rendering.init_app(app)
    app.register_blueprint(console)
    plugin_pages.register(app)
