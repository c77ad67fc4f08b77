"""``jixiao plugins list|install|uninstall|settings|configure|new``."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

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
    if bureau_code:  # the bureau is the one asked for: no column of bureaus
        mine = {p["name"] for p in service.installed(ctx, bureau_code)}
        emit([r for r in rows if r["name"] in mine], as_json, ["name", "version", "source"])
        return
    if ctx.principal.everywhere:
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
            raise click.ClickException(f"{path} 须为 JSON 对象 ({path} must hold a JSON object)")
        values.update(loaded)
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise click.ClickException(
                f"--set {pair!r}：请写成 KEY=VALUE (--set {pair!r}: write KEY=VALUE)"
            )
        try:
            values[key] = jsonio.loads(raw)
        except ServiceError:  # not JSON: the text itself
            values[key] = raw
    print_json(service.configure(ctx, bureau_code, name, values))


PLUGIN_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
SCAFFOLD = "scaffold"
"""The kit's file templates (package data of ``core.cli``): ``{{name}}``, ``{{title}}``,
``{{package}}`` and ``{{dist}}`` are filled in; ``package/`` becomes the package
folder and ``name`` in a file name the plugin's name."""


def scaffold_files(name: str, title: str) -> dict[str, str]:
    """Relative path → content of the package ``jixiao plugins new NAME`` makes."""
    package = f"jixiao_{name}"
    values = {"name": name, "title": title, "package": package, "dist": f"jixiao-{name}"}
    files = {}
    root = resources.files("core.cli").joinpath(SCAFFOLD)
    pending = [(root, "")]
    while pending:
        folder, prefix = pending.pop()
        for entry in folder.iterdir():
            if entry.is_dir():
                pending.append((entry, f"{prefix}{entry.name}/"))
                continue
            if not entry.name.endswith(".tmpl"):
                continue
            target = prefix + entry.name.removesuffix(".tmpl")
            target = target.replace("package/", f"{package}/", 1)
            target = re.sub(r"(^|/)(test_)?name\.", rf"\1\g<2>{name}.", target)
            text = entry.read_text("utf-8")
            for key, value in values.items():
                text = text.replace("{{" + key + "}}", value)
            files[target] = text
    return dict(sorted(files.items()))


@plugins.command("new")
@click.argument("name")
@click.option(
    "--path",
    "folder",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="the folder in which to create NAME/",
)
@click.option("--title", default=None, help="中文名 (English name) of the module")
def plugins_new(name: str, folder: str, title: str | None) -> None:
    """Scaffold an installable plugin package: packaging with the ``jixiao`` entry
    point, a hook module, a scheme template, a settings schema and tests that use
    jixiao's pytest fixtures. Then: ``pip install ./NAME`` and ``pytest NAME``."""
    if not PLUGIN_NAME.fullmatch(name):
        raise click.ClickException(
            f"{name!r}：插件名须为 1–40 个小写字母、数字或 '_'，以字母开头 "
            f"({name!r}: a plugin name is 1–40 lower-case letters, digits or '_', "
            "starting with a letter (it names the entry point and the package jixiao_NAME))"
        )
    project = Path(folder) / name
    if project.exists() and any(project.iterdir()):
        raise click.ClickException(
            f"{project} 已存在且不为空，请另选 --path "
            f"({project} exists and is not empty; choose another --path)"
        )
    files = scaffold_files(name, title or f"{name} 绩效指标模块 ({name} indicators)")
    for relative, text in files.items():
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    click.echo(f"created {project} ({len(files)} files):")
    for relative in files:
        click.echo(f"  {relative}")
    click.echo(f"next: pip install {project} && pytest {project}")
