"""The hot path's statements sent straight to the driver (core.kernel.queries) behave as
if SQLAlchemy had sent them: same rows, the transaction they run in, and the driver's
errors as SQLAlchemy's, which the unit of work turns into refusals (409, never 500)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import bindparam, inspect, select
from sqlalchemy.exc import IntegrityError

from core.domain.models import Bureau, Cycle, Period, Unit
from core.kernel.db import Database
from core.kernel.queries import fetch, fetch_now, first_entities, update_row, write

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


# first_entities: mapped objects read through the driver, as the ORM would load them
PERIOD_OF_CYCLE = (
    select(Cycle, Period, Unit)
    .join(Period, Period.cycle_id == Cycle.id)
    .outerjoin(Unit, (Unit.bureau_id == Cycle.bureau_id) & (Unit.code == bindparam("unit")))
    .where(
        Cycle.bureau_id == select(Bureau.id).where(Bureau.code == "b1").scalar_subquery(),
        Cycle.code == bindparam("cycle"),
        Period.code == bindparam("period"),
    )
)


def test_first_entities_are_the_objects_the_orm_loads(world, platform) -> None:
    params = {"cycle": "2026", "period": "2026-Q1", "unit": "u1"}
    with platform.db.transaction() as session:
        expected = [
            {c.key: getattr(obj, c.key) for c in inspect(obj).mapper.column_attrs}
            for obj in session.execute(PERIOD_OF_CYCLE, params).first()
        ]
    with platform.db.transaction() as session:
        cycle, period, unit = first_entities(session, PERIOD_OF_CYCLE, params)
        got = [
            {c.key: getattr(obj, c.key) for c in inspect(obj).mapper.column_attrs}
            for obj in (cycle, period, unit)
        ]
        assert got == expected  # converted as the ORM converts (a date stored as text)
        assert isinstance(period.start, dt.date)
        for obj in (cycle, period, unit):
            assert inspect(obj).persistent and obj not in session.dirty
        # the session's own objects: lazy relationships load, the identity map has them
        assert period.cycle is cycle and period in cycle.periods
        assert session.get(Unit, unit.id) is unit
        assert not session.new and not session.dirty  # nothing to write at commit


def test_first_entities_outer_join_and_no_row(world, platform) -> None:
    with platform.db.transaction() as session:
        found = first_entities(
            session, PERIOD_OF_CYCLE, {"cycle": "2026", "period": "2026-Q1", "unit": "nope"}
        )
        assert found is not None and found[2] is None  # the outer join found no unit
        missing = {"cycle": "2026", "period": "no-such", "unit": "u1"}
        assert first_entities(session, PERIOD_OF_CYCLE, missing) is None


def test_first_entities_keeps_or_refreshes_the_sessions_object(world, platform) -> None:
    params = {"cycle": "2026", "period": "2026-Q1", "unit": "u1"}
    with platform.db.transaction() as session:
        unit_id = first_entities(session, PERIOD_OF_CYCLE, params)[2].id
    with platform.db.transaction() as session:
        unit = session.scalars(select(Unit).where(Unit.id == unit_id)).one()
        write(session, Unit.__table__.update().values(name=bindparam("n")), [{"n": "新名"}])
        assert first_entities(session, PERIOD_OF_CYCLE, params)[2] is unit
        assert unit.name == "办公室"  # as the ORM does: the session's object is kept
        assert first_entities(session, PERIOD_OF_CYCLE, params, fresh=True)[2] is unit
        assert unit.name == "新名" and unit not in session.dirty  # populate_existing
        session.rollback()
