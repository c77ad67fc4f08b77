"""The migrations build exactly the tables the models describe, on both databases."""

from __future__ import annotations

from alembic import command

from core.kernel.migrate import alembic_config


def test_models_match_the_migrated_schema(database_url):
    command.check(alembic_config(database_url))  # raises if autogenerate finds a difference


def test_the_models_partial_index_is_the_migrations():
    """The ledger models declare the policy index as a PartialIndex (not with
    ``postgresql_where``, which loads the PostgreSQL dialect at every start); both
    databases get the very statement the migration's dialect arguments give."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.schema import CreateIndex

    from core.ledger.models import LedgerEntry
    from migrations.versions.t001_trust import POLICY

    (model,) = [i for i in LedgerEntry.__table__.indexes if i.name == "ix_ledger_entries_policy"]
    table = sa.Table(
        "ledger_entries",
        sa.MetaData(),
        sa.Column("log_id", sa.Integer),
        sa.Column("seq", sa.BigInteger),
        sa.Column("kind", sa.String(64)),
    )
    migrated = sa.Index(
        model.name, table.c.log_id, table.c.seq, sqlite_where=POLICY, postgresql_where=POLICY
    )
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        expected = str(CreateIndex(migrated).compile(dialect=dialect))
        assert "WHERE kind = 'ledger.policy.set'" in expected
        assert str(CreateIndex(model).compile(dialect=dialect)) == expected
