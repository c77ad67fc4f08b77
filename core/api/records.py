"""Cycles, indicators and indicator values (周期、指标、指标值)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from core.api import schemas
from core.api.session import bureau, caller, commit, db
from core.domain import cycles, organisation, values
from core.domain.models import Cycle, Indicator, IndicatorValue, Period, Unit
from core.services.platform import current

blp = Blueprint("records", __name__, description="Cycles, indicators and values 周期、指标与数据")


@blp.route("/bureaus/<code>/cycles")
class Cycles(MethodView):
    @blp.response(200, schemas.CycleOut(many=True))
    def get(self, code):
        b = bureau(code)
        return db().scalars(select(Cycle).where(Cycle.bureau_id == b.id).order_by(Cycle.start))

    @blp.arguments(schemas.CycleIn)
    @blp.response(201, schemas.CycleOut)
    def post(self, data, code):
        """Create a cycle; its periods are generated from the kinds asked for (D-21)."""
        b = bureau(code, "bureau.manage")
        kinds = data.pop("periods")
        cycle = cycles.create_cycle(db(), b, kinds=kinds, actor=caller().actor, **data)
        commit()
        return cycle


@blp.route("/bureaus/<code>/cycles/<cycle>")
class CycleOne(MethodView):
    @blp.response(200, schemas.CycleOut)
    def get(self, code, cycle):
        return cycles.get_cycle(db(), bureau(code), cycle)


@blp.route("/bureaus/<code>/indicators")
class Indicators(MethodView):
    @blp.response(200, schemas.IndicatorOut(many=True))
    def get(self, code):
        b = bureau(code)
        return db().scalars(
            select(Indicator).where(Indicator.bureau_id == b.id).order_by(Indicator.code)
        )

    @blp.arguments(schemas.IndicatorIn)
    @blp.response(201, schemas.IndicatorOut)
    def post(self, data, code):
        b = bureau(code, "bureau.manage")
        indicator = organisation.create_indicator(db(), b, actor=caller().actor, **data)
        commit()
        return indicator


def _record(code: str, rows: list[dict]) -> values.Recorded:
    b = bureau(code, "values.record")
    who = caller()
    done = values.record_values(db(), current(), b, rows, who, who.actor)
    commit()
    return done


@blp.route("/bureaus/<code>/values")
class Values(MethodView):
    @blp.arguments(schemas.ValueQuery, location="query")
    @blp.response(200, schemas.ValueOut(many=True))
    def get(self, query, code):
        """Current values (a projection of the ledger); reporters see their own units."""
        b = bureau(code, "values.read")
        who = caller()
        stmt = (
            select(IndicatorValue)
            .join(Unit)
            .join(Indicator)
            .join(Period)
            .join(Cycle)
            .where(Unit.bureau_id == b.id)
        )
        for column, key in (
            (Unit.code, "unit"),
            (Indicator.code, "indicator"),
            (Cycle.code, "cycle"),
            (Period.code, "period"),
        ):
            if key in query:
                stmt = stmt.where(column == query[key])
        if who.role == "reporter":
            stmt = stmt.where(Unit.id.in_(who.unit_ids))
        return db().scalars(stmt.order_by(Unit.code, Indicator.code, Period.start))

    @blp.arguments(schemas.ValueIn)
    @blp.response(201, schemas.RecordedOut)
    def post(self, data, code):
        """Record one value as a ledger entry; to change a value, send ``corrects``."""
        return _record(code, [data])


@blp.route("/bureaus/<code>/values/batch")
class ValueBatch(MethodView):
    @blp.arguments(schemas.ValueBatchIn)
    @blp.response(201, schemas.RecordedOut)
    def post(self, data, code):
        """Record many values at once: all rows are written, or none (errors name rows)."""
        return _record(code, data["rows"])
