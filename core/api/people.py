"""Staff (人员). Identifiers are never returned in clear; bureau admins see them masked."""

from __future__ import annotations

from flask.views import MethodView

from core.api import schemas
from core.api.blueprint import Blueprint
from core.api.context import ctx
from core.kernel.privacy import PII_FIELDS
from core.services import people

blp = Blueprint("people", __name__, description="Staff 人员")


@blp.route("/bureaus/<code>/people")
class People(MethodView):
    @blp.response(200, schemas.PersonOut(many=True))
    def get(self, code):
        return people.listing(ctx(), code)

    @blp.arguments(schemas.PersonIn)
    @blp.response(201, schemas.PersonOut)
    def post(self, data, code):
        """Register a person; ID-card, phone and address are encrypted, hashed in the ledger."""
        identifiers = {k: data.pop(k) for k in PII_FIELDS if data.get(k)}
        for k in PII_FIELDS:
            data.pop(k, None)
        return people.create(ctx(), code, identifiers=identifiers, **data)


@blp.route("/bureaus/<code>/people/<person>/group")
class PersonGroup(MethodView):
    @blp.arguments(schemas.GroupIn)
    @blp.response(200, schemas.PersonOut)
    def put(self, data, code, person):
        """Move a person to another assessment group (D-43; recorded)."""
        return people.regroup(ctx(), code, person, data["group"])
