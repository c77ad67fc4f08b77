"""``jixiao plugins list|install|uninstall``."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from core.cli.common import (
    actor,
    bureau_option,
    emit,
    json_option,
    platform,
    readable_errors,
    transaction,
)
from core.domain import installs, organisation
from core.domain.models import Bureau, PluginInstallation


@click.group("plugins", cls=AppGroup)
def plugins() -> None:
    """Sector and rule plugins, installed per bureau."""


@plugins.command("list")
@click.option("--bureau", "bureau_code", default=None, help="only those installed for it")
@json_option
@readable_errors
def plugins_list(bureau_code: str | None, as_json: bool) -> None:
    host = platform().plugins
    with transaction() as s:
        installed: dict[str, list[str]] = {}
        for plugin, code in s.execute(select(PluginInstallation.plugin, Bureau.code).join(Bureau)):
            installed.setdefault(plugin, []).append(code)
        if bureau_code:
            organisation.get_bureau(s, bureau_code)
    rows = []
    for name in host.names():
        info = host.info(name)
        bureaus = sorted(installed.get(name, []))
        if bureau_code and bureau_code not in bureaus:
            continue
        rows.append(
            {
                "name": name,
                "version": info.version,
                "hooks": list(info.hooks),
                "bureaus": bureaus,
                "source": info.source,
            }
        )
    if not as_json:
        rows = [
            {**r, "hooks": ",".join(r["hooks"]), "bureaus": ",".join(r["bureaus"])} for r in rows
        ]
    emit(rows, as_json, ["name", "version", "hooks", "bureaus"])


@plugins.command("install")
@click.argument("name")
@bureau_option
@readable_errors
def plugins_install(name: str, bureau_code: str) -> None:
    with transaction() as s:
        version = installs.install(
            s, platform(), organisation.get_bureau(s, bureau_code), name, actor()
        )
    click.echo(f"installed {name} {version} for {bureau_code}")


@plugins.command("uninstall")
@click.argument("name")
@bureau_option
@readable_errors
def plugins_uninstall(name: str, bureau_code: str) -> None:
    with transaction() as s:
        installs.uninstall(s, organisation.get_bureau(s, bureau_code), name, actor())
    click.echo(f"uninstalled {name} for {bureau_code}")
