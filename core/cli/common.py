"""Helpers shared by the CLI commands: the platform, transactions, output, errors."""

from __future__ import annotations

import functools
import getpass
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click
from sqlalchemy.orm import Session

from core.errors import ServiceError
from core.ledger.verifier import CanonicalError, NoteError, ProofError
from core.platform import NotInitialised, Platform, current
from core.plugins import PluginError
from core.privacy import PersonalDataError

EXPECTED = (
    ServiceError,
    PluginError,
    NotInitialised,
    PersonalDataError,
    CanonicalError,
    NoteError,
    ProofError,
    FileExistsError,
    FileNotFoundError,
)


def platform() -> Platform:
    return current()


def actor() -> str:
    return f"cli:{getpass.getuser()}"


@contextmanager
def transaction() -> Iterator[Session]:
    with platform().db.transaction() as session:
        yield session


def readable_errors(fn: Callable) -> Callable:
    """Turn refusals into a clear message and exit status 1; nothing was written."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except EXPECTED as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


def emit(rows: Sequence[dict], as_json: bool, columns: Sequence[str]) -> None:
    """Print rows as a JSON array (``--json``) or as an aligned table."""
    if as_json:
        click.echo(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str))
        return
    if not rows:
        click.echo("(none)")
        return
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    click.echo("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        click.echo("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))


json_option = click.option("--json", "as_json", is_flag=True, help="print JSON for scripts")
bureau_option = click.option("--bureau", "bureau_code", required=True, help="bureau code")
