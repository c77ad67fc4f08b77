"""Indicator schemes (指标体系) of a cycle."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from core.api.session import bureau, caller, commit, db
from core.domain.assessment import service
from core.kernel.errors import invalid
from core.services.platform import current

blp = Blueprint("schemes", __name__, description="Indicator schemes 指标体系")


@blp.route("/bureaus/<code>/cycles/<cycle>/schemes")
class Schemes(MethodView):
    def get(self, code, cycle):
        return service.listing(db(), bureau(code), cycle)

    def post(self, code, cycle):
        """Import a scheme (JSON, the format of docs/schemes.md) as the next version."""
        b = bureau(code, "bureau.manage")
        doc = request.get_json(silent=True)
        if doc is None:
            raise invalid("body", "send the scheme as a JSON object")
        scheme = service.import_scheme(db(), current(), b, cycle, doc, caller().actor)
        out = service.describe(scheme)
        commit()
        return out, 201


@blp.route("/bureaus/<code>/cycles/<cycle>/schemes/<scheme>/versions/<int:version>/publish")
class Publish(MethodView):
    def post(self, code, cycle, scheme, version):
        """Freeze a version; publishing is recorded in the ledger."""
        b = bureau(code, "bureau.manage")
        out = service.describe(
            service.publish_scheme(db(), b, cycle, scheme, version, caller().actor)
        )
        commit()
        return out
