"""The hot path's statements sent straight to the driver (core.kernel.queries) behave as
if SQLAlchemy had sent them: same rows, the transaction they run in, and the driver's
errors as SQLAlchemy's, which the unit of work turns into refusals (409, never 500)."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from core.domain.models import Bureau
from core.kernel.db import Database
from core.kernel.queries import fetch, fetch_now, update_row, write

BY_CODE = select(Bureau.id, Bureau.code, Bureau.name).where(Bureau.code == bindparam("code"))
FIRST = select(Bureau.code).order_by(Bureau.code).limit(1)  # LIMIT: a parameter of its own


@pytest.fixture
def db(database_url: str, system):
    from core.services import bureaus

    bureaus.create(system, "b1", "一局")
    bureaus.create(system, "b2", "二局")
    database = Database(database_url)
    yield database
    database.dispose()


def test_fetch_reads_what_the_orm_reads_inside_the_transaction(db: Database) -> None:
    with db.transaction() as session:
        orm = session.execute(BY_CODE, {"code": "b1"}).all()
        assert fetch(session, BY_CODE, {"code": "b1"}) == [tuple(r) for r in orm]
        assert fetch(session, BY_CODE, {"code": "nope"}) == []
        assert fetch(session, FIRST, {}) == [("b1",)]
        found = session.scalars(select(Bureau).where(Bureau.code == "b2")).one()
        update_row(session, found, name="改名")  # written now, seen by the same transaction
        assert fetch(session, BY_CODE, {"code": "b2"})[0][2] == "改名"
        assert found.name == "改名" and found not in session.dirty
        session.rollback()
    assert fetch_now(db.engine, BY_CODE, {"code": "b2"})[0][2] == "二局"  # rolled back


def test_fetch_flushes_what_the_unit_of_work_holds(db: Database) -> None:
    with db.transaction() as session:
        found = session.scalars(select(Bureau).where(Bureau.code == "b1")).one()
        found.name = "未冲刷"
        assert fetch(session, BY_CODE, {"code": "b1"})[0][2] == "未冲刷"
        session.rollback()


SAME_CODE = Bureau.__table__.update().values(code=bindparam("c"))
"""Every bureau's code the same: the UNIQUE key fails in the driver."""


def test_driver_errors_come_out_as_sqlalchemy_errors(db: Database) -> None:
    with pytest.raises(IntegrityError), db.transaction() as session:
        write(session, SAME_CODE, [{"c": "same"}])
    assert [code for (code,) in fetch_now(db.engine, FIRST, {})] == ["b1"]


def test_a_unique_key_broken_by_the_driver_path_is_a_conflict_not_a_500(db, system) -> None:
    """The unit of work maps SQLAlchemy's IntegrityError to 409; the driver path's
    errors reach it as that class."""
    from core.kernel.errors import Conflict

    with pytest.raises(Conflict), system.writing("b1", "bureau.manage") as work:
        write(work.session, SAME_CODE, [{"c": "same"}])
