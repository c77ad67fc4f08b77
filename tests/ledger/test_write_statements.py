"""A single-value write looks each thing up once (issue 9: "the service layer should
look each thing up once per request").

The statements a POST of one value sends are counted on the real database, for a new
value, a correction, a value in a period with a collection round and one that raises a
warning: no statement may be sent twice within the write's transaction (the projector
had read again the subject, indicator, period and current value the checks had just
read, and the append the log row the lock had just read), and the whole request stays
within a budget that fails if a per-row lookup comes back.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import event

from tests.conftest import ON_POSTGRES

BUDGET = 14
"""Statements one single-value POST may run, as SQLite counts them: the token (1); the
unit of work's BEGIN, its bureau with the log's lock, the caller under the lock (3);
plugins, the row's targets and current value, the period's collection state, the
published schemes (4); the entry, log head, value, webhook endpoints, pending results
(5); COMMIT (1)."""


pytestmark = pytest.mark.skipif(
    ON_POSTGRES, reason="counts what SQLite's connections report; the code is the same"
)


@pytest.fixture
def demo(app, platform):
    from core.services.demo import create_demo

    token = create_demo(platform)
    return app.test_client(), {"Authorization": f"Bearer {token}"}


def _statements(platform, send) -> list[str]:
    """What SQLite ran while ``send`` ran, as its connections report it (the hot path
    sends some reads straight to the driver, which SQLAlchemy's events do not see)."""
    seen: list[str] = []

    def on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.set_trace_callback(seen.append)

    engine = platform.db.engine
    event.listen(engine, "connect", on_connect)
    engine.dispose()  # the connections made from here on report what they run
    try:
        send()
    finally:
        event.remove(engine, "connect", on_connect)
        engine.dispose()
    return [" ".join(sql.split()) for sql in seen]


def _within_write(statements: list[str]) -> list[str]:
    """The statements of the unit of work that writes."""
    assert statements.count("BEGIN IMMEDIATE") == 1, statements
    return statements[statements.index("BEGIN IMMEDIATE") :]


def _post(client, headers, row: dict) -> dict:
    r = client.post("/api/v1/bureaus/demo/values", json=row, headers=headers)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _current_seq(client, headers, unit: str, indicator: str, period: str) -> int | None:
    found = client.get(
        f"/api/v1/bureaus/demo/values?unit={unit}&indicator={indicator}&period={period}",
        headers=headers,
    ).get_json()
    return found[0]["seq"] if found else None


@pytest.mark.parametrize("period", ["2026-Q1", "2026-Q2", "2026-Q3"])
def test_one_value_is_written_with_each_lookup_once(demo, platform, period: str) -> None:
    client, headers = demo
    row = {"unit": "office", "indicator": "management", "cycle": "2026", "period": period}
    seq = _current_seq(client, headers, "office", "management", period)
    first = {**row, "value": "71", "corrects": seq}
    statements = _statements(platform, lambda: _post(client, headers, first))
    assert len(statements) <= BUDGET, "\n".join(statements)
    repeated = [s for s, n in Counter(_within_write(statements)).items() if n > 1]
    assert repeated == [], "sent twice in one write:\n" + "\n".join(repeated)

    # a correction of it: the same, and the projection holds the corrected value
    seq = _current_seq(client, headers, "office", "management", period)
    again = {**row, "value": "72.5", "corrects": seq}
    statements = _statements(platform, lambda: _post(client, headers, again))
    assert len(statements) <= BUDGET, "\n".join(statements)
    assert [s for s, n in Counter(_within_write(statements)).items() if n > 1] == []
    values = client.get(
        f"/api/v1/bureaus/demo/values?unit=office&indicator=management&period={period}",
        headers=headers,
    ).get_json()
    assert [(v["value"], v["seq"] > seq) for v in values] == [("72.5", True)]


def test_a_warning_raised_costs_no_repeated_lookup(demo, platform) -> None:
    """A satisfaction over 99% raises a warning (D-23): a second entry in the same
    write, still without asking again for what the first one found."""
    client, headers = demo
    row = {"unit": "office", "indicator": "satisfaction", "cycle": "2026", "period": "2026-Q4"}
    seq = _current_seq(client, headers, "office", "satisfaction", "2026-Q4")
    wild = {**row, "value": "99.5", "corrects": seq}
    out: dict = {}
    statements = _statements(platform, lambda: out.update(_post(client, headers, wild)))
    repeated = [s for s, n in Counter(_within_write(statements)).items() if n > 1]
    # two appends (the value and its warning) may each write an entry, but nothing is
    # looked up twice
    assert [s for s in repeated if s.startswith("SELECT")] == [], "\n".join(repeated)
    assert out["entries"] and out["warnings"], out
