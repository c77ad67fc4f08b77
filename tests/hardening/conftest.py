"""``shared``: the suite's two-bureau world, built once for this folder, for tests whose
every request must be refused or only reads.

Each such test asserts that nothing was written (``Unchanged``), so the world it leaves
behind is the one it found and the next test may use it. Building the world per test
(``world``, the function-scoped fixture in ``tests/conftest.py``) costs a second or two
on SQLite and more on PostgreSQL; tests that write still use it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import PgDatabases
from tests.helpers import World, build_world


@dataclass
class Shared:
    app: Any
    client: Any
    platform: Any
    world: World
    value_seq: int
    """seq of u1's current 2026-Q1 value of i1 (a real target for reviews and appeals)."""


@pytest.fixture(scope="package")
def shared(database_template, tmp_path_factory) -> Iterator[Shared]:
    from core.app import create_app
    from core.ledger.signing import KeyRing
    from core.services import setup
    from tests.assessment.test_results_api import setup_cycle

    folder = tmp_path_factory.mktemp("shared") / "instance"
    folder.mkdir()
    if isinstance(database_template, PgDatabases):
        name, url = database_template.clone()
    else:
        name, url = None, f"sqlite:///{folder.parent / 'jixiao.sqlite3'}"
        shutil.copy(database_template, folder.parent / "jixiao.sqlite3")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JIXIAO_INSTANCE_PATH", str(folder))
        env.setenv("JIXIAO_DATABASE_URL", url)
        env.delenv("JIXIAO_PII_KEY", raising=False)
        KeyRing(folder / "keys").add("jixiao-test")
        app = create_app()
        platform = app.extensions["jixiao"]
        setup.prepare(platform)
        world = build_world(platform)
        client = app.test_client()
        setup_cycle(client, world)  # scheme qa v1 published, values recorded
        value = client.get(
            "/api/v1/bureaus/b1/values?unit=u1&indicator=i1&period=2026-Q1",
            headers=world.headers("auditor"),
        ).json[0]
        try:
            yield Shared(app, client, platform, world, value["seq"])
        finally:
            platform.db.dispose()
            if name is not None:
                database_template.drop(name)


@pytest.fixture
def on_shared(shared, monkeypatch) -> Shared:
    """The shared world, with the command line pointed at it for this test."""
    monkeypatch.setenv("JIXIAO_INSTANCE_PATH", str(shared.platform.instance))
    monkeypatch.setenv("JIXIAO_DATABASE_URL", shared.platform.settings["DATABASE_URL"])
    monkeypatch.delenv("JIXIAO_PII_KEY", raising=False)
    return shared
