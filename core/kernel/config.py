"""Configuration from the environment (prefix ``JIXIAO_``), with embedded defaults."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULTS: dict[str, object] = {
    "INSTANCE_PATH": "instance",  # the folder for the SQLite file, keys and secrets
    "DATABASE_URL": None,  # default: SQLite file in the instance folder
    "DEFAULT_PLUGINS": "rules",  # installed for every new bureau, comma-separated
    "PLUGINS_DIR": None,  # default: <instance>/plugins
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,  # bytes; larger request bodies get 413
    "KEY_NAME": "jixiao",  # the name in signed-note signature lines
    "APPEAL_HOURS": 48,  # time a reviewer has to decide an appeal (D-33)
}


def instance_path() -> str:
    """``JIXIAO_INSTANCE_PATH`` or ./instance, made absolute."""
    return str(Path(os.environ.get("JIXIAO_INSTANCE_PATH", "instance")).resolve())


def load(overrides: dict | None = None) -> dict[str, object]:
    """Defaults, then ``JIXIAO_*`` environment variables, then explicit overrides."""
    settings = dict(DEFAULTS)
    for key in DEFAULTS:
        env = os.environ.get(f"JIXIAO_{key}")
        if env is not None:
            settings[key] = int(env) if isinstance(DEFAULTS[key], int) else env
    settings.update(overrides or {})
    settings["INSTANCE_PATH"] = str(Path(str(settings["INSTANCE_PATH"])).resolve())
    return settings


def sqlite_url(instance: str) -> str:
    return f"sqlite:///{Path(instance) / 'jixiao.sqlite3'}"
