"""Appends commit with the business write or not at all; batches; the checkpointer."""

from __future__ import annotations

import itertools
import json
import time

import pytest
from sqlalchemy import select

from core.domain.models import Bureau, Unit
from core.ledger.models import LedgerCheckpoint, LedgerLog
from core.ledger.store import Record, append, append_many
from tests.helpers import entries, log_size


class Boom(Exception):
    pass


def _log_id(platform, code="b1") -> int:
    with platform.db.transaction() as s:
        return s.scalar(select(Bureau.log_id).where(Bureau.code == code))


def test_a_failed_business_write_leaves_no_entry(platform, world):
    log_id, before = _log_id(platform), log_size(platform, "b1")
    with pytest.raises(Boom), platform.db.transaction() as s:
        append(s, log_id, Record("unit.created", {"code": "ghost", "name": "x"}))
        s.add(Unit(bureau_id=1, code="ghost", name="x"))
        s.flush()
        raise Boom
    assert log_size(platform, "b1") == before
    last = entries(platform, "b1")[-1]
    with platform.db.transaction() as s:
        assert s.scalar(select(Unit).where(Unit.code == "ghost")) is None
        assert bytes(s.get(LedgerLog, log_id).head) == bytes(last.leaf_hash)


def test_an_entry_past_what_tiles_can_carry_is_refused_unwritten(platform, world):
    """Tiles' entry bundles prefix each entry with a 16-bit length: a larger entry,
    once appended, could never be served or bundled again."""
    from core.kernel.errors import InvalidInput
    from core.ledger.tiles import MAX_ENTRY_SIZE

    log_id, before = _log_id(platform), log_size(platform, "b1")
    with pytest.raises(InvalidInput, match="at most 65535"), platform.db.transaction() as s:
        big = {"code": "big", "name": "x" * MAX_ENTRY_SIZE}
        records = [Record("unit.created", {"code": "ok", "name": "x"})]
        append_many(s, log_id, [*records, Record("unit.created", big)])
    assert log_size(platform, "b1") == before


def test_batch_append_is_one_contiguous_chained_run(platform, world):
    log_id, before = _log_id(platform), log_size(platform, "b1")
    with platform.db.transaction() as s:
        written = append_many(s, log_id, [Record("test.row", {"i": i}) for i in range(500)])
    assert [w.seq for w in written] == list(range(before, before + 500))
    stored = entries(platform, "b1")[before:]
    assert all(
        json.loads(e.body)["prev"] == bytes(p.leaf_hash).hex()
        for p, e in itertools.pairwise(stored)
    )
    with platform.db.transaction() as s:
        assert append_many(s, log_id, []) == []


def test_background_checkpointer_signs_logs_that_grew(app, platform, world):
    from core.cli.setup import start_checkpointer

    stop = start_checkpointer(platform, interval=0.05)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with platform.db.transaction() as s:
                sizes = {c.log_id: c.size for c in s.scalars(select(LedgerCheckpoint))}
                wanted = {b.log_id: b.log.size for b in s.scalars(select(Bureau))}
            if all(sizes.get(k) == v for k, v in wanted.items()):
                break
            time.sleep(0.05)
        assert all(sizes.get(k) == v for k, v in wanted.items())
    finally:
        stop.set()
