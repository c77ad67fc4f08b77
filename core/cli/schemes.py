"""``jixiao schemes import|list|publish``."""

from __future__ import annotations

import click

from core.cli.common import bureau_option, context, emit, json_option, print_json, readable_errors


def read_document(path: str) -> object:
    """A scheme file: YAML (.yaml/.yml) or JSON, UTF-8 (BOM or not) or GB18030; a syntax
    error names line and column, anything else gets a clear error. YAML is read by the
    strict reader (exact numbers, no duplicate keys, the rules of an API body)."""
    import yaml

    from core.kernel import jsonio, yamlio
    from core.kernel.files import read_text

    text = read_text(path)
    try:
        if not path.endswith((".yaml", ".yml")):
            return jsonio.loads(text)
        return yamlio.loads(text)
    except jsonio.JSONError as exc:  # names the path inside the document, not "body"
        raise click.ClickException(
            "; ".join(f"{_where(path, e.field)}: {e.reason}" for e in exc.errors)
        ) from exc
    except yaml.YAMLError as exc:
        raise click.ClickException(
            f"{path} 无法按 YAML 读取 ({path} cannot be read as YAML: {exc})"
        ) from exc
    except (RecursionError, ValueError) as exc:
        raise click.ClickException(
            f"{path} 无法作为方案读取 ({path} cannot be read as a scheme: {exc})"
        ) from exc


def _where(path: str, field: str) -> str:
    """The file, and the path inside it unless the error is about the whole document."""
    return path if field == "body" else f"{path} {field}"


@click.group("schemes")
def schemes() -> None:
    """Indicator schemes (指标体系): versioned, published, never rewritten."""


@schemes.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@bureau_option
@click.option("--cycle", required=True, help="cycle code")
@click.option("--publish", is_flag=True, help="publish the imported version at once")
@readable_errors
def import_(path: str, bureau_code: str, cycle: str, publish: bool) -> None:
    """Validate a scheme file and record it as the next version (every error at once)."""
    from core.services import schemes as service

    scheme = service.import_scheme(context(), bureau_code, cycle, read_document(path), publish)
    click.echo(
        f"scheme {scheme['code']} version {scheme['version']} ({scheme['status']}), "
        f"digest {scheme['digest'][:16]}"
    )


@schemes.command("publish")
@click.argument("code")
@bureau_option
@click.option("--cycle", required=True)
@click.option("--version", type=int, default=None, help="default: the latest")
@readable_errors
def publish(code: str, bureau_code: str, cycle: str, version: int | None) -> None:
    from core.services import schemes as service

    scheme = service.publish(context(), bureau_code, cycle, code, version)
    click.echo(f"published {scheme['code']} version {scheme['version']}")


@schemes.command("list")
@bureau_option
@click.option("--cycle", default=None)
@json_option
@readable_errors
def list_(bureau_code: str, cycle: str | None, as_json: bool) -> None:
    from core.services import schemes as service

    rows = service.listing(context(), bureau_code, cycle)
    if as_json:
        print_json(rows)
        return
    emit(rows, False, ["cycle", "code", "version", "status", "group", "subject", "nodes", "name"])


@schemes.command("templates")
@bureau_option
@json_option
@readable_errors
def templates_list(bureau_code: str, as_json: bool) -> None:
    """Templates and indicator libraries the bureau's plugins offer."""
    from core.services import templates

    rows = templates.listing(context(), bureau_code)
    emit(rows, as_json, ["kind", "name", "plugin", "indicators", "title"])


@schemes.command("template")
@click.argument("name")
@bureau_option
@click.option("--cycle", required=True)
@click.option("--publish", is_flag=True, help="publish each imported version at once")
@readable_errors
def template_import(name: str, bureau_code: str, cycle: str, publish: bool) -> None:
    """Import a plugin's template (its indicators and schemes) with one command."""
    from core.services import templates

    done = templates.import_template(context(), bureau_code, name, cycle, publish)
    if done["indicators_added"]:
        click.echo(f"indicators added: {', '.join(done['indicators_added'])}")
    for scheme in done["schemes"]:
        click.echo(f"scheme {scheme['code']} version {scheme['version']} ({scheme['status']})")
