"""Alembic migrations; run with ``jixiao db upgrade`` (or ``jixiao init``)."""
