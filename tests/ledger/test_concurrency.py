"""Concurrent appends: no gaps, no forks, every append accounted for; bureaus in parallel."""

from __future__ import annotations

import json
import multiprocessing
import threading

import pytest
from sqlalchemy import select, text

from core.domain.models import Bureau
from core.kernel.db import Database
from core.ledger import audit
from core.ledger.models import LedgerEntry, LedgerLog
from core.ledger.store import Record, append, lock_log

WORKERS = 8
APPENDS = 40


def _worker(url: str, log_id: int, worker: int, results) -> None:
    db = Database(url)
    seqs = []
    for i in range(APPENDS):
        with db.transaction() as s:
            seqs.append(append(s, log_id, Record("test.append", {"w": worker, "i": i})).seq)
    db.dispose()
    results.put((worker, seqs))


def _log_ids(platform) -> dict[str, int]:
    with platform.db.transaction() as s:
        return dict(s.execute(select(Bureau.code, Bureau.log_id)).all())


def test_eight_processes_append_to_one_log(platform, world, database_url):
    log_id = _log_ids(platform)["b1"]
    with platform.db.transaction() as s:
        start = s.get(LedgerLog, log_id).size
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(database_url, log_id, w, results)) for w in range(WORKERS)
    ]
    for p in procs:
        p.start()
    got = dict(results.get(timeout=300) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    all_seqs = sorted(seq for seqs in got.values() for seq in seqs)
    assert all_seqs == list(range(start, start + WORKERS * APPENDS))  # no gaps, no duplicates
    with platform.db.transaction() as s:
        log = s.get(LedgerLog, log_id)
        assert log.size == start + WORKERS * APPENDS
        bodies = [
            json.loads(b)
            for b in s.scalars(
                select(LedgerEntry.body).where(
                    LedgerEntry.log_id == log_id, LedgerEntry.kind == "test.append"
                )
            )
        ]
        assert sorted((b["data"]["w"], b["data"]["i"]) for b in bodies) == [
            (w, i) for w in range(WORKERS) for i in range(APPENDS)
        ]
        report = audit.verify_log(s, log, audit.Trust([x.verifier for x in platform.signers()]))
    assert report.ok, report.finding  # one chain: no forks
    for worker, seqs in got.items():
        assert seqs == sorted(seqs), worker  # each worker's own appends stay in order


@pytest.mark.postgres
def test_bureaus_append_in_parallel_without_waiting(platform, world):
    ids = _log_ids(platform)
    holding, release = threading.Event(), threading.Event()

    def hold_b1() -> None:
        with platform.db.transaction() as s:
            lock_log(s, ids["b1"])
            holding.set()
            release.wait(timeout=60)

    holder = threading.Thread(target=hold_b1)
    holder.start()
    try:
        assert holding.wait(timeout=30)
        with platform.db.transaction() as s:  # another bureau: must not wait at all
            s.execute(text("SET LOCAL lock_timeout = '2s'"))
            assert append(s, ids["b2"], Record("test.append", {"x": 1})).seq > 0
        with pytest.raises(Exception, match="lock timeout"), platform.db.transaction() as s:
            s.execute(text("SET LOCAL lock_timeout = '200ms'"))
            append(s, ids["b1"], Record("test.append", {"x": 2}))  # same bureau: waits
    finally:
        release.set()
        holder.join(timeout=60)
