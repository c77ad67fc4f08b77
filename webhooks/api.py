"""REST endpoints for webhook subscriptions (bureau admins)."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from core.api import schemas
from core.api.blueprint import Blueprint
from core.api.context import ctx
from webhooks import service

blp = Blueprint("webhooks", __name__, description="Webhooks 事件推送")


class EndpointIn(Schema):
    url = fields.String(required=True, validate=validate.Length(min=8, max=2000))
    events = fields.List(
        fields.String(validate=validate.Length(max=64)),
        load_default=lambda: ["*"],
        metadata={
            "description": 'event types, e.g. value.recorded, appeal.*, or "*" for all; '
            'left out: ["*"]. An empty list or a blank type is refused (422); a type '
            "given twice is stored once"
        },
    )
    description = fields.String(load_default="", validate=validate.Length(max=500))


class EndpointOut(Schema):
    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    enabled = fields.Boolean()
    disabled_reason = fields.String()
    description = fields.String()
    deliveries = fields.Dict(keys=fields.String(), values=fields.Integer())
    secret = fields.String(metadata={"description": "the signing secret, shown only once"})


class RedeliverIn(Schema):
    from_seq = schemas.seq_field(
        load_default=None,
        allow_none=True,
        metadata={"description": "all deliveries from this seq; default: the failed ones"},
    )


class RedeliverOut(Schema):
    queued = fields.Integer()
    pending = fields.Integer(metadata={"description": "deliveries still waiting their turn"})
    enabled = fields.Boolean()


class SecretOut(Schema):
    secret = fields.String()


class AttemptOut(Schema):
    msg_id = fields.String()
    type = fields.String()
    attempt = fields.Integer()
    status = fields.Integer(allow_none=True)
    duration_ms = fields.Integer()
    error = fields.String()
    response = fields.String()
    at = fields.String()
    worker = fields.String()


@blp.route("/bureaus/<code>/webhooks")
class Endpoints(MethodView):
    @blp.response(200, EndpointOut(many=True))
    def get(self, code):
        return service.listing(ctx(), code)

    @blp.arguments(EndpointIn)
    @blp.response(201, EndpointOut)
    def post(self, data, code):
        """Subscribe a URL; the response carries its signing secret, shown only once."""
        return service.add(ctx(), code, data["url"], data["events"], data["description"])


@blp.route("/bureaus/<code>/webhooks/<int:endpoint_id>/<any(enable,disable):action>")
class Toggle(MethodView):
    @blp.response(200, EndpointOut)
    def post(self, code, endpoint_id, action):
        return service.set_enabled(ctx(), code, endpoint_id, action == "enable")


@blp.route("/bureaus/<code>/webhooks/<int:endpoint_id>/rotate-secret")
class Rotate(MethodView):
    @blp.response(200, SecretOut)
    def post(self, code, endpoint_id):
        """New secret; the old one keeps signing for 24 hours (both signatures are sent)."""
        return service.rotate_secret(ctx(), code, endpoint_id)


@blp.route("/bureaus/<code>/webhooks/<int:endpoint_id>/redeliver")
class Redeliver(MethodView):
    @blp.arguments(RedeliverIn)
    @blp.response(200, RedeliverOut)
    def post(self, data, code, endpoint_id):
        return service.redeliver(ctx(), code, endpoint_id, data["from_seq"])


@blp.route("/bureaus/<code>/webhooks/<int:endpoint_id>/attempts")
class Attempts(MethodView):
    @blp.response(200, AttemptOut(many=True))
    def get(self, code, endpoint_id):
        return service.attempts(ctx(), code, endpoint_id)
