"""Looking a row up by the values of some of its columns, through a statement built once.

Building a ``select(...).where(...)`` costs about as much as running it on SQLite
(coercing each operand, then computing the statement's cache key): a single-value write
looks up a dozen things by code, and building those statements afresh each time was a
third of its time. :func:`find` builds one statement per (entity, columns) with bound
parameters and reuses it; SQLAlchemy's compiled cache then does the rest.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Executable, Result, Select, Update, bindparam, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

T = TypeVar("T")


def rows(session: Session, stmt: Executable, params: dict[str, Any] | None = None) -> Result:
    """Run a plain (Core) statement in the session's transaction, after flushing what
    the unit of work holds, as autoflush would.

    The ORM's execution path costs more than the statement for a plain row: this is
    for the few statements every write runs (plugins installed, a period's state, the
    published schemes, webhook endpoints, the caller's token)."""
    if session.autoflush:
        session.flush()  # nothing to do, and nearly free, when the session is clean
    return session.connection().execute(stmt, params)


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
    table = mapper.local_table
    stmt = (
        update(table)
        .where(*(table.c[key] == bindparam(f"key_{key}") for key in keys))
        .values({name: bindparam(name) for name in names})
    )
    return stmt, keys


def update_row(session: Session, row: Any, **values: Any) -> None:
    """Write ``values`` to a loaded row now, with one statement built once, and give
    the object the same values as committed state.

    For the few rows every write changes (the log head, the current value): a flush of
    the session's unit of work costs several times the statement itself."""
    stmt, keys = _update_by_key(type(row), tuple(values))
    params = {f"key_{key}": getattr(row, key) for key in keys}
    session.connection().execute(stmt, {**params, **values})
    for name, value in values.items():
        set_committed_value(row, name, value)
