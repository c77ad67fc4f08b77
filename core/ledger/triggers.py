"""Database triggers that make the ledger tables append-only, for both databases.

They are the second line of defence (the first: no code path updates or deletes a
ledger row). Tests drop them to play an attacker with database access, and the
verifier must still catch every change.

Migrations name the tables they made (``0001`` the entries and checkpoints, ``t001`` the
tiles, cosignatures and time-stamps, and the rule that a log's suite never changes), so an
old migration never refers to a table that does not exist yet.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

APPEND_ONLY_TABLES = ("ledger_entries", "ledger_checkpoints")
"""The tables of migration 0001 (the default of the functions below, as 0001 and 0005
call them)."""
TRUST_TABLES = ("ledger_tiles", "ledger_cosignatures", "ledger_timestamps")
ALL_TABLES = APPEND_ONLY_TABLES + TRUST_TABLES

_PG_FUNCTION = """CREATE OR REPLACE FUNCTION jixiao_append_only() RETURNS trigger
   LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION 'jixiao: % is append-only (% refused)', TG_TABLE_NAME, TG_OP
       USING ERRCODE = 'insufficient_privilege';
   END $$"""
_PG_SUITE_FUNCTION = """CREATE OR REPLACE FUNCTION jixiao_suite_fixed() RETURNS trigger
   LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION 'jixiao: a log''s suite is fixed when it is created'
       USING ERRCODE = 'insufficient_privilege';
   END $$"""


def create_statements(dialect: str, tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> list[str]:
    if dialect == "postgresql":
        stmts = [_PG_FUNCTION]
        for t in tables:
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
    for t in tables:
        for op in ("UPDATE", "DELETE"):
            stmts.append(
                f"CREATE TRIGGER {t}_no_{op.lower()} BEFORE {op} ON {t} BEGIN "
                f"SELECT RAISE(ABORT, 'jixiao: {t} is append-only ({op} refused)'); END"
            )
    return stmts


def drop_statements(
    dialect: str, tables: tuple[str, ...] = APPEND_ONLY_TABLES, function: bool = True
) -> list[str]:
    """Drop the tables' triggers (and, on PostgreSQL, the shared function unless
    ``function`` is False: other tables' triggers may still use it)."""
    if dialect == "postgresql":
        stmts = []
        for t in tables:
            stmts.append(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}")
            stmts.append(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}")
        return [*stmts, "DROP FUNCTION IF EXISTS jixiao_append_only()"] if function else stmts
    return [f"DROP TRIGGER IF EXISTS {t}_no_{op}" for t in tables for op in ("update", "delete")]


def suite_statements(dialect: str) -> list[str]:
    """A log's suite may not change: every root and signature depends on it."""
    if dialect == "postgresql":
        return [
            _PG_SUITE_FUNCTION,
            "CREATE TRIGGER ledger_logs_suite_fixed BEFORE UPDATE OF suite ON ledger_logs "
            "FOR EACH ROW WHEN (OLD.suite IS DISTINCT FROM NEW.suite) "
            "EXECUTE FUNCTION jixiao_suite_fixed()",
        ]
    return [
        "CREATE TRIGGER ledger_logs_suite_fixed BEFORE UPDATE OF suite ON ledger_logs "
        "WHEN OLD.suite IS NOT NEW.suite BEGIN "
        "SELECT RAISE(ABORT, 'jixiao: a log''s suite is fixed when it is created'); END"
    ]


def drop_suite_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS ledger_logs_suite_fixed ON ledger_logs",
            "DROP FUNCTION IF EXISTS jixiao_suite_fixed()",
        ]
    return ["DROP TRIGGER IF EXISTS ledger_logs_suite_fixed"]


def disarm_statements(dialect: str) -> list[str]:
    """Everything an attacker with database access drops before rewriting the ledger."""
    return [
        *drop_statements(dialect, TRUST_TABLES, function=False),
        *drop_statements(dialect, APPEND_ONLY_TABLES),
        *drop_suite_statements(dialect),
    ]


def run(conn: Connection, statements: list[str]) -> None:
    for stmt in statements:
        conn.execute(text(stmt))  # text() escapes the % of plpgsql for psycopg
