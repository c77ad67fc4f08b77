"""A command's start-up: what ``jixiao bureaus list`` imports, and the collector policy of
a ``jixiao`` process. Start-up is most of a short command's time (``bench/cli.py``); these
tests keep it from growing back silently, without timing anything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy.engine import make_url

from core.cli import main
from tests.conftest import ON_POSTGRES

# Modules a command that lists bureaus has no use for, which it used to import: the
# PostgreSQL dialect (a ``postgresql_where`` in the models), YAML (scheme templates),
# cryptography (signing and verifying), argon2 (passwords, for --as), the webhook tables
# (written on append), Flask (the web app), every table outside the organisation
# (units, people, indicators, users, schemes, results, collection, plugins' records: declared
# in submodules of ``core.domain.models`` imported on first use; the ledger's entries,
# checkpoints and tiles likewise), the ledger's write path and signing keys, and the
# plugin API (a reading command builds no plugin host).
NOT_AT_START = [
    "core.domain.models.organisation",
    "core.domain.organisation",
    "core.ledger.models.entries",
    "core.domain.models.access",
    "core.domain.models.assessment",
    "core.domain.models.collection",
    "core.domain.models.plugins",
    "core.ledger.store",
    "core.ledger.signing",
    "core.plugin_api",
    "webhooks.listener",
    "yaml",
    "cryptography",
    "argon2",
    "webhooks.models",
    "flask",
    "werkzeug",
    "core.app",
    "core.api",
]

LOADED_MODULES = """
import json, sys
from core.cli import main
try:
    main(sys.argv[1:])
finally:
    print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def loaded_by(*args: str) -> set[str]:
    """The modules a ``jixiao`` process running ``args`` had imported when it ended."""
    done = subprocess.run(
        [sys.executable, "-c", LOADED_MODULES, *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_listing_bureaus_imports_only_what_it_uses(instance):
    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    assert runner.invoke(main, ["bureaus", "create", "b1", "测试局"]).exit_code == 0
    loaded = loaded_by("bureaus", "list")
    assert "core.domain.models" in loaded  # the command did run
    unwanted = list(NOT_AT_START)
    if not ON_POSTGRES:
        unwanted.append("sqlalchemy.dialects.postgresql")
    found = sorted(m for m in loaded if any(m == u or m.startswith(u + ".") for u in unwanted))
    assert found == [], f"imported by `jixiao bureaus list`: {found}"
    if not ON_POSTGRES:
        # the process closed its connections (the collector does not, at exit): SQLite
        # folded the write-ahead log back into the database file
        database = make_url(os.environ["JIXIAO_DATABASE_URL"]).database
        assert not Path(f"{database}-wal").exists()


COLLECTOR = """
import gc, json
from core.cli import collect_after_startup

defaults = gc.get_threshold()
collect_after_startup()
state = {"start": [gc.get_threshold(), len(gc.callbacks)]}
kept = [[n] for n in range(300_000)]  # past STARTUP_ALLOCATIONS: one collection
state["after"] = [gc.get_threshold(), len(gc.callbacks), gc.get_freeze_count() > 0]
state["defaults"] = defaults
print(json.dumps(state))
"""


def test_the_first_collection_waits_for_start_up_then_defaults_return():
    """Long-running commands (serve, the webhook worker, mirror, witness serve) must
    collect garbage as usual once started: the start-up threshold lasts one collection."""
    from core.cli import STARTUP_ALLOCATIONS

    done = subprocess.run(
        [sys.executable, "-c", COLLECTOR], capture_output=True, text=True, check=True
    )
    state = json.loads(done.stdout)
    defaults = state["defaults"]
    assert state["start"] == [[STARTUP_ALLOCATIONS, *defaults[1:]], 1]
    assert state["after"] == [defaults, 0, True]


WHOLE_SCHEMA = """
import json
from core.domain.models import load_all
from core.kernel.db import Base
before = set(Base.metadata.tables)
load_all()
print(json.dumps([sorted(before), sorted(Base.metadata.tables)]))
"""


def test_load_all_declares_every_table_the_migrations_create(tmp_path):
    """What needs the whole schema (a scratch database for ``replay --check``, the
    migrations' metadata) calls ``load_all``: the tables declared lazily are then there,
    every table the migrations create (the webhook tables are the webhooks package's)."""
    done = subprocess.run(
        [sys.executable, "-c", WHOLE_SCHEMA], capture_output=True, text=True, check=True
    )
    before, after = (set(t) for t in json.loads(done.stdout))
    assert {"bureaus", "ledger_logs"} <= before
    lazily = {"units", "subjects", "schemes", "users", "collection_rounds", "ledger_entries"}
    assert not lazily & before  # declared on first use
    from sqlalchemy import create_engine, inspect

    from core.kernel import migrate

    url = f"sqlite:///{tmp_path / 'schema.sqlite3'}"
    migrate.upgrade(url)
    migrated = set(inspect(create_engine(url)).get_table_names())
    webhooks = {t for t in migrated if t.startswith("webhook")}
    assert after == migrated - webhooks - {"alembic_version"}
