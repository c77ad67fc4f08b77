"""What the plugin suites share: a bureau driven through the services (the testing
kit's :class:`core.testing.Office`, here on the suite's database, SQLite or
PostgreSQL) and the command line."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner, Result

from core.cli import main
from core.services import ledger
from core.testing import Office

__all__ = ["Office", "cli", "cli_json", "verified"]


def cli(*args: str, ok: bool = True) -> Result:
    """``jixiao …`` in-process, on the instance the ``instance`` fixture points at."""
    result = CliRunner().invoke(main, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def cli_json(*args: str) -> Any:
    return json.loads(cli(*args).output)


def verified(office: Office) -> dict:
    """The bureau's ledger checked end to end (hash chain, Merkle roots, signatures)."""
    found = ledger.verify(office.ctx, office.code)
    assert found["ok"], found
    return found
