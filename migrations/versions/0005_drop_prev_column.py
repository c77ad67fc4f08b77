"""ledger entries: drop the prev column and its unique index

The chain link is inside every body (``"prev"``), where the verifier checks it. The
column duplicated it, and its unique index guarded against forks that the primary key
(log_id, seq) and the log-head lock already exclude. Writing a second B-tree with random
32-byte keys cost about a fifth of a bulk append. See docs/design-notes.md, note 33.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from core.ledger import triggers

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    # SQLite rebuilds the table to drop a column: the triggers go and come back.
    triggers.run(bind, triggers.drop_statements(bind.dialect.name))
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_constraint("uq_ledger_entries_prev", type_="unique")
        batch_op.drop_column("prev")
    triggers.run(bind, triggers.create_statements(bind.dialect.name))


def downgrade() -> None:
    bind = op.get_bind()
    triggers.run(bind, triggers.drop_statements(bind.dialect.name))
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev", sa.LargeBinary(length=32), nullable=True))
        batch_op.create_unique_constraint("uq_ledger_entries_prev", ["log_id", "prev"])
    triggers.run(bind, triggers.create_statements(bind.dialect.name))
