"""Alembic environment: runs migrations on the connection or URL it is given."""

from __future__ import annotations

from alembic import context

import webhooks.models  # noqa: F401 - registers the webhook tables
from core.domain.models import load_all
from core.kernel.db import Base, make_engine

load_all()  # the models' tables are declared in submodules imported on first use

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
