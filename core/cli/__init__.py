"""The ``jixiao`` command line (a Flask CLI group, so every command has the app)."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from core.cli import access, assessment, ledger, org, plugins, schemes, setup
from webhooks.cli import webhooks


def _create_app():
    from core.app import create_app

    return create_app()


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
)
def main() -> None:
    """jixiao 绩效 — performance assessment with a tamper-evident ledger.

    Settings come from JIXIAO_* environment variables (JIXIAO_INSTANCE_PATH,
    JIXIAO_DATABASE_URL, …).
    """


for command in (
    setup.init_command,
    setup.serve_command,
    setup.db_group,
    org.bureaus,
    org.units,
    org.people,
    org.indicators,
    org.cycles_group,
    org.values_group,
    access.users,
    access.tokens,
    plugins.plugins,
    ledger.ledger,
    schemes.schemes,
    webhooks,
    *assessment.COMMANDS,
):
    main.add_command(command)
