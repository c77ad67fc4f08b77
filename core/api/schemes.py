"""Indicator schemes (指标体系) of a cycle."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from marshmallow import Schema, fields

from core.api import schemas
from core.api.blueprint import Blueprint, json_body
from core.api.context import ctx
from core.kernel.errors import invalid
from core.services import schemes, templates

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
        doc = json_body(missing=None)
        if not isinstance(doc, dict):
            raise invalid("body", "请以 JSON 对象发送方案 (send the scheme as a JSON object)")
        publish = request.args.get("publish", "false").lower() == "true"
        return schemes.import_scheme(ctx(), code, cycle, doc, publish)


@blp.route("/bureaus/<code>/cycles/<cycle>/schemes/<scheme>/versions/<int:version>/publish")
class Publish(MethodView):
    @blp.response(200, schemas.SchemeOut)
    def post(self, code, cycle, scheme, version):
        """Freeze a version; publishing is recorded in the ledger."""
        return schemes.publish(ctx(), code, cycle, scheme, version)


class TemplateOut(Schema):
    kind = fields.String()
    name = fields.String()
    title = fields.String()
    plugin = fields.String()
    groups = fields.Dict(keys=fields.String(), values=fields.String())
    indicators = fields.Integer()
    description = fields.String()


class TemplateImportOut(Schema):
    template = fields.String()
    indicators_added = fields.List(fields.String())
    schemes = fields.List(fields.Nested(schemas.SchemeOut))


class PublishQuery(Schema):
    publish = fields.Boolean(load_default=False)


@blp.route("/bureaus/<code>/templates")
class Templates(MethodView):
    @blp.response(200, TemplateOut(many=True))
    def get(self, code):
        """Scheme templates and indicator libraries of the bureau's plugins."""
        return templates.listing(ctx(), code)


@blp.route("/bureaus/<code>/cycles/<cycle>/templates/<name>")
class TemplateImport(MethodView):
    @blp.arguments(PublishQuery, location="query")
    @blp.response(201, TemplateImportOut)
    def post(self, query, code, cycle, name):
        """Import a template: its missing indicators, then its schemes as new versions
        (``?publish=true`` publishes them)."""
        return templates.import_template(ctx(), code, name, cycle, query["publish"])
