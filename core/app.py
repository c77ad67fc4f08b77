"""The Flask application factory."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from core.runtime import make_platform
from core.services.platform import Platform


def create_app(overrides: dict | None = None, platform: Platform | None = None) -> Flask:
    """Build the app: platform, API, docs. Nothing happens at import time, and nothing
    touches the database until a request needs it."""
    platform = platform or make_platform(overrides)
    platform.instance.mkdir(parents=True, exist_ok=True)
    app = Flask("jixiao", instance_path=str(platform.instance))
    app.config.update(
        JIXIAO=platform.settings, MAX_CONTENT_LENGTH=int(platform.settings["MAX_CONTENT_LENGTH"])
    )
    app.extensions["jixiao"] = platform
    app.url_map.converters["int"] = AsciiInteger  # before any route is added

    from core import api, console

    api.init_app(app)
    console.init_app(app)  # the pages under /, after the API (its handlers stay on /api)
    return app


class AsciiInteger(IntegerConverter):
    """``<int:…>`` as ASCII digits only. Werkzeug's pattern is ``\\d+``, which in Python
    matches every Unicode digit, and ``int()`` reads them: ``/review/４２`` recorded a
    review of seq 42 where ``/review/abc`` is a 404. Every form field and JSON number
    is already held to ASCII digits; paths now are too."""

    regex = r"[0-9]+"
