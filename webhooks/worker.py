"""Delivery workers: a thread inside ``jixiao serve`` (embedded default) or
``jixiao webhooks worker`` processes (production; several may run at once)."""

from __future__ import annotations

import logging
import os
import socket
import threading

from core.platform import Platform
from webhooks import delivery

log = logging.getLogger("jixiao.webhooks")


class Worker:
    def __init__(self, platform: Platform, name: str | None = None, batch: int = 10) -> None:
        self.platform = platform
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.batch = batch
        self.policy = delivery.Policy.from_env()

    def run_once(self) -> int:
        """Claim and send one batch; returns how many deliveries were attempted."""
        p = self.platform
        claimed = delivery.claim(p.db, p.vault, self.policy, self.batch)
        for item in claimed:
            outcome = delivery.send(item, self.policy)
            state = delivery.record(p.db, item, outcome, self.policy, self.name)
            log.info(
                "%s attempt %d → %s (%s)",
                item.msg_id,
                item.attempt,
                state,
                outcome.status or outcome.error,
            )
        return len(claimed)

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
