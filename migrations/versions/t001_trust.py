"""trust beyond the operator: log suites, Merkle tiles, witness cosignatures, time-stamps

* ``ledger_logs.suite``: the log's cryptographic suite, fixed when it is created (a
  trigger refuses to change it). Existing logs are ``sha256-ed25519``, what they always
  were.
* ``ledger_tiles``: full C2SP tlog-tiles of every log, filled in here for the logs that
  exist (from their stored leaf hashes, in order; O(n) once), then written by every append.
* ``ledger_cosignatures``, ``ledger_timestamps``: what witnesses and a time-stamp
  authority add to a checkpoint after it is signed.
* a partial index finding a log's latest ledger policy without scanning the log.

The new tables are append-only, like the entries and checkpoints.

Revision ID: t001
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from core.ledger import tilestore, triggers
from core.ledger.rfc9162 import SHA256

revision = "t001"
down_revision = "0010"
branch_labels = None
depends_on = None

POLICY = sa.text("kind = 'ledger.policy.set'")
BATCH = 20_000


def upgrade() -> None:
    op.add_column(
        "ledger_logs",
        sa.Column("suite", sa.String(length=32), server_default="sha256-ed25519", nullable=False),
    )
    op.create_table(
        "ledger_tiles",
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hashes", sa.LargeBinary(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(["log_id"], ["ledger_logs.id"]),
        sa.PrimaryKeyConstraint("log_id", "level", "idx"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "ledger_cosignatures",
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("witness", sa.String(length=200), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["log_id"], ["ledger_logs.id"]),
        sa.PrimaryKeyConstraint("log_id", "size", "witness", "key_id"),
    )
    op.create_table(
        "ledger_timestamps",
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("token", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["log_id"], ["ledger_logs.id"]),
        sa.PrimaryKeyConstraint("log_id", "size"),
    )
    op.create_index(
        "ix_ledger_entries_policy",
        "ledger_entries",
        ["log_id", "seq"],
        sqlite_where=POLICY,
        postgresql_where=POLICY,
    )
    bind = op.get_bind()
    _fill_tiles(bind)
    triggers.run(bind, triggers.create_statements(bind.dialect.name, triggers.TRUST_TABLES))
    triggers.run(bind, triggers.suite_statements(bind.dialect.name))


def _fill_tiles(bind: sa.Connection) -> None:
    """Tiles of the logs that exist (all SHA-256: suites did not exist before)."""
    logs = bind.execute(sa.text("SELECT id FROM ledger_logs ORDER BY id")).scalars().all()
    mark = "?" if bind.dialect.paramstyle == "qmark" else "%s"
    insert = (
        f"INSERT INTO ledger_tiles ({', '.join(tilestore.TILE_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(tilestore.TILE_COLUMNS))})"
    )
    for log_id in logs:
        query = sa.text(
            "SELECT leaf_hash FROM ledger_entries WHERE log_id = :l ORDER BY seq"
        ).execution_options(stream_results=True, yield_per=BATCH)
        leaves = (bytes(row[0]) for row in bind.execute(query, {"l": log_id}))
        rows: list = []
        for row in tilestore.build_all(log_id, SHA256, leaves):
            rows.append(row)
            if len(rows) >= 500:
                bind.exec_driver_sql(insert, rows)
                rows = []
        if rows:
            bind.exec_driver_sql(insert, rows)


def downgrade() -> None:
    bind = op.get_bind()
    triggers.run(bind, triggers.drop_suite_statements(bind.dialect.name))
    triggers.run(
        bind, triggers.drop_statements(bind.dialect.name, triggers.TRUST_TABLES, function=False)
    )
    op.drop_index("ix_ledger_entries_policy", table_name="ledger_entries")
    op.drop_table("ledger_timestamps")
    op.drop_table("ledger_cosignatures")
    op.drop_table("ledger_tiles")
    with op.batch_alter_table("ledger_logs", schema=None) as batch_op:
        batch_op.drop_column("suite")
