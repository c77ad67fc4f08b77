"""Gunicorn's workers start together and each compiles the console's message catalogs
into the instance folder; a temporary file shared by name was renamed away under one of
them (FileNotFoundError at start-up, found by the ``serve --prod`` test)."""

from __future__ import annotations

import threading

from core.console.i18n import compile_catalogs


def test_catalogs_compiled_by_many_at_once(tmp_path):
    for attempt in range(5):
        target = tmp_path / str(attempt)
        errors: list[Exception] = []
        start = threading.Barrier(8)

        def compile_once(target=target, errors=errors, start=start) -> None:
            start.wait()
            try:
                compile_catalogs(target)
            except Exception as exc:  # reported by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=compile_once) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert {p.parent.parent.name for p in target.rglob("messages.mo")} == {"en", "zh_Hans_CN"}
        assert not list(target.rglob("*.tmp"))
