"""Shared fixtures: a freshly migrated database per test, on SQLite or PostgreSQL.

``JIXIAO_TEST_DATABASE_URL`` selects PostgreSQL (CI sets it to the server's ``test``
database); the suite then creates a template database migrated once per run, clones it
per test with ``CREATE DATABASE … TEMPLATE`` and drops every database it made, so runs
cannot collide. Without it, the template is a migrated SQLite file copied per test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.kernel import migrate

PG_URL = os.environ.get("JIXIAO_TEST_DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith("postgres")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def pytest_report_header(config: pytest.Config) -> str:
    return f"jixiao database: {'PostgreSQL ' + PG_URL if ON_POSTGRES else 'SQLite'}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="PostgreSQL only: set JIXIAO_TEST_DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip)


def _pg_url(database: str) -> str:
    url = make_url(PG_URL).set(drivername="postgresql+psycopg", database=database)
    return url.render_as_string(hide_password=False)


class PgDatabases:
    """Creates and drops databases on the PostgreSQL server named by the test URL."""

    def __init__(self) -> None:
        self.admin = create_engine(
            _pg_url(make_url(PG_URL).database or "test"), isolation_level="AUTOCOMMIT"
        )
        self.prefix = f"jixiao_t{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.template = f"{self.prefix}_tpl"

    def execute(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(sql))

    def create_template(self) -> None:
        self.execute(f'CREATE DATABASE "{self.template}"')
        migrate.upgrade(_pg_url(self.template))

    def clone(self) -> tuple[str, str]:
        name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name, _pg_url(name)

    def drop(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if ON_POSTGRES:
        pg = PgDatabases()
        try:
            pg.create_template()
            yield pg
        finally:
            pg.drop(pg.template)
            pg.admin.dispose()
        return
    path = tmp_path_factory.mktemp("template") / "jixiao.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    yield path


@pytest.fixture
def database_url(database_template: object, tmp_path: Path) -> Iterator[str]:
    """A new, migrated, empty database for this test."""
    if isinstance(database_template, PgDatabases):
        name, url = database_template.clone()
        yield url
        database_template.drop(name)
        return
    path = tmp_path / "jixiao.sqlite3"
    shutil.copy(database_template, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def instance(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An instance folder with a signing key; the environment points the CLI at it."""
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setenv("JIXIAO_INSTANCE_PATH", str(folder))
    monkeypatch.setenv("JIXIAO_DATABASE_URL", database_url)
    monkeypatch.delenv("JIXIAO_PII_KEY", raising=False)
    from core.ledger.signing import KeyRing

    KeyRing(folder / "keys").add("jixiao-test")
    return folder


@pytest.fixture
def app(instance: Path):
    from core.app import create_app
    from core.services import setup

    application = create_app()
    platform = application.extensions["jixiao"]
    setup.prepare(platform)
    yield application
    platform.db.dispose()


@pytest.fixture
def platform(app):
    return app.extensions["jixiao"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def system(platform):
    """The service context of the platform acting on its own account (``system:test``)."""
    from core.services.context import Context

    return Context.system(platform, "system:test")


@pytest.fixture
def world(platform):
    """Two bureaus with units, a cycle, indicators and one user per role each."""
    from tests.helpers import build_world

    return build_world(platform)


@pytest.fixture
def shared_vectors() -> Path:
    folder = SHARED / "vectors"
    if not folder.is_dir():
        pytest.skip(f"shared test vectors not found at {folder}")
    return folder
