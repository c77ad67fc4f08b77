"""Helpers shared by the CLI commands: the platform, transactions, output, errors."""

from __future__ import annotations

import functools
import getpass
import json
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.domain.plugin_host import PluginError
from core.kernel.errors import ServiceError
from core.kernel.privacy import PersonalDataError
from core.ledger.tlog import CanonicalError, NoteError, ProofError
from core.services.platform import NotInitialised, Platform, current

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


def missing_schema(exc: DBAPIError) -> bool:
    """The error SQLite or PostgreSQL give for a database that was never migrated."""
    text = str(exc.orig)
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def readable_errors(fn: Callable) -> Callable:
    """Turn refusals into a clear message and exit status 1; nothing was written."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except EXPECTED as exc:
            raise click.ClickException(str(exc)) from exc
        except DBAPIError as exc:
            if not missing_schema(exc):
                raise
            raise click.ClickException(
                "the database has no jixiao tables yet: run `jixiao init` (or `jixiao db upgrade`)"
            ) from exc

    return wrapper


def cells(text: str) -> int:
    """Terminal width: CJK and other wide characters take two cells."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - cells(text))


def emit(rows: Sequence[dict], as_json: bool, columns: Sequence[str]) -> None:
    """Print rows as a JSON array (``--json``) or as an aligned table."""
    if as_json:
        click.echo(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str))
        return
    if not rows:
        click.echo("(none)")
        return
    text = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max(cells(c), *(cells(t[i]) for t in text)) for i, c in enumerate(columns)]
    click.echo("  ".join(pad(c, w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in text:
        click.echo("  ".join(pad(v, w) for v, w in zip(row, widths, strict=True)).rstrip())


json_option = click.option("--json", "as_json", is_flag=True, help="print JSON for scripts")
bureau_option = click.option("--bureau", "bureau_code", required=True, help="bureau code")
