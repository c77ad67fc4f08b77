"""collection rounds: rounds, extensions, reminders sent; values marked late

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _period_table(name: str, *columns: sa.Column, key: tuple[str, ...]) -> None:
    op.create_table(
        name,
        sa.Column("bureau_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        *columns,
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["bureau_id"], ["bureaus.id"]),
        sa.ForeignKeyConstraint(["period_id"], ["periods.id"]),
        sa.PrimaryKeyConstraint("bureau_id", "period_id", *key),
    )


def upgrade() -> None:
    _period_table(
        "collection_rounds",
        sa.Column("deadline", sa.String(length=40), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        key=(),
    )
    _period_table(
        "collection_extensions",
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("deadline", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        key=("unit_id",),
    )
    _period_table(
        "collection_reminders",
        sa.Column("key", sa.String(length=32), nullable=False),
        key=("key",),
    )
    with op.batch_alter_table("indicator_values") as batch:
        batch.add_column(sa.Column("late", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("indicator_values") as batch:
        batch.drop_column("late")
    for name in ("collection_reminders", "collection_extensions", "collection_rounds"):
        op.drop_table(name)
