"""expert panels close: their ratings become final and no longer blind

Revision ID: 0010
Revises: c001
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "c001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("expert_panels") as batch:
        batch.add_column(sa.Column("closed_seq", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("expert_panels") as batch:
        batch.drop_column("closed_seq")
