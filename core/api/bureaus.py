"""Bureaus, their units and users, and the caller's own identity (局、单位、用户)."""

from __future__ import annotations

from flask.views import MethodView

from core.api import schemas
from core.api.blueprint import Blueprint
from core.api.context import ctx
from core.services import bureaus, units, users

blp = Blueprint("bureaus", __name__, description="Bureaus, units and users 局、单位与用户")


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, schemas.MeOut)
    def get(self):
        """Who the token belongs to (当前用户)."""
        return bureaus.me(ctx())


@blp.route("/bureaus")
class Bureaus(MethodView):
    @blp.response(200, schemas.BureauOut(many=True))
    def get(self):
        """Bureaus the caller can see."""
        return bureaus.listing(ctx())

    @blp.arguments(schemas.BureauIn)
    @blp.response(201, schemas.BureauOut)
    def post(self, data):
        """Create a bureau with its own ledger (platform admins only)."""
        return bureaus.create(ctx(), **data)


@blp.route("/bureaus/<code>")
class BureauOne(MethodView):
    @blp.response(200, schemas.BureauOut)
    def get(self, code):
        return bureaus.get(ctx(), code)


@blp.route("/bureaus/<code>/units")
class Units(MethodView):
    @blp.response(200, schemas.UnitOut(many=True))
    def get(self, code):
        """Units of the bureau, with supervising department and group (D-03, D-15)."""
        return units.listing(ctx(), code)

    @blp.arguments(schemas.UnitIn)
    @blp.response(201, schemas.UnitOut)
    def post(self, data, code):
        return units.create(ctx(), code, **data)


@blp.route("/bureaus/<code>/units/<unit>")
class UnitOne(MethodView):
    @blp.response(200, schemas.UnitOut)
    def get(self, code, unit):
        return units.get(ctx(), code, unit)


@blp.route("/bureaus/<code>/units/<unit>/group")
class UnitGroup(MethodView):
    @blp.arguments(schemas.GroupIn)
    @blp.response(200, schemas.UnitOut)
    def put(self, data, code, unit):
        """Move the unit to another assessment group (recorded in the ledger)."""
        return units.regroup(ctx(), code, unit, data["group"])


@blp.route("/bureaus/<code>/users")
class Users(MethodView):
    @blp.response(200, schemas.UserOut(many=True))
    def get(self, code):
        """The bureau's users and their roles (bureau admins)."""
        return users.listing(ctx(), code)

    @blp.arguments(schemas.UserIn)
    @blp.response(201, schemas.UserOut)
    def post(self, data, code):
        """Create a user of this bureau (bureau admins); usernames are per bureau."""
        return users.create(ctx(), code, **data)


@blp.route("/bureaus/<code>/users/<username>/tokens")
class Tokens(MethodView):
    @blp.response(200, schemas.TokenOut(many=True))
    def get(self, code, username):
        """A user's API tokens (never the tokens themselves)."""
        return users.tokens(ctx(), code, username)

    @blp.arguments(schemas.TokenIn)
    @blp.response(201, schemas.TokenOut)
    def post(self, data, code, username):
        """Issue a token; the answer carries it, once."""
        return users.create_token(ctx(), code, username, data["label"])


@blp.route("/bureaus/<code>/users/<username>/tokens/<int:token_id>")
class TokenOne(MethodView):
    @blp.response(200, schemas.TokenOut)
    def delete(self, code, username, token_id):
        """Revoke a token (recorded in the ledger)."""
        return users.revoke_token(ctx(), code, username, token_id)
