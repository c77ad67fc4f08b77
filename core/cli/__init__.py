"""The ``jixiao`` command line.

Commands are imported only when run (``jixiao bureaus list`` loads neither Flask nor
the plugins), and plugins' own commands appear as ``jixiao <plugin> …`` for bureaus that
installed them.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
from typing import Any

import click

from core.cli.common import INSTANCE_ENV, State, check_arguments, close_platform

COMMANDS = {
    "init": "core.cli.setup:init_command",
    "serve": "core.cli.setup:serve_command",
    "db": "core.cli.setup:db_group",
    "bureaus": "core.cli.org:bureaus",
    "units": "core.cli.org:units",
    "people": "core.cli.org:people",
    "indicators": "core.cli.org:indicators",
    "cycles": "core.cli.org:cycles_group",
    "collection": "core.cli.collection:collection",
    "values": "core.cli.org:values_group",
    "users": "core.cli.access:users",
    "tokens": "core.cli.access:tokens",
    "plugins": "core.cli.plugins:plugins",
    "ledger": "core.cli.ledger:ledger",
    "schemes": "core.cli.schemes:schemes",
    "results": "core.cli.assessment:results",
    "ratings": "core.cli.assessment:ratings",
    "panels": "core.cli.assessment:panels",
    "items": "core.cli.assessment:items",
    "reviews": "core.cli.assessment:reviews",
    "evidence": "core.cli.assessment:evidence_group",
    "appeals": "core.cli.assessment:appeals",
    "webhooks": "webhooks.cli:webhooks",
    "excel": "core.cli.excel:excel",
    "witness": "core.cli.witness:witness",
}


STARTUP_ALLOCATIONS = 200_000
"""Objects allocated before a ``jixiao`` process's first garbage collection: more than a
command's start-up makes (``jixiao bureaus list``: about 115,000)."""


def collect_after_startup() -> None:
    """The garbage collection policy of a ``jixiao`` process (its entry point calls this
    once; commands run in-process by tests leave the collector alone).

    Start-up (the imports, SQLAlchemy's mappers, the platform) makes objects that live
    as long as the process. With CPython's default thresholds the collector traverses
    them again and again while they are being made (some 190 collections in ``jixiao
    bureaus list``, ≈ 40 ms), and the interpreter's shutdown traverses them twice more
    (≈ 90 ms), only to free memory the operating system is about to take back. So:

    * the first collection waits for :data:`STARTUP_ALLOCATIONS`: a short command makes
      none. When it happens, the objects that survive it are frozen (:func:`gc.freeze`:
      never traversed again, still freed as soon as nothing refers to them) and the
      default thresholds return. Long-running commands (``serve``, ``webhooks worker``,
      ``ledger mirror``, ``witness serve``) therefore collect as any Python process
      does once they have started, their later full collections skip the start-up
      objects, and gunicorn's forked workers share those objects' memory pages;
    * at exit everything is frozen before the interpreter's final collections. Cyclic
      garbage left at exit is then not finalised (Python never promises it), which is
      why a command's database connections are closed when it ends
      (:func:`core.cli.common.close_platform`), not by the collector.
    """
    defaults = gc.get_threshold()

    def first_collection(phase: str, _info: dict) -> None:
        if phase != "stop":
            return
        gc.callbacks.remove(first_collection)
        gc.freeze()
        gc.set_threshold(*defaults)

    gc.callbacks.append(first_collection)
    gc.set_threshold(STARTUP_ALLOCATIONS, *defaults[1:])
    atexit.register(gc.freeze)


class LazyGroup(click.Group):
    """Subcommands imported on first use; plugins' command groups found on demand."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The process's entry point (the ``jixiao`` script, ``python -m core.cli``);
        :class:`click.testing.CliRunner` calls :meth:`main` instead."""
        collect_after_startup()
        return self.main(*args, **kwargs)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """One invocation; its database connections are closed when it ends."""
        try:
            return super().main(*args, **kwargs)
        finally:
            close_platform()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS) + sorted(_plugin_groups())

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return _plugin_groups().get(name)
        module, _, attr = target.partition(":")
        return getattr(importlib.import_module(module), attr)


def _plugin_groups() -> dict[str, click.Group]:
    """``jixiao <plugin> <command>`` for every plugin that contributes commands."""
    try:
        from core.cli.common import platform

        host = platform().plugins
    except click.ClickException:
        return {}
    groups: dict[str, click.Group] = {}
    for plugin, item in host.platform_items("jixiao_cli_commands"):
        group = groups.setdefault(plugin, click.Group(plugin, help=f"Commands of plugin {plugin}."))
        group.add_command(item.command, item.name)
    return groups


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--instance",
    type=click.Path(file_okay=False),
    default=None,
    help=f"instance folder (database, keys); default ${INSTANCE_ENV} or ./instance",
)
@click.option(
    "--as",
    "acting_as",
    default=None,
    metavar="USER[@BUREAU]",
    help="act as this user, with their permissions (recorded as the actor)",
)
def main(instance: str | None, acting_as: str | None) -> None:
    """jixiao 绩效 — performance assessment with a tamper-evident ledger.

    Settings come from JIXIAO_* environment variables (JIXIAO_INSTANCE_PATH,
    JIXIAO_DATABASE_URL, …). Without --as, commands act as the operator (cli:<login>).
    """
    check_arguments({"instance": instance, "acting_as": acting_as})
    if acting_as is not None and not acting_as.partition("@")[0].strip():
        # an empty $USER in a script must not mean "as the operator, with every right"
        raise click.BadParameter("须指明用户 (name a user: USER or USER@BUREAU)", param_hint="--as")
    if instance:
        os.environ[INSTANCE_ENV] = os.path.abspath(instance)
    State.acting_as = acting_as
    State._platform = None  # one per invocation (tests run many in one process)
