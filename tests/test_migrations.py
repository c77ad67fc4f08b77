"""The migrations build exactly the tables the models describe, on both databases."""

from __future__ import annotations

from alembic import command

from core.kernel.migrate import alembic_config


def test_models_match_the_migrated_schema(database_url):
    command.check(alembic_config(database_url))  # raises if autogenerate finds a difference
