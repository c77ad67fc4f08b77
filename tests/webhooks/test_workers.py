"""Worker processes: a kill -9 mid-delivery loses nothing; two workers never double-send."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.webhooks.conftest import states, subscribe
from tests.webhooks.test_delivery import record

ROOT = Path(__file__).parents[2]


def worker_process(extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {**os.environ, **(extra_env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "core.cli", "webhooks", "worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_worker_killed_mid_delivery_loses_nothing(platform, world, receiver, monkeypatch):
    monkeypatch.setenv("JIXIAO_WEBHOOK_LEASE", "1")
    subscribe(platform, receiver.url, "value.recorded")
    seqs = record(platform, 3)
    receiver.then(200, delay=30)  # the first request hangs: the worker is mid-delivery
    first = worker_process()
    try:
        wait_for(lambda: len(receiver.requests) == 1)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert "delivered" not in states(platform)
    second = worker_process()
    try:
        wait_for(lambda: states(platform) == ["delivered"] * 3)
    finally:
        second.terminate()
        second.wait(timeout=30)
    got = [r.json["data"]["ledger"]["seq"] for r in receiver.requests]
    assert got[0] == seqs[0] and got[1:] == seqs  # the interrupted one again, then in order
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert ids[0] == ids[1]  # the same webhook-id: receivers can drop the duplicate


@pytest.mark.postgres
def test_two_workers_share_the_work_without_double_sending(platform, world, receiver):
    endpoints = 6
    for _ in range(endpoints):
        subscribe(platform, receiver.url, "value.recorded")
    record(platform, 8)
    workers = [worker_process(), worker_process()]
    try:
        wait_for(lambda: states(platform).count("delivered") == endpoints * 8, timeout=120)
    finally:
        for w in workers:
            w.terminate()
            w.wait(timeout=30)
    counts = Counter(
        (r.headers["webhook-id"], r.json["data"]["ledger"]["seq"]) for r in receiver.requests
    )
    assert len(receiver.requests) == endpoints * 8
    assert set(counts.values()) == {endpoints}  # each event once per endpoint, no more
