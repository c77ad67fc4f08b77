"""Writers racing over real HTTP: every check that decides a write runs under the
bureau's log lock, so PostgreSQL behaves as SQLite. N "first" values for one key give
one 201 and N−1 409s; N corrections of one seq, likewise; N creations of one code,
likewise; never a 500. Afterwards the ledger verifies, replay matches, and no
projection holds a duplicate."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from core.domain.models import Indicator, IndicatorValue, Unit, User
from core.services import ledger
from tests.helpers import value_row

WRITERS = 8


@pytest.fixture
def served(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api/v1"
    server.shutdown()
    thread.join(timeout=30)


def post(url: str, body: dict, token: str) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def race(make: Callable[[int], tuple[str, dict]], token: str) -> Counter:
    """Fire WRITERS requests at the same moment; count the statuses."""
    statuses: list[int] = []
    gate = threading.Barrier(WRITERS)

    def one(n: int) -> None:
        url, body = make(n)
        gate.wait()
        statuses.append(post(url, body, token))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return Counter(statuses)


def token_of(world) -> str:
    return world.headers("bureau_admin")["Authorization"].removeprefix("Bearer ")


def count(platform, stmt) -> int:
    with platform.db.transaction() as s:
        return s.scalar(stmt)


def test_first_values_and_corrections_race(served, world, platform, system):
    token = token_of(world)
    url = f"{served}/bureaus/b1/values"
    got = race(lambda n: (url, value_row(value=str(80 + n))), token)
    assert got == Counter({201: 1, 409: WRITERS - 1}), got

    with platform.db.transaction() as s:
        current = s.scalar(select(IndicatorValue.seq))
    got = race(lambda n: (url, value_row(value=str(90 + n), corrects=current)), token)
    assert got == Counter({201: 1, 409: WRITERS - 1}), got
    assert count(platform, select(func.count()).select_from(IndicatorValue)) == 1

    assert ledger.verify(system, "b1")["ok"]
    assert ledger.replay_check(system).ok


def test_codes_race(served, world, platform, system):
    token = token_of(world)
    base = f"{served}/bureaus/b1"
    unit = {"code": "u9", "name": "新设科室 (new section)"}
    assert race(lambda n: (f"{base}/units", unit), token) == Counter({201: 1, 409: WRITERS - 1})
    indicator = {"code": "i9", "name": "新指标 (new)", "measure": "%"}
    got = race(lambda n: (f"{base}/indicators", indicator), token)
    assert got == Counter({201: 1, 409: WRITERS - 1}), got
    user = {"username": "clerk9", "role": "reporter", "units": ["u1"]}
    got = race(lambda n: (f"{base}/users", user), token)
    assert got == Counter({201: 1, 409: WRITERS - 1}), got
    cycle = {"code": "2027", "name": "2027年度", "start": "2027-01-01", "end": "2027-12-31"}
    got = race(lambda n: (f"{base}/cycles", cycle), token)
    assert got == Counter({201: 1, 409: WRITERS - 1}), got

    for model, code in ((Unit, "u9"), (Indicator, "i9")):
        assert count(platform, select(func.count()).where(model.code == code)) == 1
    assert count(platform, select(func.count()).where(User.username == "clerk9")) == 1
    assert ledger.verify(system, "b1")["ok"]
    assert ledger.replay_check(system).ok


def test_scheme_versions_race(served, world, platform, system):
    """Eight imports of one scheme code at once: versions 1…8, none lost or doubled."""
    from core.domain.models import Scheme

    token = token_of(world)
    url = f"{served}/bureaus/b1/cycles/2026/schemes"

    def scheme(n: int) -> tuple[str, dict]:
        leaf = {"code": "q", "name": f"任务{n}", "points": "100", "indicator": "i1",
                "rule": {"type": "target_ratio", "params": {"target": str(100 + n)}}}  # fmt: skip
        return url, {"code": "race", "name": "竞速 (race)", "nodes": [leaf]}

    assert race(scheme, token) == Counter({201: WRITERS})
    with platform.db.transaction() as s:
        versions = sorted(s.scalars(select(Scheme.version).where(Scheme.code == "race")))
    assert versions == list(range(1, WRITERS + 1))
    assert ledger.replay_check(system).ok
