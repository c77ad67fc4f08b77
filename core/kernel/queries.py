"""The statements every write runs, built once and run for less.

Building a ``select(...).where(...)`` costs about as much as running it on SQLite
(coercing each operand, then computing the statement's cache key), and for a plain row
SQLAlchemy's execution and result machinery cost several times the statement: a
single-value write had spent most of its time there. So:

* :func:`find` / :func:`get_by` look a mapped row up by some of its columns with one
  statement per (entity, columns), built once;
* :func:`fetch` / :func:`fetch_now` run a plain statement, built once with SQLAlchemy
  (so its SQL is right for the dialect), straight through the driver;
* :func:`first_entities` reads the first row of a statement of mapped entities straight
  through the driver and makes them the session's objects;
* :func:`update_row` writes a loaded row's new values with one statement instead of a
  flush of the session's unit of work.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, TypeVar

from sqlalchemy import (
    Dialect,
    Engine,
    Executable,
    Select,
    Update,
    bindparam,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

T = TypeVar("T")


def fetch(session: Session, stmt: Select, params: dict[str, Any]) -> list[tuple]:
    """The rows of a plain ``stmt`` (columns, no mapped entities) in the session's
    transaction, sent straight to the driver after flushing what the unit of work
    holds, as autoflush would.

    For the few reads every write makes (the caller's token under the lock, plugins
    installed, a period's collection state, the published schemes, webhook endpoints):
    SQLAlchemy's execution and result machinery cost several times such a statement.
    The columns they read are integers and text, which need no conversion."""
    if session.autoflush:
        session.flush()  # nothing to do, and nearly free, when the session is clean
    connection = session.connection()
    return _run(connection.connection, connection.dialect, stmt, params)


def fetch_now(engine: Engine, stmt: Select, params: dict[str, Any]) -> list[tuple]:
    """Like :func:`fetch`, on a pooled connection outside any transaction of ours (one
    SELECT is atomic on its own): for the read every API request makes before its unit
    of work, its token."""
    raw = engine.raw_connection()
    try:
        return _run(raw, engine.dialect, stmt, params)
    finally:
        raw.close()  # back to the pool, which rolls back whatever the driver began


def write(session: Session, stmt: Executable, params: list[dict[str, Any]]) -> None:
    """Run a plain INSERT or UPDATE once per parameter set, straight through the
    driver, in the session's transaction (for the rows every write changes: the log
    head, the current value, the results to refresh). The values must need no
    conversion (integers, text, bytes, booleans, None)."""
    sql, names, defaults = _compiled(stmt, session.get_bind().dialect)
    write_sql(session, sql, [_bound(names, defaults, p) for p in params])


def write_sql(session: Session, sql: str, params: list[Any]) -> None:
    """Run ``sql`` (in the driver's paramstyle) once per parameter set, straight through
    the driver, in the session's transaction."""
    connection = session.connection()
    with _driver_errors(connection.dialect, sql):
        cursor = connection.connection.cursor()
        try:
            cursor.executemany(sql, params)
        finally:
            cursor.close()


def _run(raw: Any, dialect: Dialect, stmt: Select, params: dict[str, Any]) -> list[tuple]:
    sql, names, defaults = _compiled(stmt, dialect)
    with _driver_errors(dialect, sql):
        cursor = raw.cursor()
        try:
            cursor.execute(sql, _bound(names, defaults, params))
            return cursor.fetchall()
        finally:
            cursor.close()


@contextmanager
def _driver_errors(dialect: Dialect, sql: str) -> Iterator[None]:
    """The driver's errors as SQLAlchemy's (IntegrityError, OperationalError…), which
    the unit of work turns into refusals, as if SQLAlchemy had sent the statement."""
    dbapi = dialect.loaded_dbapi
    try:
        yield
    except dbapi.Error as exc:
        raise DBAPIError.instance(sql, None, exc, dbapi.Error, dialect=dialect) from exc


def _bound(names: tuple[str, ...] | None, defaults: dict, params: dict) -> Any:
    """The parameters as the driver takes them: by position or by name."""
    values = {**defaults, **params}
    return [values[n] for n in names] if names is not None else values


@lru_cache(maxsize=512)  # a few statements per engine's dialect; tests make many
def _compiled(
    stmt: Executable, dialect: Dialect
) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
    """The statement's SQL for ``dialect``; for a positional paramstyle, the order of
    its parameters' names; the values of the parameters the statement fixes itself
    (``LIMIT 1``)."""
    compiled = stmt.compile(dialect=dialect)
    names = tuple(compiled.positiontup) if compiled.positional else None
    defaults = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
    return compiled.string, names, defaults


@cache
def select_by(entity: Any, names: tuple[str, ...]) -> Select:
    """``SELECT entity WHERE name = :name AND …``, built once per entity and names."""
    return select(entity).where(*(getattr(entity, name) == bindparam(name) for name in names))


def find(session: Session, entity: type[T], **values: Any) -> T | None:
    """The one row of ``entity`` whose columns have ``values`` (a unique key), or None."""
    return session.execute(select_by(entity, tuple(values)), values).scalar()


def get_by(session: Session, entity: type[T], **values: Any) -> T:
    """Like :func:`find`, for a row that must exist (``NoResultFound`` if it does not)."""
    return session.execute(select_by(entity, tuple(values)), values).scalar_one()


@cache
def _update_by_key(entity: Any, names: tuple[str, ...]) -> tuple[Update, tuple[str, ...]]:
    mapper = inspect(entity)
    keys = tuple(mapper.get_property_by_column(c).key for c in mapper.primary_key)
    columns = {name: mapper.columns[name] for name in names}
    stmt = (
        update(mapper.local_table)
        .where(*(c == bindparam(f"key_{k}") for c, k in zip(mapper.primary_key, keys, strict=True)))
        .values({column: bindparam(name) for name, column in columns.items()})
    )
    return stmt, keys


def update_row(session: Session, row: Any, **values: Any) -> None:
    """Write ``values`` to a loaded row now, with one statement built once, and give
    the object the same values as committed state.

    For the few rows every write changes (the log head, the current value): a flush of
    the session's unit of work costs several times the statement itself."""
    stmt, keys = _update_by_key(type(row), tuple(values))
    params = {f"key_{key}": getattr(row, key) for key in keys}
    write(session, stmt, [{**params, **values}])
    for name, value in values.items():
        set_committed_value(row, name, value)


@dataclass(frozen=True)
class _EntityPlan:
    """How one mapped entity of a :func:`first_entities` statement is read from a row."""

    mapper: Any
    keys: tuple[str, ...]
    """The entity's column attributes, in the order the plain statement selects them."""
    start: int
    primary: tuple[int, ...]
    """Positions of the primary key's columns among ``keys``."""


@lru_cache(maxsize=64)
def _entity_plan(
    stmt: Select, dialect: Dialect
) -> tuple[Select, tuple[_EntityPlan, ...], tuple[Any, ...]]:
    """``stmt`` (which selects mapped entities) as a plain statement of their columns,
    how to cut its rows into the entities, and each column's result processor (dates
    stored as text on SQLite, for instance)."""
    columns: list[Any] = []
    plans: list[_EntityPlan] = []
    for described in stmt.column_descriptions:
        mapper = inspect(described["entity"])
        attributes = list(mapper.column_attrs)
        keys = tuple(a.key for a in attributes)
        primary = tuple(
            keys.index(mapper.get_property_by_column(c).key) for c in mapper.primary_key
        )
        plans.append(_EntityPlan(mapper, keys, len(columns), primary))
        columns.extend(a.columns[0] for a in attributes)
    plain = stmt.with_only_columns(*columns).execution_options(populate_existing=False)
    processors = tuple(
        c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
    )
    return plain, tuple(plans), processors


def first_entities(
    session: Session, stmt: Select, params: dict[str, Any], *, fresh: bool = False
) -> tuple[Any, ...] | None:
    """The first row of ``stmt``, which selects mapped entities (an outer join's missing
    entity is None), read straight through the driver and made the session's persistent
    objects, or None if there is no row.

    For the statements every write begins with (the bureau and its log's lock, what a
    single value names): SQLAlchemy's ORM loading sets up a row processor per entity on
    every execution, which costs several times the statement. An object the session
    already has is used as it is, as the ORM does, unless ``fresh``: then it takes the
    values just read (``populate_existing``), as after taking a lock."""
    plain, plans, processors = _entity_plan(stmt, session.get_bind().dialect)
    rows = fetch(session, plain, params)
    if not rows:
        return None
    row = [v if p is None or v is None else p(v) for v, p in zip(rows[0], processors, strict=True)]
    return tuple(_persistent(session, plan, row, fresh) for plan in plans)


def _persistent(session: Session, plan: _EntityPlan, row: list[Any], fresh: bool) -> Any:
    values = row[plan.start : plan.start + len(plan.keys)]
    key = tuple(values[i] for i in plan.primary)
    if None in key:
        return None  # the outer join found nothing
    known = session.identity_map.get(plan.mapper.identity_key_from_primary_key(key))
    if known is not None:
        if fresh:
            for name, value in zip(plan.keys, values, strict=True):
                set_committed_value(known, name, value)
        return known
    obj = plan.mapper.class_manager.new_instance()
    obj.__dict__.update(zip(plan.keys, values, strict=True))
    make_transient_to_detached(obj)  # the values become its committed state, its key set
    session.add(obj)
    return obj
