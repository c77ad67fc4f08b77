"""Running the Alembic migrations from code (``jixiao db upgrade``, ``jixiao init``).

On SQLite, foreign-key enforcement is switched off for the migration's connection (it
must be, outside the transaction): rebuilding a referenced table, which SQLite's ALTER
TABLE needs, would otherwise fail; the keys are checked again before committing.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic import command
from alembic.config import Config


def alembic_config(url: str) -> Config:
    folder = Path(importlib.util.find_spec("migrations").origin).parent
    cfg = Config(str(folder / "alembic.ini"))
    cfg.set_main_option("script_location", str(folder))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    cfg = alembic_config(url)
    if not url.startswith("sqlite"):
        command.upgrade(cfg, revision)
        return
    from core.kernel.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration left broken foreign keys: {broken[:5]}")
            conn.commit()
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
    finally:
        engine.dispose()
