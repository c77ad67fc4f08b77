"""The Flask application factory."""

from __future__ import annotations

from flask import Flask

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

    from core import api, console

    api.init_app(app)
    console.init_app(app)  # the pages under /, after the API (its handlers stay on /api)
    return app
