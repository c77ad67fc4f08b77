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

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

T = TypeVar("T")


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
