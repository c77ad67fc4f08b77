"""What every refusal in this suite is held to: RFC 9457 problem+json with the expected
status, an ``errors`` entry naming the field, and nothing written to the bureau's log."""

from __future__ import annotations

from click.testing import CliRunner, Result

from core.cli import main
from tests.helpers import log_size

PROBLEM = "application/problem+json"


def refused(response, status: int | tuple[int, ...], field: str | None = None) -> dict:
    """Assert ``response`` is a problem with ``status`` (one of them) whose errors name
    ``field``; returns the problem document."""
    statuses = (status,) if isinstance(status, int) else status
    assert response.status_code in statuses, (response.status_code, response.get_data(True))
    assert response.mimetype == PROBLEM, response.mimetype
    body = response.json
    assert body["status"] == response.status_code and body["title"] and body["detail"]
    if field is not None:
        named = {e["field"] for e in body.get("errors", [])}
        assert field in named, (field, body)
    return body


def said(body: dict) -> str:
    """Everything a problem tells the caller (detail and each error's reason)."""
    return " ".join([body["detail"], *(e["reason"] for e in body.get("errors", []))])


class Unchanged:
    """``with Unchanged(platform, "b1"):`` — the bureau's log did not grow."""

    def __init__(self, platform, bureau: str = "b1") -> None:
        self.platform, self.bureau = platform, bureau

    def __enter__(self) -> Unchanged:
        self.before = log_size(self.platform, self.bureau)
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            assert log_size(self.platform, self.bureau) == self.before, "something was written"


def run(*args: str, acting: str | None = None) -> Result:
    """``jixiao ARGS`` in-process, exceptions caught (a traceback is a failure). The
    invocation's platform is disposed afterwards, so its connections do not outlive it
    (on PostgreSQL they would hold up dropping the test's database)."""
    from core.cli.common import State

    try:
        return CliRunner().invoke(main, (["--as", acting] if acting else []) + list(args))
    finally:
        if State._platform is not None:
            State._platform.dispose()
            State._platform = None


def cli_ok(*args: str, acting: str | None = None) -> str:
    result = run(*args, acting=acting)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def cli_refused(*args: str, acting: str | None = None) -> str:
    """A refusal: exit status 1 (2 for a usage error), a message, never a traceback."""
    result = run(*args, acting=acting)
    assert result.exit_code in (1, 2), (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.output
