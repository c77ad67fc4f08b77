"""What every command shares: the platform, the acting principal, errors, output.

Commands parse their options, call a service with :func:`context` and print. The
command line acts as the operator (``cli:<login>``, an explicit system principal) unless
``--as USER`` names a user, whose permissions then apply and whose name is recorded as
the actor.
"""

from __future__ import annotations

import functools
import getpass
import json
import os
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from core.kernel.errors import ServiceError

INSTANCE_ENV = "JIXIAO_INSTANCE_PATH"


class State:
    """The invocation's settings, filled by the top-level options."""

    acting_as: str | None = None
    _platform: Any = None


def platform() -> Any:
    """The platform, built once per invocation (the instance must exist)."""
    if State._platform is None:
        from core.runtime import make_platform

        found = make_platform()
        if not found.instance.is_dir():
            raise click.ClickException(
                f"{found.instance} 下没有 jixiao 实例：请先在那里运行 `jixiao init`，"
                f"或将 {INSTANCE_ENV}（或 --instance）指向已有的实例 "
                f"(no jixiao instance at {found.instance}: run `jixiao init` there first, or "
                f"point {INSTANCE_ENV} (or --instance) at an existing one)"
            )
        State._platform = found
    return State._platform


def close_platform() -> None:
    """Close the invocation's database connections when the command ends, rather than
    leave them to the garbage collector (which a ``jixiao`` process skips at exit, see
    :func:`core.cli.collect_after_startup`): SQLite folds its write-ahead log back into
    the database file when the last connection closes, and PostgreSQL is told goodbye."""
    if State._platform is not None:
        State._platform.dispose()
        State._platform = None


def context() -> Any:
    """The service context: ``--as USER[@BUREAU]``, or the operator."""
    from core.domain.access import Principal
    from core.services.context import Context

    p = platform()
    if State.acting_as:
        from core.services.users import principal_named  # only here: it loads argon2

        user, _, bureau = State.acting_as.partition("@")
        return Context(p, principal_named(p, user, bureau or None))
    return Context(p, Principal.system(f"cli:{getpass.getuser()}"))


@contextmanager
def plugin_context(plugin: str, bureau: str, write: bool = False) -> Iterator[Any]:
    """For a plugin's own commands (``jixiao <plugin> …``): the plugin's
    :class:`core.plugin_api.PluginContext` for ``bureau`` in one unit of work, acting as
    :func:`context` does (``--as``); with ``write``, ``record`` appends the plugin's
    event kinds and everything commits when the block ends. Refused (exit 1) for a
    bureau that has not installed the plugin."""
    from core.services import plugins

    with plugins.plugin_context(context(), bureau, plugin, write) as found:
        yield found


def database_missing(exc: Exception) -> bool:
    """The error SQLite or PostgreSQL give for a database that was never migrated."""
    text = str(getattr(exc, "orig", exc))
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def check_arguments(values: dict[str, Any]) -> None:
    """Refuse NUL, other control characters, lone surrogates and bidi controls in any
    argument before a command runs, naming the option (tab and line breaks are fine:
    notes and reasons are multi-line). The API refuses them in paths and queries the same
    way; without this, PostgreSQL, which cannot even compare text holding NUL, turned a
    lookup such as ``--bureau`` into a traceback, while SQLite answered "not found"."""
    from core.kernel.text import problem

    ctx = click.get_current_context(silent=True)
    params = {p.name: p for p in ctx.command.params} if ctx else {}
    for name, value in values.items():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            reason = problem(item) if isinstance(item, str) else None
            if reason:
                param = params.get(name)
                hint = None if param else f"'{name}'"
                raise click.BadParameter(reason, ctx=ctx, param=param, param_hint=hint)


