"""``jixiao schemes import|list|publish``."""

from __future__ import annotations

import json
from pathlib import Path

import click
import yaml
from flask.cli import AppGroup

from core.cli.common import (
    actor,
    bureau_option,
    emit,
    json_option,
    platform,
    readable_errors,
    transaction,
)
from core.domain import organisation
from core.domain.assessment import service


@click.group("schemes", cls=AppGroup)
def schemes() -> None:
    """Indicator schemes (指标体系): versioned, published, never rewritten."""


def read_document(path: str) -> object:
    """A scheme file: YAML (.yaml/.yml) or JSON; a syntax error names line and column."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        if path.endswith((".yaml", ".yml")):
            return yaml.safe_load(text)
        return json.loads(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{path} cannot be read: {exc}") from exc


@schemes.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@bureau_option
@click.option("--cycle", required=True, help="cycle code")
@click.option("--publish", is_flag=True, help="publish the imported version at once")
@readable_errors
def import_(path: str, bureau_code: str, cycle: str, publish: bool) -> None:
    """Validate a scheme file and record it as the next version."""
    doc = read_document(path)
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        scheme = service.import_scheme(s, platform(), b, cycle, doc, actor())
        if publish and scheme.status == "draft":
            service.publish_scheme(s, b, cycle, scheme.code, scheme.version, actor())
        click.echo(
            f"scheme {scheme.code} version {scheme.version} ({scheme.status}), "
            f"digest {scheme.digest[:16]}"
        )


@schemes.command("publish")
@click.argument("code")
@bureau_option
@click.option("--cycle", required=True)
@click.option("--version", type=int, default=None, help="default: the latest")
@readable_errors
def publish(code: str, bureau_code: str, cycle: str, version: int | None) -> None:
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        scheme = service.publish_scheme(s, b, cycle, code, version, actor())
        click.echo(f"published {scheme.code} version {scheme.version}")


@schemes.command("list")
@bureau_option
@click.option("--cycle", default=None)
@json_option
@readable_errors
def list_(bureau_code: str, cycle: str | None, as_json: bool) -> None:
    with transaction() as s:
        rows = service.listing(s, organisation.get_bureau(s, bureau_code), cycle)
    if not as_json:
        rows = [{k: v for k, v in r.items() if k != "definition"} for r in rows]
    emit(rows, as_json, ["cycle", "code", "version", "status", "group", "nodes", "name"])
