"""Production serving: gunicorn in front of the same app (``jixiao serve --prod``).

Workers, threads, bind and timeouts come from the flags or ``JIXIAO_WORKERS``,
``JIXIAO_THREADS``, ``JIXIAO_TIMEOUT``; logs are one JSON object a line with a request
id (``X-Request-Id`` if the proxy sent one). Webhook delivery runs in separate
``jixiao webhooks worker`` processes, and checkpoints in the first worker's thread.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from typing import Any

from flask import Flask, g, request

REQUEST_ID = "X-Request-Id"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "method", "path", "status", "ms"):
            if hasattr(record, key):
                out[key] = getattr(record, key)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def structured_logging() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(os.environ.get("JIXIAO_LOG_LEVEL", "INFO"))


def add_request_ids(app: Flask) -> None:
    """Every request gets an id (the proxy's, or a new one), logged and echoed back."""
    log = logging.getLogger("jixiao.requests")

    @app.before_request
    def _start() -> None:
        g.request_id = request.headers.get(REQUEST_ID) or uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _done(response: Any) -> Any:
        response.headers[REQUEST_ID] = g.get("request_id", "")
        log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": g.get("request_id"),
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round(
                    (time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1
                ),
            },
        )
        return response


def prod_app() -> Flask:
    """The app as gunicorn loads it (``core.serving:prod_app()``)."""
    from core.app import create_app

    structured_logging()
    app = create_app()
    add_request_ids(app)
    return app


def run_gunicorn(
    host: str, port: int, workers: int | None, threads: int | None, timeout: int | None
) -> None:
    from gunicorn.app.base import BaseApplication

    env = os.environ
    options = {
        "bind": f"{host}:{port}",
        "workers": workers or int(env.get("JIXIAO_WORKERS", 2)),
        "threads": threads or int(env.get("JIXIAO_THREADS", 4)),
        "timeout": timeout or int(env.get("JIXIAO_TIMEOUT", 60)),
        "accesslog": None,
    }

    class Application(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return prod_app()

    Application().run()
