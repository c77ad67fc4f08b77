"""Engine and session handling for SQLite (embedded) and PostgreSQL (production).

SQLite runs every transaction as ``BEGIN IMMEDIATE``: a transaction that reads the log
head and then appends cannot be overtaken, and two writers never deadlock upgrading a
read lock. WAL with ``synchronous=FULL`` keeps readers concurrent and commits durable.
PostgreSQL serialises appends per bureau with a row lock on the log head instead
(see :mod:`core.ledger.store`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, Index, TextClause, create_engine, event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.schema import CreateIndex
from sqlalchemy.sql.compiler import DDLCompiler


class Base(DeclarativeBase):
    """The declarative base of every table (ledger, domain, webhooks)."""


class PartialIndex(Index):
    """An index of only the rows ``where`` selects: ``CREATE INDEX … WHERE …``, the same
    statement on SQLite and PostgreSQL.

    It replaces ``Index(…, sqlite_where=…, postgresql_where=…)`` in the models because a
    ``postgresql_*`` argument makes SQLAlchemy import its whole PostgreSQL dialect (with
    the asyncpg, psycopg and pg8000 variants) when the model is declared: ≈ 20 ms of every
    command on SQLite. Migrations still write the two dialect arguments (they run rarely);
    the DDL is the same, which the tests check. Alembic's autogenerate compares an
    index's columns, not its condition, with either form.
    """

    def __init__(self, name: str, *columns: str, where: TextClause) -> None:
        super().__init__(name, *columns)
        self.where = where


@compiles(CreateIndex)
def _create_index(create: CreateIndex, compiler: DDLCompiler, **kw: Any) -> str:
    """The dialect's own ``CREATE INDEX``, and a :class:`PartialIndex`'s condition."""
    sql = compiler.visit_create_index(create, **kw)
    index = create.element
    if isinstance(index, PartialIndex):
        condition = compiler.sql_compiler.process(
            index.where, include_table=False, literal_binds=True
        )
        sql += f" WHERE {condition}"
    return sql


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # let SQLAlchemy's BEGIN below be the only one
        cur = dbapi_conn.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        # 64 MiB page cache (default 2 MiB): the ledger's (log_id, prev) index has random
        # keys, and a cache that holds it keeps large imports from thrashing.
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # A read-only unit of work takes no write lock: WAL readers see a consistent
        # snapshot and never wait for a writer (nor make one wait).
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        # Straight to the driver: SQLAlchemy's statement machinery (events, a result
        # object) costs ten times the BEGIN itself, and every unit of work pays it.
        conn.connection.driver_connection.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")


READ_ONLY = "jixiao_read_only"


class Database:
    """One engine and two session factories: for writing, and for reading only."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits together or not at all."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
