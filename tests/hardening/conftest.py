"""``shared``: the suite's two-bureau world, built once for this folder, for tests whose
every request must be refused or only reads.

Each such test asserts that nothing was written (``Unchanged``), so the world it leaves
behind is the one it found and the next test may use it. Building the world per test
(``world``, the function-scoped fixture in ``tests/conftest.py``) costs a second or two
on SQLite and more on PostgreSQL; tests that write still use it.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.assessment.test_results_api import SCHEME as RESULTS_SCHEME
from tests.conftest import PgDatabases
from tests.helpers import World, build_world, value_row

# The results suite's quarterly scheme, with performance pay shared out of a pool.
SCHEME = {
    **RESULTS_SCHEME,
    "outcomes": {"pay": {"pool": "1000", "coefficients": {"good": "1.2", "fair": "1.0"}}},
}


@dataclass
class Shared:
    app: Any
    client: Any
    platform: Any
    world: World
    value_seq: int
    """seq of u1's current 2026-Q1 value of i1 (a real target for reviews and appeals)."""
    evidence: dict[str, str] = field(default_factory=dict)
    """unit → SHA-256 of a file attached for it."""
    appeals: dict[str, str] = field(default_factory=dict)
    """unit → code of an appeal filed for it."""
    items: dict[str, int] = field(default_factory=dict)
    """unit → seq of a live item recorded for it."""


def _populate(client, world: World) -> Shared:
    """Bureau b1: scheme qa (groups A: u1, u2) published with its values as in the
    results suite, and for u1 and u2 each an evidence file, an appeal and an item."""
    admin, reviewer = world.headers("bureau_admin"), world.headers("reviewer")
    base = "/api/v1/bureaus/b1"
    r = client.post(f"{base}/cycles/2026/schemes?publish=true", json=SCHEME, headers=admin)
    assert r.status_code == 201, r.json
    rows = [
        value_row(unit="u1", period=f"2026-Q{q}", value=v)
        for q, v in zip((1, 2, 3, 4), ("100", "90", "80", "70"), strict=True)
    ]
    rows += [value_row(unit="u2", period=f"2026-Q{q}", value="100") for q in (1, 2, 3)]
    rows += [
        value_row(unit="u1", indicator="i2", period="2026", value="1"),
        value_row(unit="u2", indicator="i2", period="2026", value="0"),
    ]
    r = client.post(f"{base}/values/batch", json={"rows": rows}, headers=admin)
    assert r.status_code == 201, r.json
    shared = Shared(None, client, None, world, r.json["entries"][0]["seq"])
    for unit in ("u1", "u2"):
        upload = {"unit": unit, "file": (io.BytesIO(f"台账 {unit}".encode()), f"{unit}.txt")}
        r = client.post(f"{base}/evidence", data=upload, headers=admin)
        assert r.status_code == 201, r.json
        shared.evidence[unit] = r.json["sha256"]
        target = {"unit": unit, "indicator": "i2", "cycle": "2026", "period": "2026"}
        r = client.post(f"{base}/appeals", json={**target, "reason": "复核"}, headers=admin)
        assert r.status_code == 201, r.json
        shared.appeals[unit] = r.json["code"]
        item = {**target, "quantity": "1", "reason": "扣分 (deduction)"}
        r = client.post(f"{base}/items", json={"rows": [item]}, headers=reviewer)
        assert r.status_code == 201, r.json
        shared.items[unit] = r.json["seqs"][0]
    return shared


@pytest.fixture(scope="package")
def shared(database_template, tmp_path_factory) -> Iterator[Shared]:
    from core.app import create_app
    from core.ledger.signing import KeyRing
    from core.services import setup

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
        shared = _populate(app.test_client(), world)
        shared.app, shared.platform = app, platform
        try:
            yield shared
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
