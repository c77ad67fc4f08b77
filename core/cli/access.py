"""``jixiao users`` and ``jixiao tokens``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.cli.common import actor, readable_errors, transaction
from core.domain import organisation
from core.domain.access import ROLES


@click.group("users", cls=AppGroup)
def users() -> None:
    """Users and their roles."""


@users.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--bureau", "bureau_code", default=None, help="required except for platform_admin")
@click.option("--unit", "units", multiple=True, help="units a reporter may record for")
@click.option("--name", default="")
@readable_errors
def users_create(username, role, bureau_code, units, name) -> None:
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code) if bureau_code else None
        organisation.create_user(s, username, role, b, list(units), name, actor=actor())
    click.echo(f"created user {username} ({role})")


@click.group("tokens", cls=AppGroup)
def tokens() -> None:
    """API bearer tokens (stored hashed; shown once)."""


@tokens.command("create")
@click.argument("username")
@click.option("--label", default="")
@readable_errors
def tokens_create(username: str, label: str) -> None:
    with transaction() as s:
        token = organisation.create_token(s, username, label, actor=actor())
    click.echo(token)
