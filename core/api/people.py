"""Staff (人员). Identifiers are never returned in clear; bureau admins see them masked."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from core.api import schemas
from core.api.session import bureau, caller, commit, db
from core.domain import organisation
from core.domain.models import Person
from core.kernel.privacy import PII_FIELDS, mask
from core.services.platform import current

blp = Blueprint("people", __name__, description="Staff 人员")


def _out(person: Person, reveal_masked: bool) -> dict:
    identifiers = {}
    if reveal_masked and person.pii_cipher:
        identifiers = {k: mask(v) for k, v in current().vault.open(person.pii_cipher).items()}
    return {
        "code": person.code,
        "name": person.name,
        "unit": person.unit.code if person.unit else None,
        "identifiers": identifiers,
    }


@blp.route("/bureaus/<code>/people")
class People(MethodView):
    @blp.response(200, schemas.PersonOut(many=True))
    def get(self, code):
        b = bureau(code)
        admin = caller().can("people.manage", b.id)
        rows = db().scalars(select(Person).where(Person.bureau_id == b.id).order_by(Person.code))
        return [_out(p, admin) for p in rows]

    @blp.arguments(schemas.PersonIn)
    @blp.response(201, schemas.PersonOut)
    def post(self, data, code):
        """Register a person; ID-card, phone and address are encrypted, hashed in the ledger."""
        b = bureau(code, "people.manage")
        given = {k: data.pop(k, None) for k in PII_FIELDS}
        identifiers = {k: v for k, v in given.items() if v}
        person = organisation.create_person(
            db(), current(), b, identifiers=identifiers, actor=caller().actor, **data
        )
        commit()
        return _out(person, True)
