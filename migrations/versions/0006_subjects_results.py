"""subjects (units and people assessed alike), per-bureau usernames, plugin settings,
warnings, source keys, closed periods and the results projection

Inputs, appeals and results are keyed by a *subject* (a unit or a person) instead of a
unit. The four tables whose key changes are rebuilt and their rows carried over by SQL
(each unit becomes its unit subject), so no application code runs here. Usernames
become unique per bureau. The results projection starts empty: ``jixiao db upgrade``
computes it from the ledger afterwards (core.services.setup.prepare).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TARGET = ("indicator_id", "period_id")


def _subjects() -> None:
    op.create_table(
        "subjects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bureau_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["bureau_id"], ["bureaus.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bureau_id", "kind", "code"),
    )
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subjects_bureau_id"), ["bureau_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_subjects_unit_id"), ["unit_id"], unique=False)
    op.execute(
        "INSERT INTO subjects (bureau_id, kind, code, unit_id, person_id) "
        "SELECT bureau_id, 'unit', code, id, NULL FROM units"
    )
    op.execute(
        "INSERT INTO subjects (bureau_id, kind, code, unit_id, person_id) "
        "SELECT bureau_id, 'person', code, unit_id, id FROM people"
    )


def _rebuild(table: str, columns: list[sa.Column], constraints: list, copy_sql: str) -> None:
    """Create ``table`` anew (its key changed), copy the rows over, drop the old one."""
    op.create_table(f"{table}_0006", *columns, *constraints)
    op.execute(f"INSERT INTO {table}_0006 {copy_sql}")
    op.drop_table(table)
    op.rename_table(f"{table}_0006", table)


UNIT_SUBJECT = "JOIN subjects s ON s.kind = 'unit' AND s.unit_id = t.unit_id"


def upgrade() -> None:
    _subjects()
    bind = op.get_bind()
    op.drop_index("ix_score_items_unit_id", table_name="score_items")
    op.drop_index("ix_appeals_bureau_id", table_name="appeals")

    _rebuild(
        "indicator_values",
        [
            sa.Column("subject_id", sa.Integer(), nullable=False),
            sa.Column("indicator_id", sa.Integer(), nullable=False),
            sa.Column("period_id", sa.Integer(), nullable=False),
            sa.Column("value", sa.String(length=64), nullable=False),
            sa.Column("seq", sa.BigInteger(), nullable=False),
            sa.Column("review", sa.String(length=16), nullable=False),
            sa.Column("review_seq", sa.BigInteger(), nullable=True),
        ],
        [
            sa.ForeignKeyConstraint(["indicator_id"], ["indicators.id"]),
            sa.ForeignKeyConstraint(["period_id"], ["periods.id"]),
            sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"]),
            sa.PrimaryKeyConstraint("subject_id", "indicator_id", "period_id"),
        ],
        "(subject_id, indicator_id, period_id, value, seq, review, review_seq) "
        f"SELECT s.id, t.indicator_id, t.period_id, t.value, t.seq, t.review, NULL "
        f"FROM indicator_values t {UNIT_SUBJECT}",
    )
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_values_seq"), ["seq"], unique=False)

    _rebuild(
        "ratings",
        [
            sa.Column("subject_id", sa.Integer(), nullable=False),
            sa.Column("indicator_id", sa.Integer(), nullable=False),
            sa.Column("period_id", sa.Integer(), nullable=False),
            sa.Column("rater", sa.String(length=100), nullable=False),
            sa.Column("role", sa.String(length=32), nullable=False),
            sa.Column("score", sa.String(length=64), nullable=False),
            sa.Column("seq", sa.BigInteger(), nullable=False),
        ],
        [
            sa.ForeignKeyConstraint(["indicator_id"], ["indicators.id"]),
            sa.ForeignKeyConstraint(["period_id"], ["periods.id"]),
            sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"]),
            sa.PrimaryKeyConstraint("subject_id", "indicator_id", "period_id", "rater"),
        ],
        "(subject_id, indicator_id, period_id, rater, role, score, seq) "
        f"SELECT s.id, t.indicator_id, t.period_id, t.rater, t.role, t.score, t.seq "
        f"FROM ratings t {UNIT_SUBJECT}",
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ratings_seq"), ["seq"], unique=False)

    _rebuild(
        "score_items",
        [
            sa.Column("seq", sa.BigInteger(), nullable=False),
            sa.Column("bureau_id", sa.Integer(), nullable=False),
            sa.Column("subject_id", sa.Integer(), nullable=False),
            sa.Column("indicator_id", sa.Integer(), nullable=False),
            sa.Column("period_id", sa.Integer(), nullable=False),
            sa.Column("quantity", sa.String(length=64), nullable=False),
            sa.Column("reason", sa.Text(), nullable=False),
            sa.Column("evidence", sa.Text(), nullable=False),
        ],
        [
            sa.ForeignKeyConstraint(["bureau_id"], ["bureaus.id"]),
            sa.ForeignKeyConstraint(["indicator_id"], ["indicators.id"]),
            sa.ForeignKeyConstraint(["period_id"], ["periods.id"]),
            sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"]),
            sa.PrimaryKeyConstraint("seq", "bureau_id"),
        ],
        "(seq, bureau_id, subject_id, indicator_id, period_id, quantity, reason, evidence) "
        f"SELECT t.seq, t.bureau_id, s.id, t.indicator_id, t.period_id, t.quantity, t.reason, "
        f"'[]' FROM score_items t {UNIT_SUBJECT}",
    )
    with op.batch_alter_table("score_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_score_items_subject_id"), ["subject_id"], unique=False)

    _rebuild(
        "appeals",
        [
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("bureau_id", sa.Integer(), nullable=False),
            sa.Column("code", sa.String(length=64), nullable=False),
            sa.Column("subject_id", sa.Integer(), nullable=False),
            sa.Column("cycle_id", sa.Integer(), nullable=False),
            sa.Column("indicator_id", sa.Integer(), nullable=False),
            sa.Column("period_id", sa.Integer(), nullable=False),
            sa.Column("value_seq", sa.BigInteger(), nullable=True),
            sa.Column("reason", sa.Text(), nullable=False),
            sa.Column("evidence", sa.Text(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("reviewer", sa.String(length=100), nullable=True),
            sa.Column("deadline", sa.String(length=40), nullable=False),
            sa.Column("decision", sa.String(length=16), nullable=True),
            sa.Column("filed_seq", sa.BigInteger(), nullable=False),
            sa.Column("decided_seq", sa.BigInteger(), nullable=True),
            sa.Column("correction_seq", sa.BigInteger(), nullable=True),
        ],
        [
            sa.ForeignKeyConstraint(["bureau_id"], ["bureaus.id"]),
            sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"]),
            sa.ForeignKeyConstraint(["indicator_id"], ["indicators.id"]),
            sa.ForeignKeyConstraint(["period_id"], ["periods.id"]),
            sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"]),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("bureau_id", "code"),
        ],
        "(id, bureau_id, code, subject_id, cycle_id, indicator_id, period_id, value_seq, "
        "reason, evidence, status, reviewer, deadline, decision, filed_seq, decided_seq, "
        "correction_seq) "
        "SELECT t.id, t.bureau_id, t.code, s.id, t.cycle_id, t.indicator_id, t.period_id, "
        "t.value_seq, t.reasons, t.evidence, t.status, t.reviewer, t.deadline, t.decision, "
        f"t.filed_seq, t.decided_seq, t.correction_seq FROM appeals t {UNIT_SUBJECT}",
    )
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appeals_bureau_id"), ["bureau_id"], unique=False)

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_code", sa.String(length=64), nullable=True))
    with op.batch_alter_table("plugin_installations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settings", sa.Text(), nullable=False, server_default="{}"))
    with op.batch_alter_table("schemes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("subject_kind", sa.String(length=8), nullable=False, server_default="unit")
        )

    if bind.dialect.name == "postgresql":
        op.drop_constraint("users_username_key", "users", type_="unique")
    naming = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
    with op.batch_alter_table("users", schema=None, naming_convention=naming) as batch_op:
        if bind.dialect.name != "postgresql":
            batch_op.drop_constraint("uq_users_username", type_="unique")
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_users_username"), ["username"], unique=False)
        batch_op.create_unique_constraint("uq_users_bureau_id", ["bureau_id", "username"])
        batch_op.create_foreign_key("fk_users_person_id", "people", ["person_id"], ["id"])

    op.create_table(
        "value_warnings",
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("bureau_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("value_seq", sa.BigInteger(), nullable=False),
        sa.Column("check", sa.String(length=100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["bureau_id"], ["bureaus.id"]),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicators.id"]),
        sa.ForeignKeyConstraint(["period_id"], ["periods.id"]),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"]),
        sa.PrimaryKeyConstraint("seq", "bureau_id"),
    )
    with op.batch_alter_table("value_warnings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_value_warnings_subject_id"), ["subject_id"], unique=False
        )
    op.create_table(
        "source_keys",
        sa.Column("bureau_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["bureau_id"], ["bureaus.id"]),
        sa.PrimaryKeyConstraint("bureau_id", "key"),
    )
    op.create_table(
        "closed_periods",
        sa.Column("bureau_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["bureau_id"], ["bureaus.id"]),
        sa.ForeignKeyConstraint(["period_id"], ["periods.id"]),
        sa.PrimaryKeyConstraint("bureau_id", "period_id"),
    )
    op.create_table(
        "result_states",
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("window", sa.String(length=32), nullable=False),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.Column("schemes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"]),
        sa.PrimaryKeyConstraint("cycle_id", "window"),
    )
    op.create_table(
        "results",
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("window", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("scheme_code", sa.String(length=64), nullable=False),
        sa.Column("scheme_version", sa.Integer(), nullable=False),
        sa.Column("total", sa.String(length=64), nullable=False),
        sa.Column("base_total", sa.String(length=64), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("grade", sa.String(length=64), nullable=True),
        sa.Column("group_size", sa.Integer(), nullable=False),
        sa.Column("flags", sa.Text(), nullable=False),
        sa.Column("nodes", sa.Text(), nullable=False),
        sa.Column("base_nodes", sa.Text(), nullable=False),
        sa.Column("adjustments", sa.Text(), nullable=False),
        sa.Column("vetoed_by", sa.Text(), nullable=False),
        sa.Column("trace", sa.Text(), nullable=False),
        sa.Column("attainable", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"]),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"]),
        sa.PrimaryKeyConstraint("cycle_id", "window", "subject_id"),
    )


def downgrade() -> None:
    raise NotImplementedError(
        "0006 reshapes projections around subjects; restore a backup taken before it, or "
        "rebuild a 0005 database from the ledger"
    )
