"""Database triggers that make the ledger tables append-only, for both databases.

They are the second line of defence (the first: no code path updates or deletes a
ledger row). Tests drop them to play an attacker with database access, and the
verifier must still catch every change.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

APPEND_ONLY_TABLES = ("ledger_entries", "ledger_checkpoints")


def create_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        stmts = [
            """CREATE OR REPLACE FUNCTION jixiao_append_only() RETURNS trigger
               LANGUAGE plpgsql AS $$
               BEGIN
                 RAISE EXCEPTION 'jixiao: % is append-only (% refused)', TG_TABLE_NAME, TG_OP
                   USING ERRCODE = 'insufficient_privilege';
               END $$"""
        ]
        for t in APPEND_ONLY_TABLES:
            stmts.append(
                f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
                "FOR EACH ROW EXECUTE FUNCTION jixiao_append_only()"
            )
            stmts.append(
                f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
                "FOR EACH STATEMENT EXECUTE FUNCTION jixiao_append_only()"
            )
        return stmts
    stmts = []
    for t in APPEND_ONLY_TABLES:
        for op in ("UPDATE", "DELETE"):
            stmts.append(
                f"CREATE TRIGGER {t}_no_{op.lower()} BEFORE {op} ON {t} BEGIN "
                f"SELECT RAISE(ABORT, 'jixiao: {t} is append-only ({op} refused)'); END"
            )
    return stmts


def drop_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        stmts = []
        for t in APPEND_ONLY_TABLES:
            stmts.append(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}")
            stmts.append(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}")
        return [*stmts, "DROP FUNCTION IF EXISTS jixiao_append_only()"]
    return [
        f"DROP TRIGGER IF EXISTS {t}_no_{op}"
        for t in APPEND_ONLY_TABLES
        for op in ("update", "delete")
    ]


def run(conn: Connection, statements: list[str]) -> None:
    for stmt in statements:
        conn.execute(text(stmt))  # text() escapes the % of plpgsql for psycopg
