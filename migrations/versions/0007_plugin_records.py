"""plugin records: plugins' own projections, by (plugin, collection, key)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plugin_records",
        sa.Column("bureau_id", sa.Integer(), nullable=False),
        sa.Column("plugin", sa.String(length=100), nullable=False),
        sa.Column("collection", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["bureau_id"], ["bureaus.id"]),
        sa.PrimaryKeyConstraint("bureau_id", "plugin", "collection", "key"),
    )


def downgrade() -> None:
    op.drop_table("plugin_records")
