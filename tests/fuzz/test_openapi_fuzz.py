"""The OpenAPI fuzzer (schemathesis) in the suite: every documented operation, as the
demo bureau's admin and without a token, seeded and bounded. No input may produce a
5xx, and every answer must match what ``/api/openapi.json`` documents (status codes,
content types, bodies: problem+json for errors).

``JIXIAO_FUZZ_EXAMPLES`` sets examples per operation and pass (default 12, about two
thousand requests in all); figures are printed at the end for the closing note.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("JIXIAO_FUZZ_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
TALLY: Counter = Counter()


@pytest.fixture(scope="module")
def fuzzed_app(database_template, tmp_path_factory) -> Iterator[tuple]:
    """One instance with the demo bureau for the whole module (a database per
    operation would cost more than the fuzzing)."""
    from tests.conftest import PgDatabases

    folder: Path = tmp_path_factory.mktemp("fuzz") / "instance"
    folder.mkdir()
    pg_name = None
    if isinstance(database_template, PgDatabases):
        pg_name, url = database_template.clone()
    else:
        path = folder.parent / "fuzz.sqlite3"
        path.write_bytes(Path(database_template).read_bytes())
        url = f"sqlite:///{path}"
    saved = {k: os.environ.get(k) for k in ("JIXIAO_INSTANCE_PATH", "JIXIAO_DATABASE_URL")}
    os.environ.update(JIXIAO_INSTANCE_PATH=str(folder), JIXIAO_DATABASE_URL=url)
    try:
        from core.app import create_app
        from core.ledger.signing import KeyRing
        from core.services import setup
        from core.services.demo import create_demo

        KeyRing(folder / "keys").add("jixiao-fuzz")
        app = create_app()
        platform = app.extensions["jixiao"]
        setup.prepare(platform)
        token = create_demo(platform)
        yield app, token
        platform.db.dispose()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if pg_name:
            database_template.drop(pg_name)


def _call(case, headers: dict) -> None:
    response = case.call(headers=headers)
    TALLY["requests"] += 1
    TALLY[f"{response.status_code // 100}xx"] += 1
    case.validate_response(response, checks=CHECKS)


def _fuzz(operation, token: str) -> str | None:
    """Fuzz one operation; the first failure's description, or None."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
        print_blob=False,
    )
    def run(case) -> None:
        _call(case, {"Authorization": f"Bearer {token}"})
        _call(case, {})

    try:
        run()
    except Exception as exc:  # one report per operation, all operations tried
        return f"{operation.label}: {str(exc)[:2000]}"
    return None


def test_no_5xx_and_documented_answers(fuzzed_app):
    app, token = fuzzed_app
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        TALLY["operations"] += 1
        failure = _fuzz(operation, token)
        if failure:
            TALLY["failed operations"] += 1
            failures.append(failure)
    print(f"\nfuzz figures: {dict(TALLY)}")
    assert not failures, "\n\n".join(failures)
