"""The Flask application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from core.domain.plugin_host import PluginHost
from core.kernel import config
from core.kernel.db import Database
from core.ledger.store import LISTENERS_KEY
from core.services.platform import Platform
from webhooks import outbox


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: config, database, plugin host, API. Nothing happens at import time."""
    instance = config.instance_path()
    cfg = config.load(overrides)
    app = Flask("jixiao", instance_path=instance)
    Path(instance).mkdir(parents=True, exist_ok=True)
    url = str(cfg["DATABASE_URL"] or config.sqlite_url(instance))
    app.config.update(cfg, DATABASE_URL=url, MAX_CONTENT_LENGTH=cfg["MAX_CONTENT_LENGTH"])
    plugins_dir = cfg["PLUGINS_DIR"] or Path(instance) / "plugins"
    platform = Platform(cfg, Path(instance), Database(url), PluginHost(plugins_dir))
    platform.db.sessions.configure(info={LISTENERS_KEY: [platform.on_append]})
    platform.bureau_listeners.append(outbox.enqueue)
    app.extensions["jixiao"] = platform

    from core import api

    api.init_app(app)
    return app
