"""Fixtures of the ledger tests."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.domain.models import Bureau
from core.ledger import checkpoints
from tests.helpers import value_row
from tests.ledger import attacks


@pytest.fixture
def log(platform, world):
    """b1's log with values and two checkpoints: returns (log id, first checkpoint size)."""
    from core.domain import values

    with platform.db.transaction() as s:
        b = s.scalar(select(Bureau).where(Bureau.code == "b1"))
        for q in (1, 2):
            rows = [
                value_row(unit=u, indicator=i, period=f"2026-Q{q}", value=str(80 + n))
                for n, (u, i) in enumerate(
                    [(u, i) for u in ("u1", "u2", "u3") for i in ("i1", "i2")]
                )
            ]
            values.record_values(s, platform, b, rows, None, "test")
            if q == 1:
                first = checkpoints.checkpoint(s, b.log_id, platform.signers()).size
        checkpoints.checkpoint(s, b.log_id, platform.signers())
        return b.log_id, first


def attack(platform, fn, *args) -> None:
    """Play an attacker with database access: disarm the defences, then run ``fn``."""
    with platform.db.engine.begin() as conn:
        attacks.disarm(conn)
        fn(conn, *args)
