"""Services run as separate processes on 127.0.0.1 (witnesses, a time-stamp authority):
started, read until they say ``listening on HOST:PORT``, and always stopped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class Service:
    """A child process that prints ``listening on 127.0.0.1:PORT`` when it is ready."""

    def __init__(self, *args: str) -> None:
        self.args = list(args)
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> Service:
        """Start (again: on the port it had, as a restarted service would)."""
        args = list(self.args)
        if self.port and "--port" in args:
            args[args.index("--port") + 1] = str(self.port)
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, *args], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True
        )
        line = self.proc.stdout.readline()
        if not line.startswith("listening on 127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"{self.args}: {line!r}")
        self.port = int(line.rsplit(":", 1)[1])
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hung child
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.proc = None
