"""Indicator schemes (指标体系) of a cycle."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from core.api import Blueprint, schemas
from core.api.context import ctx
from core.kernel.errors import invalid
from core.services import schemes

blp = Blueprint("schemes", __name__, description="Indicator schemes 指标体系")


@blp.route("/bureaus/<code>/cycles/<cycle>/schemes")
class Schemes(MethodView):
    @blp.response(200, schemas.SchemeOut(many=True))
    def get(self, code, cycle):
        return schemes.listing(ctx(), code, cycle)

    @blp.response(201, schemas.SchemeOut)
    @blp.doc(
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
            "description": "the scheme, in the format of docs/schemes.md",
        }
    )
    def post(self, code, cycle):
        """Import a scheme (JSON, the format of docs/schemes.md) as the next version;
        ``?publish=true`` publishes it at once."""
        doc = request.get_json(silent=False) if request.is_json else None
        if not isinstance(doc, dict):
            raise invalid("body", "send the scheme as a JSON object")
        publish = request.args.get("publish", "false").lower() == "true"
        return schemes.import_scheme(ctx(), code, cycle, doc, publish)


@blp.route("/bureaus/<code>/cycles/<cycle>/schemes/<scheme>/versions/<int:version>/publish")
class Publish(MethodView):
    @blp.response(200, schemas.SchemeOut)
    def post(self, code, cycle, scheme, version):
        """Freeze a version; publishing is recorded in the ledger."""
        return schemes.publish(ctx(), code, cycle, scheme, version)
