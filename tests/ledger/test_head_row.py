"""The log row's head is the last entry's leaf hash: a head changed in the database had
still verified, the next append linked to it, and the signer signed (and a witness
cosigned) the broken chain."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from core.kernel.errors import Conflict
from core.ledger.models import LedgerLog
from core.services import ledger, units
from tests.helpers import log_size


def _log_id(platform, bureau: str) -> int:
    from sqlalchemy import select

    from core.domain.models import Bureau

    with platform.db.transaction() as s:
        return s.scalar(select(Bureau.log_id).where(Bureau.code == bureau))


def _set_head(platform, log_id: int, value: bytes) -> None:
    with platform.db.transaction() as s:
        s.execute(update(LedgerLog).where(LedgerLog.id == log_id).values(head=value))


def test_a_changed_head_fails_verification_and_is_not_signed(platform, world, system):
    log_id = _log_id(platform, "b1")
    _set_head(platform, log_id, bytes(32))
    found = [r for r in ledger.verify(system)["logs"] if r["origin"].endswith("b1")]
    assert found and found[0]["reason"] == "head mismatch", found
    units.create(system, "b1", "u9", "九", "Nine", group="A")  # links to the false head
    size = log_size(platform, "b1")
    with pytest.raises(Conflict) as refused:
        ledger.checkpoint(system, "b1")
    assert "does not link to entry" in str(refused.value), str(refused.value)
    assert log_size(platform, "b1") == size
