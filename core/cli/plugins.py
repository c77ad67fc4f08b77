"""``jixiao plugins list|install|uninstall|settings|configure``."""

from __future__ import annotations

import click

from core.cli.common import (
    bureau_option,
    context,
    emit,
    json_option,
    print_json,
    read_json_file,
    readable_errors,
)
from core.kernel.errors import ServiceError


@click.group("plugins")
def plugins() -> None:
    """Sector and rule plugins, installed per bureau."""


@plugins.command("list")
@click.option("--bureau", "bureau_code", default=None, help="only those installed for it")
@json_option
@readable_errors
def plugins_list(bureau_code: str | None, as_json: bool) -> None:
    from core.services import plugins as service

    ctx = context()
    rows = service.available(ctx)
    if bureau_code:
        mine = {p["name"] for p in service.installed(ctx, bureau_code)}
        rows = [r for r in rows if r["name"] in mine]
    elif ctx.principal.everywhere:
        where = service.installations(ctx)
        for row in rows:
            row["bureaus"] = where.get(row["name"], [])
    emit(rows, as_json, ["name", "version", "bureaus", "source"])


@plugins.command("install")
@click.argument("name")
@bureau_option
@readable_errors
def plugins_install(name: str, bureau_code: str) -> None:
    from core.services import plugins as service

    done = service.install(context(), bureau_code, name)
    click.echo(f"installed {done['plugin']} {done['version']} for {bureau_code}")


@plugins.command("uninstall")
@click.argument("name")
@bureau_option
@readable_errors
def plugins_uninstall(name: str, bureau_code: str) -> None:
    from core.services import plugins as service

    service.uninstall(context(), bureau_code, name)
    click.echo(f"uninstalled {name} for {bureau_code}")


@plugins.command("settings")
@click.argument("name")
@bureau_option
@readable_errors
def plugins_settings(name: str, bureau_code: str) -> None:
    """A plugin's settings for the bureau (defaults filled in)."""
    from core.services import plugins as service

    print_json(service.settings(context(), bureau_code, name))


@plugins.command("configure")
@click.argument("name")
@bureau_option
@click.option("--set", "pairs", multiple=True, metavar="KEY=VALUE", help="one setting (repeat)")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False), help="a JSON object")
@readable_errors
def plugins_configure(
    name: str, bureau_code: str, pairs: tuple[str, ...], path: str | None
) -> None:
    """Set a plugin's settings for the bureau (validated, recorded in the ledger).
    Values given with --set are read as JSON when they parse (numbers, lists), else as
    text; settings not given keep their current value."""
    from core.kernel import jsonio
    from core.services import plugins as service

    ctx = context()
    values = dict(service.settings(ctx, bureau_code, name))
    if path:
        loaded = read_json_file(path)
        if not isinstance(loaded, dict):
            raise click.ClickException(f"{path} must hold a JSON object")
        values.update(loaded)
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep:
            raise click.ClickException(f"--set {pair!r}: write KEY=VALUE")
        try:
            values[key] = jsonio.loads(raw)
        except ServiceError:  # not JSON: the text itself
            values[key] = raw
    print_json(service.configure(ctx, bureau_code, name, values))
