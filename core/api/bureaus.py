"""Bureaus, units and the caller's own identity."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from core.api import schemas
from core.api.session import bureau, caller, commit, db
from core.domain import organisation
from core.domain.models import Bureau, Unit
from core.kernel.errors import Forbidden
from core.services.platform import current

blp = Blueprint("bureaus", __name__, description="Bureaus and their units 局与单位")


@blp.route("/me")
class Me(MethodView):
    def get(self):
        """Who the token belongs to (当前用户)."""
        who = caller()
        code = db().get(Bureau, who.bureau_id).code if who.bureau_id else None
        return {"username": who.username, "role": who.role, "bureau": code}


@blp.route("/bureaus")
class Bureaus(MethodView):
    @blp.response(200, schemas.BureauOut(many=True))
    def get(self):
        """Bureaus the caller can see."""
        who = caller()
        rows = db().scalars(select(Bureau).order_by(Bureau.code)).all()
        return [b for b in rows if who.sees(b.id)]

    @blp.arguments(schemas.BureauIn)
    @blp.response(201, schemas.BureauOut)
    def post(self, data):
        """Create a bureau with its own ledger (platform admins only)."""
        who = caller()
        if who.role != "platform_admin":
            raise Forbidden("only a platform admin creates bureaus")
        created = organisation.create_bureau(db(), current(), actor=who.actor, **data)
        commit()
        return created


@blp.route("/bureaus/<code>")
class BureauOne(MethodView):
    @blp.response(200, schemas.BureauOut)
    def get(self, code):
        return bureau(code)


@blp.route("/bureaus/<code>/units")
class Units(MethodView):
    @blp.response(200, schemas.UnitOut(many=True))
    def get(self, code):
        """Units of the bureau, with supervising department and group (D-03, D-15)."""
        b = bureau(code)
        return db().scalars(select(Unit).where(Unit.bureau_id == b.id).order_by(Unit.code)).all()

    @blp.arguments(schemas.UnitIn)
    @blp.response(201, schemas.UnitOut)
    def post(self, data, code):
        b = bureau(code, "bureau.manage")
        unit = organisation.create_unit(db(), b, actor=caller().actor, **data)
        commit()
        return unit


@blp.route("/bureaus/<code>/units/<unit>")
class UnitOne(MethodView):
    @blp.response(200, schemas.UnitOut)
    def get(self, code, unit):
        return organisation.get_unit(db(), bureau(code), unit)


class GroupIn(Schema):
    group = fields.String(required=True, allow_none=True)


@blp.route("/bureaus/<code>/units/<unit>/group")
class UnitGroup(MethodView):
    @blp.arguments(GroupIn)
    @blp.response(200, schemas.UnitOut)
    def put(self, data, code, unit):
        """Move the unit to another assessment group (recorded in the ledger)."""
        b = bureau(code, "bureau.manage")
        moved = organisation.regroup_unit(db(), b, unit, data["group"], caller().actor)
        commit()
        return moved


@blp.route("/bureaus/<code>/users")
class Users(MethodView):
    @blp.arguments(schemas.UserIn)
    @blp.response(201, schemas.UserIn)
    def post(self, data, code):
        """Create a user of this bureau (bureau admins); tokens are issued with the CLI."""
        b = bureau(code, "users.manage")
        if data["role"] == "platform_admin":
            raise Forbidden("platform admins are created with the CLI")
        user = organisation.create_user(db(), bureau=b, actor=caller().actor, **data)
        commit()
        return {
            "username": user.username,
            "role": user.role,
            "name": user.name,
            "units": [u.code for u in user.units],
        }
