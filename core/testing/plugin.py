"""pytest fixtures for plugin authors (loaded through the ``pytest11`` entry point)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.testing.office import Office

DEFAULT_PLUGINS = ("rules",)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "jixiao_plugins(*names): plugins installed for the jixiao_office bureau"
    )


@pytest.fixture(scope="session")
def jixiao_template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, made once per test session and copied per test."""
    from core.kernel import migrate

    path = tmp_path_factory.mktemp("jixiao-template") / "jixiao.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def jixiao_platform(
    jixiao_template_database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[object]:
    """A platform on a fresh migrated database, with a signing key, in a temporary
    instance folder (the environment points the CLI at it too)."""
    from core.runtime import make_platform
    from core.services import setup

    folder = tmp_path / "jixiao-instance"
    folder.mkdir()
    database = folder / "jixiao.sqlite3"
    shutil.copy(jixiao_template_database, database)
    monkeypatch.setenv("JIXIAO_INSTANCE_PATH", str(folder))
    monkeypatch.setenv("JIXIAO_DATABASE_URL", f"sqlite:///{database}")
    platform = make_platform()
    platform.keys.add("jixiao-test")
    setup.prepare(platform)
    yield platform
    platform.dispose()


@pytest.fixture
def jixiao_office(jixiao_platform: object, request: pytest.FixtureRequest) -> Office:
    """Bureau ``test`` with cycle 2026 and the plugins of the ``jixiao_plugins`` mark."""
    marker = request.node.get_closest_marker("jixiao_plugins")
    names = marker.args if marker else DEFAULT_PLUGINS
    return Office(jixiao_platform, plugins_installed=names)


@pytest.fixture
def jixiao_client(jixiao_office: Office) -> tuple[object, dict[str, str]]:
    """A Flask test client of the platform, and the bureau admin's auth headers."""
    from core.app import create_app
    from core.services import users

    app = create_app(platform=jixiao_office.platform)
    users.create(jixiao_office.ctx, jixiao_office.code, "test-admin", "bureau_admin")
    token = users.create_token(jixiao_office.ctx, jixiao_office.code, "test-admin")["token"]
    return app.test_client(), {"Authorization": f"Bearer {token}"}
