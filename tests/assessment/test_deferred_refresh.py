"""Writes only mark results stale; a read (or the server's refresher) brings them up to
date under the bureau's lock, so every acknowledged write is in what is read."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from core.cli.setup import start_refresher
from core.domain.models import ResultPending
from core.services import results, values
from tests.assessment.test_results_api import setup_cycle
from tests.helpers import log_size, value_row


def pending(platform) -> int:
    with platform.db.transaction() as s:
        return s.scalar(select(func.count()).select_from(ResultPending))


def test_a_write_marks_and_a_read_refreshes(client, world, platform, system):
    setup_cycle(client, world)
    before = {r["subject"]: r["total"] for r in results.results(system, "b1", "2026")}
    assert pending(platform) == 0
    values.record(system, "b1", [value_row(unit="u2", period="2026-Q4", value="100")])
    assert pending(platform) > 0  # the write did not rescore
    rows = {r["subject"]: r for r in results.results(system, "b1", "2026")}
    assert pending(platform) == 0
    assert rows["u2"]["as_of"] == log_size(platform, "b1")
    assert (before["u2"], rows["u2"]["total"]) == ("85.00", "100.00")  # Q4 60 instead of 0


def test_the_refresher_catches_up_without_a_reader(client, world, platform, system):
    setup_cycle(client, world)
    values.record(system, "b1", [value_row(unit="u2", period="2026-Q4", value="100")])
    assert pending(platform) > 0
    stop = start_refresher(platform, interval=0.05)
    try:
        deadline = time.monotonic() + 30
        while pending(platform) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
    assert pending(platform) == 0
