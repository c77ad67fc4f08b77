"""Fixtures of the ledger tests."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.domain.models import Bureau
from tests.helpers import value_row
from tests.ledger import attacks


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
