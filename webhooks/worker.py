"""Delivery workers: a thread inside ``jixiao serve`` (embedded default) or
``jixiao webhooks worker`` processes (production; several may run at once)."""

from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

from core.services.platform import Platform
from webhooks import delivery

log = logging.getLogger("jixiao.webhooks")


class Worker:
    """Claims a round: for up to ``batch`` endpoints, a run of consecutive deliveries
    starting at the endpoint's oldest. Runs go out concurrently (different endpoints),
    each run in order, and the round is recorded in one transaction."""

    def __init__(
        self, platform: Platform, name: str | None = None, batch: int = 20, senders: int = 8
    ) -> None:
        self.platform = platform
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.batch = batch
        self.policy = delivery.Policy.from_env()
        self.pool = ThreadPoolExecutor(max_workers=senders, thread_name_prefix="jixiao-send")

    def run_once(self) -> int:
        """Claim, send and record one round; returns how many deliveries were attempted."""
        p = self.platform
        runs = delivery.claim(p.db, p.vault, self.policy, self.batch)
        if not runs:
            return 0
        sent = list(self.pool.map(lambda run: delivery.send_run(run, self.policy), runs))
        results = list(zip(runs, sent, strict=True))
        delivery.record(p, results, self.policy, self.name)
        for run, outcomes in results:
            for item, outcome in zip(run, outcomes, strict=False):
                log.info(
                    "%s attempt %d: %s", item.msg_id, item.attempt, outcome.status or outcome.error
                )
        return sum(len(outcomes) for outcomes in sent)

    def run(self, stop: threading.Event, idle: float = 0.2) -> None:
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # a database hiccup must not kill the worker
                log.exception("webhook worker round failed")
                busy = 0
            if not busy:
                stop.wait(idle)


def start_thread(platform: Platform, name: str = "jixiao-webhooks") -> threading.Event:
    """The embedded default: one delivery thread in the serving process."""
    stop = threading.Event()
    worker = Worker(platform, name=f"{socket.gethostname()}:{os.getpid()}:thread")
    threading.Thread(target=worker.run, args=(stop,), name=name, daemon=True).start()
    return stop
