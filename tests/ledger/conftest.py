"""Fixtures of the ledger tests.

Modules that mark themselves with ``pytestmark = EACH_SUITE`` run every test on a world
whose bureaus' logs use each cryptographic suite in turn (the tamper suite and the
bundles are held to both).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.domain.models import Bureau
from core.ledger.suites import DEFAULT, SUITES
from core.services import bureaus
from tests.helpers import build_world, value_row
from tests.ledger import attacks

EACH_SUITE = pytest.mark.parametrize("suite", list(SUITES), indirect=True)


@pytest.fixture
def suite(request) -> str:
    """The suite of the world's logs: the default unless a module parametrizes it."""
    return getattr(request, "param", DEFAULT.name)


@pytest.fixture
def world(platform, suite, monkeypatch):
    """The shared world (two bureaus b1, b2, ...), its logs created with ``suite``; the
    instance gets a signing key of that suite's kind, as `jixiao init` makes."""
    if suite != DEFAULT.name:
        platform.keys.add("jixiao-test", SUITES[suite])
        create = bureaus.create
        monkeypatch.setattr(bureaus, "create", lambda *a, **kw: create(*a, **kw, suite=suite))
    return build_world(platform)


@pytest.fixture
def log(platform, world, system):
    """b1's log with values and two checkpoints: returns (log id, first checkpoint size)."""
    from core.services import ledger, values

    for q in (1, 2):
        rows = [
            value_row(unit=u, indicator=i, period=f"2026-Q{q}", value=str(80 + n))
            for n, (u, i) in enumerate([(u, i) for u in ("u1", "u2", "u3") for i in ("i1", "i2")])
        ]
        values.record(system, "b1", rows)
        done = ledger.checkpoint(system, "b1")
        if q == 1:
            first = done["size"]
    with platform.db.transaction() as s:
        return s.scalar(select(Bureau.log_id).where(Bureau.code == "b1")), first


def attack(platform, fn, *args) -> None:
    """Play an attacker with database access: disarm the defences, then run ``fn``."""
    with platform.db.engine.begin() as conn:
        attacks.disarm(conn)
        fn(conn, *args)