def readable_errors(fn: Callable) -> Callable:
    """Refusals become a clear message and exit status 1; nothing was written. Arguments
    are checked first (:func:`check_arguments`)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sqlalchemy.exc import DBAPIError

        check_arguments(kwargs)
        try:
            return fn(*args, **kwargs)
        except ServiceError as exc:
            raise click.ClickException(f"{exc.title}: {exc}") from exc
        except BrokenPipeError:  # `jixiao … | head`: the reader has all it wanted
            _stdout_gone()
        except OSError as exc:  # a file or folder given on the command line
            where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
            raise click.ClickException(
                f"无法读写文件{where} (cannot use{where}: {exc.strerror or exc})"
            ) from exc
        except OverflowError as exc:  # a number past what the database can hold
            raise click.ClickException(f"数值过大 (a number is too large: {exc})") from exc
        except DBAPIError as exc:
            if unreachable(exc):
                raise click.ClickException(
                    f"无法连接数据库 (cannot connect to the database: {reason_of(exc)})"
                ) from exc
            if not database_missing(exc):
                raise
            raise click.ClickException(
                "数据库中还没有 jixiao 的数据表：请运行 `jixiao init`（或 `jixiao db upgrade`） "
                "(the database has no jixiao tables yet: run `jixiao init` "
                "(or `jixiao db upgrade`))"
            ) from exc

    return wrapper


def _stdout_gone() -> None:
    """Stop quietly, as the Python documentation advises for a closed pipe: output to
    nowhere from here on (so the interpreter's own flush at exit cannot fail again)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(1)


def unreachable(exc: Exception) -> bool:
    """The database could not be connected to at all (no server, no such database,
    refused credentials), as opposed to a statement failing."""
    from sqlalchemy.exc import OperationalError

    text = str(getattr(exc, "orig", exc)).lower()
    return isinstance(exc, OperationalError) and (
        "connection" in text or "unable to open database" in text
    )


def reason_of(exc: Exception) -> str:
    """The driver's own words, first line, without SQLAlchemy's wrapping."""
    return (str(getattr(exc, "orig", exc)).strip().splitlines() or [""])[0][:300]


def cells(text: str) -> int:
    """Terminal width: CJK and other wide characters take two cells."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - cells(text))


def emit(rows: Sequence[dict], as_json: bool, columns: Sequence[str]) -> None:
    """Print rows as a JSON array (``--json``) or as an aligned table."""
    if as_json:
        print_json(list(rows))
        return
    if not rows:
        click.echo("(none)")
        return
    text = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(cells(c), *(cells(t[i]) for t in text)) for i, c in enumerate(columns)]
    click.echo("  ".join(pad(c, w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in text:
        click.echo("  ".join(pad(v, w) for v, w in zip(row, widths, strict=True)).rstrip())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return str(value)


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def read_json_file(path: str) -> Any:
    """A JSON file from an office: UTF-8 (BOM or not) or GB18030, read strictly."""
    from dataclasses import replace

    from core.kernel import jsonio
    from core.kernel.errors import ServiceError
    from core.kernel.files import read_text

    try:
        return jsonio.loads(read_text(path))
    except ServiceError as exc:  # the JSON reader names the API's "body": here, the file
        errors = [replace(e, field=path if e.field == "body" else e.field) for e in exc.errors]
        detail = f"{path}: {exc.detail.removeprefix('body: ')}"
        raise replace(exc, detail=detail, errors=errors) from exc


@contextmanager
def progress(label: str, total: int | None, quiet: bool = False) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal (stderr); nothing when piped or asked for JSON."""
    if quiet or not sys.stderr.isatty() or os.environ.get("JIXIAO_NO_PROGRESS"):
        yield lambda _n: None
        return
    with click.progressbar(length=total or 0, label=label, file=sys.stderr) as bar:
        yield bar.update


json_option = click.option("--json", "as_json", is_flag=True, help="print JSON for scripts")
bureau_option = click.option("--bureau", "bureau_code", required=True, help="bureau code")


def instance_path() -> Path:
    from core.kernel import config

    return Path(config.instance_path())
