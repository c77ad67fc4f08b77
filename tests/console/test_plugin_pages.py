"""Pages a plugin contributes (``jixiao_console_pages``): listed on the plugins page of
bureaus that installed it, mounted per bureau with the console's session and CSRF
checks, answering only where the plugin is installed."""

from __future__ import annotations

import pytest

from tests.console.conftest import csrf, set_passwords, signed_in

PLUGIN = """
__version__ = "1.0"
from flask import Blueprint, request
from core.plugin_api import ConsolePage, current_context, hookimpl

bp = Blueprint("monitoring_pages", __name__)


@bp.route("/", methods=["GET", "POST"])
def index(bureau):
    context = current_context()
    if request.method == "POST":
        return f"recorded for {context.bureau}"
    units = ", ".join(u.code for u in context.reader.units())
    return f"<h1>季度监测 {context.bureau}</h1><p>{units}</p>"


@hookimpl
def jixiao_console_pages():
    title = "季度监测 (quarterly monitoring)"
    return [ConsolePage("monitoring", title, bp, "monitoring_pages.index")]
"""


@pytest.fixture
def app(instance):
    (instance / "plugins").mkdir()
    (instance / "plugins" / "monitoring.py").write_text(PLUGIN, encoding="utf-8")
    from core.app import create_app
    from core.services import setup

    application = create_app()
    setup.prepare(application.extensions["jixiao"])
    yield application
    application.extensions["jixiao"].db.dispose()


def test_a_plugin_page_appears_where_installed_and_only_there(app, world):
    platform = app.extensions["jixiao"]
    set_passwords(platform)
    admin = signed_in(app, "b1", "b1-bureau_admin")
    assert admin.get("/bureaus/b1/plugins/monitoring/").status_code == 404  # not installed
    listing = admin.get("/bureaus/b1/plugins/").get_data(as_text=True)
    assert "monitoring" in listing and "季度监测 (quarterly monitoring)" not in listing
    token = csrf(admin, "/bureaus/b1/plugins/")
    installed = admin.post(
        "/bureaus/b1/plugins/install", data={"csrf_token": token, "name": "monitoring"}
    )
    assert installed.status_code == 302
    listing = admin.get("/bureaus/b1/plugins/").get_data(as_text=True)
    assert "季度监测 (quarterly monitoring)" in listing
    page = admin.get("/bureaus/b1/plugins/monitoring/")
    assert page.status_code == 200 and "季度监测 b1" in page.get_data(as_text=True)
    assert "u1" in page.get_data(as_text=True)
    # the console's checks hold for plugin pages too
    assert admin.post("/bureaus/b1/plugins/monitoring/").status_code == 400  # no CSRF token
    posted = admin.post("/bureaus/b1/plugins/monitoring/", data={"csrf_token": token})
    assert posted.status_code == 200
    assert app.test_client().get("/bureaus/b1/plugins/monitoring/").status_code == 302
    other = signed_in(app, "b2", "b2-bureau_admin")
    assert other.get("/bureaus/b1/plugins/monitoring/").status_code == 404
    assert other.get("/bureaus/b2/plugins/monitoring/").status_code == 404  # b2 lacks it


def test_a_reporter_neither_sees_nor_opens_a_page_of_the_whole_bureau(app, world):
    """The page lists every unit of the bureau; a reporter (limited to u1) is refused it
    and the plugins page does not offer it (a page declared ``scoped`` would be both)."""
    from core.services import plugins
    from core.services.context import Context

    platform = app.extensions["jixiao"]
    set_passwords(platform)
    plugins.install(Context.system(platform, "system:test"), "b1", "monitoring")
    reporter = signed_in(app, "b1", "b1-reporter")
    refused = reporter.get("/bureaus/b1/plugins/monitoring/")
    assert refused.status_code == 403
    assert "u2" not in refused.get_data(as_text=True)
    listing = reporter.get("/bureaus/b1/plugins/").get_data(as_text=True)
    assert "季度监测 (quarterly monitoring)" not in listing
    admin = signed_in(app, "b1", "b1-bureau_admin")
    assert "季度监测 (quarterly monitoring)" in admin.get("/bureaus/b1/plugins/").get_data(
        as_text=True
    )
